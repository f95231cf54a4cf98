package dev.codebox.cli;

import dev.codebox.CodeExecutor;
import dev.codebox.functions.FunctionModule;
import dev.codebox.internal.TempDirs;
import dev.codebox.jupyter.JupyterCodeExecutor;
import dev.codebox.jupyter.JupyterConfigBuilder;
import dev.codebox.jupyter.LocalJupyterConfig;
import dev.codebox.jupyter.RemoteJupyterConfig;
import dev.codebox.jupyter.docker.DockerJupyter;
import dev.codebox.jupyter.docker.DockerJupyterConfig;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import picocli.CommandLine.Option;

/**
 * Options of the jupyter and docker-jupyter executors (a picocli mixin of exec and run). One kernel
 * per invocation, so the blocks of {@code run} share their state; it is shut down when codebox exits.
 */
public final class JupyterOptions {

    @Option(names = "--kernel", paramLabel = "NAME", defaultValue = "python3",
            description = "Jupyter kernel (kernelspec name) of the jupyter and docker-jupyter executors (default: ${DEFAULT-VALUE}).")
    String kernel;

    @Option(names = "--output-dir", paramLabel = "DIR",
            description = "Where the jupyter executors save images and HTML, created when missing and kept (default: a"
                    + " new codebox-jupyter-* directory in the system temp dir, kept so that the listed files can be read)."
                    + " The local kernel runs there unless --work-dir is given; docker-jupyter mounts it as /workspace.")
    Path outputDir;

    @Option(names = "--jupyter-url", paramLabel = "URL",
            description = "Use a kernel of this running Jupyter Server or Kernel Gateway (-e jupyter), e.g. http://127.0.0.1:8888/.")
    String url;

    /** A file, not the token itself: a command line is visible to every user of the machine. */
    @Option(names = "--jupyter-token-file", paramLabel = "FILE",
            description = "File whose first line is the token of the --jupyter-url server (default: $JUPYTER_TOKEN, else none).")
    Path tokenFile;

    /** The default output dir this invocation made up, when --output-dir was not given. */
    private Path generatedOutputDir;

    /**
     * The jupyter executor: a local kernel, or one of the --jupyter-url server.
     *
     * @param dir the directory the kernel runs and saves its images in, instead of --work-dir and --output-dir
     * @param kernelName the kernel, instead of --kernel
     */
    CodeExecutor local(CommonOptions common, FunctionModule functions, Optional<Path> dir, Optional<String> kernelName) {
        checkCommon(common);
        try {
            return url == null ? localKernel(common, functions, dir, kernelName) : remote(common, functions, kernelName);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** The docker-jupyter executor; {@code dir} and {@code kernelName} as for {@link #local}. */
    CodeExecutor docker(CommonOptions common, DockerOptions docker, FunctionModule functions, Optional<Path> dir,
            Optional<String> kernelName) {
        checkCommon(common);
        try {
            return dockerJupyter(common, docker, functions, dir, kernelName);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** Whether a --jupyter-url server runs the kernels (their files are not on this machine). */
    boolean remoteServer() {
        return url != null;
    }

    private static void checkCommon(CommonOptions common) {
        if (common.python().isPresent()) {
            throw new UsageException("--python is for the local executor; choose the kernel with --kernel");
        }
    }

    private CodeExecutor localKernel(CommonOptions common, FunctionModule functions, Optional<Path> dir,
            Optional<String> kernelName) {
        if (tokenFile != null) {
            throw new UsageException("--jupyter-token-file needs --jupyter-url");
        }
        LocalJupyterConfig.Builder config = configured(LocalJupyterConfig.builder(), common, functions, dir, kernelName);
        dir.or(common::workDir).ifPresent(config::workDir);
        return JupyterCodeExecutor.local(config.build());
    }

    private CodeExecutor remote(CommonOptions common, FunctionModule functions, Optional<String> kernelName) {
        if (common.workDir().isPresent()) {
            throw new UsageException("--work-dir is not used with --jupyter-url: the kernel runs on the server");
        }
        return JupyterCodeExecutor.remote(configured(RemoteJupyterConfig.builder(serverUrl()), common, functions,
                        Optional.empty(), kernelName)
                .token(token())
                .build());
    }

    /** The token of --jupyter-token-file, else $JUPYTER_TOKEN, else none (empty). */
    private String token() {
        if (tokenFile != null) {
            return SecretFile.read(tokenFile, "--jupyter-token-file").get(0);
        }
        String variable = System.getenv("JUPYTER_TOKEN");
        return variable == null ? "" : variable.trim();
    }

    private CodeExecutor dockerJupyter(CommonOptions common, DockerOptions docker, FunctionModule functions,
            Optional<Path> dir, Optional<String> kernelName) {
        if (url != null) {
            throw new UsageException("--jupyter-url is for -e jupyter; -e docker-jupyter starts its own server");
        }
        if (tokenFile != null) {
            throw new UsageException("--jupyter-token-file is for -e jupyter with --jupyter-url; -e docker-jupyter starts its own server");
        }
        if (common.workDir().isPresent()) {
            throw new UsageException("-e docker-jupyter runs the kernel in --output-dir; --work-dir is not used");
        }
        // --image as given: the default is the Jupyter image, not the docker executor's.
        return DockerJupyter.executor(configured(DockerJupyterConfig.builder(), common, functions, dir, kernelName)
                .image(docker.image == null ? DockerJupyterConfig.DEFAULT_IMAGE : docker.image)
                .dockerHost(docker.dockerHost)
                .memory(docker.memory)
                .cpus(docker.cpus)
                .pidsLimit(docker.pids)
                .tmpBytes(DockerOptions.size(docker.tmpSize, "--tmp-size"))
                .network(docker.network)
                .build());
    }

    /** {@code builder} with the kernel, functions, timeout, output cap and output dir of this invocation. */
    private <B extends JupyterConfigBuilder<B>> B configured(B builder, CommonOptions common, FunctionModule functions,
            Optional<Path> dir, Optional<String> kernelName) {
        return builder.kernelName(kernelName.orElse(kernel))
                .functions(functions)
                .timeout(common.timeout())
                .maxOutputBytes(common.maxOutputBytes())
                .outputDir(dir.orElseGet(this::outputDir));
    }

    /** The --kernel option's value. */
    String kernel() {
        return kernel;
    }

    // Not the executors' default (a temp dir deleted at stop): the CLI ends by stopping the executor,
    // and the files it lists must still be there afterwards. The executor creates it at start, so a
    // bad option leaves no directory behind.
    private Path outputDir() {
        if (outputDir != null) {
            return outputDir;
        }
        generatedOutputDir = Path.of(System.getProperty("java.io.tmpdir"), "codebox-jupyter-" + UUID.randomUUID());
        return generatedOutputDir;
    }

    /**
     * Deletes the made-up output dir when the code saved nothing in it but what codebox put there
     * (the functions module the kernel wrote, Python's cache of it), so runs without plots leave no
     * trace. Nothing in it is followed: a link is removed as a link.
     */
    void removeUnusedOutputDir(FunctionModule functions) {
        if (generatedOutputDir == null) {
            return;
        }
        Set<String> ours = functions.isEmpty() ? Set.of() : Set.of(functions.fileName(), "__pycache__");
        try (Stream<Path> entries = Files.list(generatedOutputDir)) {
            if (entries.allMatch(entry -> ours.contains(entry.getFileName().toString()))) {
                TempDirs.deleteRecursively(generatedOutputDir);
            }
        } catch (IOException e) {
            // Not created (the executor failed to start): nothing to remove.
        }
    }

    private URI serverUrl() {
        try {
            return new URI(url);
        } catch (URISyntaxException e) {
            throw new UsageException("--jupyter-url is not a URL: " + url);
        }
    }
}
