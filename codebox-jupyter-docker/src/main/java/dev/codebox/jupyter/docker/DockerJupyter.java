package dev.codebox.jupyter.docker;

import dev.codebox.jupyter.JupyterCodeExecutor;

/** Creates Jupyter executors whose kernels run in a Jupyter server in a hardened Docker container. */
public final class DockerJupyter {

    private DockerJupyter() {
    }

    /**
     * An executor on a kernel of a Jupyter server in a container started with the first kernel and
     * removed at stop; the output dir is the server's root dir. See {@link DockerJupyterConfig} for
     * the container's defaults.
     */
    public static JupyterCodeExecutor executor(DockerJupyterConfig config) {
        return new JupyterCodeExecutor(new DockerJupyterLauncher(config), config.timeout(), config.startupTimeout(),
                config.maxOutputBytes(), config.outputDir(), config.functions());
    }
}
