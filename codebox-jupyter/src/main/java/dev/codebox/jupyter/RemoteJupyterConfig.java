package dev.codebox.jupyter;

import dev.codebox.ExecutorConfigBuilder;
import dev.codebox.functions.FunctionModule;
import dev.codebox.internal.Settings;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Immutable configuration of a Jupyter executor on a kernel of a Jupyter Server or Kernel Gateway.
 * Build one with {@link #builder(URI)}; defaults:
 * <ul>
 *   <li>{@code url}: required, the server's base URL, e.g. {@code http://127.0.0.1:8888/} (http or https);
 *   <li>{@code token}: empty, no {@code Authorization} header; else {@code Authorization: token <token>};
 *   <li>{@code kernelName}: {@code python3};
 *   <li>{@code outputDir}: none, so a temporary directory on this machine is created at start and
 *       deleted at stop; a given directory is created when missing and never deleted;
 *   <li>{@code timeout}: 60 seconds per block, at least 1 second;
 *   <li>{@code startupTimeout}: 60 seconds for the kernel to start and answer;
 *   <li>{@code maxOutputBytes}: {@link ExecutorConfigBuilder#DEFAULT_MAX_OUTPUT_BYTES} (1 MiB) per execution;
 *   <li>{@code functions}: {@link FunctionModule#none()}; when not empty, the kernel writes the module
 *       into its working directory at each start, its requirements are pip-installed with the kernel's Python on the server
 *       ({@code python -m pip install}) and imports it, before any block runs.
 * </ul>
 */
public final class RemoteJupyterConfig {

    private final URI url;
    private final String token;
    private final String kernelName;
    private final Optional<Path> outputDir;
    private final Duration timeout;
    private final Duration startupTimeout;
    private final int maxOutputBytes;
    private final FunctionModule functions;

    /**
     * @throws IllegalArgumentException when the URL is not absolute http(s), the kernel name is
     *     blank, a timeout under one second or maxOutputBytes under {@link ExecutorConfigBuilder#MIN_MAX_OUTPUT_BYTES}
     */
    private RemoteJupyterConfig(URI url, String token, String kernelName, Optional<Path> outputDir,
            Duration timeout, Duration startupTimeout, int maxOutputBytes, FunctionModule functions) {
        Objects.requireNonNull(url, "url");
        String scheme = url.getScheme();
        if (!"http".equals(scheme) && !"https".equals(scheme) || url.getHost() == null) {
            throw new IllegalArgumentException("url must be an http or https URL of a Jupyter server, was " + url);
        }
        Objects.requireNonNull(token, "token");
        if (Objects.requireNonNull(kernelName, "kernelName").isBlank()) {
            throw new IllegalArgumentException("kernelName must not be blank");
        }
        Objects.requireNonNull(outputDir, "outputDir");
        Settings.requireTimeout(timeout);
        Settings.requireTimeout(startupTimeout);
        Settings.requireMaxOutputBytes(maxOutputBytes);
        Objects.requireNonNull(functions, "functions");
        this.url = url;
        this.token = token;
        this.kernelName = kernelName;
        this.outputDir = outputDir;
        this.timeout = timeout;
        this.startupTimeout = startupTimeout;
        this.maxOutputBytes = maxOutputBytes;
        this.functions = functions;
    }

    /** The {@code url} setting; its default is in the class description. */
    public URI url() {
        return url;
    }

    /** The {@code token} setting; its default is in the class description. */
    public String token() {
        return token;
    }

    /** The {@code kernelName} setting; its default is in the class description. */
    public String kernelName() {
        return kernelName;
    }

    /** The {@code outputDir} setting; its default is in the class description. */
    public Optional<Path> outputDir() {
        return outputDir;
    }

    /** The {@code timeout} setting; its default is in the class description. */
    public Duration timeout() {
        return timeout;
    }

    /** The {@code startupTimeout} setting; its default is in the class description. */
    public Duration startupTimeout() {
        return startupTimeout;
    }

    /** The {@code maxOutputBytes} setting; its default is in the class description. */
    public int maxOutputBytes() {
        return maxOutputBytes;
    }

    /** The {@code functions} setting; its default is in the class description. */
    public FunctionModule functions() {
        return functions;
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof RemoteJupyterConfig)) {
            return false;
        }
        RemoteJupyterConfig that = (RemoteJupyterConfig) other;
        return Objects.equals(url, that.url)
                && Objects.equals(token, that.token)
                && Objects.equals(kernelName, that.kernelName)
                && Objects.equals(outputDir, that.outputDir)
                && Objects.equals(timeout, that.timeout)
                && Objects.equals(startupTimeout, that.startupTimeout)
                && maxOutputBytes == that.maxOutputBytes
                && Objects.equals(functions, that.functions);
    }

    @Override
    public int hashCode() {
        return Objects.hash(url, token, kernelName, outputDir, timeout,
                startupTimeout, maxOutputBytes, functions);
    }

    /** Every setting but the token, which is shown only as set or not. */
    @Override
    public String toString() {
        return "RemoteJupyterConfig[url=" + url + ", token=" + (token.isEmpty() ? "none" : "(hidden)")
                + ", kernelName=" + kernelName + ", outputDir=" + outputDir + ", timeout=" + timeout
                + ", startupTimeout=" + startupTimeout + ", maxOutputBytes=" + maxOutputBytes
                + ", functions=" + functions + "]";
    }

    /** A builder for the server at {@code url} with every other default. */
    public static Builder builder(URI url) {
        return new Builder(url);
    }

    /** Builds a {@link RemoteJupyterConfig}; values are checked by {@link #build()}. */
    public static final class Builder extends JupyterConfigBuilder<Builder> {
        private final URI url;
        private String token = "";

        private Builder(URI url) {
            this.url = url;
        }

        /** The server's token (default: none). */
        public Builder token(String token) {
            this.token = token;
            return this;
        }

        /** @throws IllegalArgumentException when a value is out of range */
        public RemoteJupyterConfig build() {
            return new RemoteJupyterConfig(url, token, kernelName, Optional.ofNullable(outputDir), timeout,
                    startupTimeout, maxOutputBytes, functions);
        }
    }
}
