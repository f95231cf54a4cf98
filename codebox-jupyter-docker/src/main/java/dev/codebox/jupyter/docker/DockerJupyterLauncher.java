package dev.codebox.jupyter.docker;

import dev.codebox.jupyter.internal.remote.JupyterServerClient;
import dev.codebox.jupyter.internal.remote.RemoteKernelLauncher;
import dev.codebox.jupyter.spi.Kernel;
import dev.codebox.jupyter.spi.KernelFiles;
import dev.codebox.jupyter.spi.KernelLauncher;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Starts a {@link DockerJupyterServer} on the output dir with the first kernel, then kernels on it
 * as a remote launcher does; {@link #close()} removes the server.
 */
final class DockerJupyterLauncher implements KernelLauncher {

    private final DockerJupyterConfig config;
    private DockerJupyterServer server;

    public DockerJupyterLauncher(DockerJupyterConfig config) {
        this.config = config;
    }

    @Override
    public synchronized Kernel launch(Path outputDir) {
        if (server == null) {
            server = DockerJupyterServer.start(config, outputDir);
        }
        return new RemoteKernelLauncher(new JupyterServerClient(server.url(), server.token()), config.kernelName())
                .launch(outputDir);
    }

    @Override
    public synchronized void close() {
        if (server != null) {
            server.close();
            server = null;
        }
    }

    @Override
    public synchronized KernelFiles files() {
        return server == null ? KernelFiles.NONE : server.files();
    }

    @Override
    public Optional<String> outputDirInKernel(Path outputDir) {
        return Optional.of(DockerJupyterServer.ROOT_DIR);
    }

    @Override
    public String describe() {
        return "kernel " + config.kernelName() + " in a Jupyter server container from " + config.image();
    }
}
