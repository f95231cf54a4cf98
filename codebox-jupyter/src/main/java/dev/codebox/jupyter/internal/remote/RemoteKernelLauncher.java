package dev.codebox.jupyter.internal.remote;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codebox.CodeExecutorException;
import dev.codebox.jupyter.RemoteJupyterConfig;
import dev.codebox.jupyter.spi.Kernel;
import dev.codebox.jupyter.spi.KernelLauncher;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Starts kernels on a Jupyter server through its REST API and connects their websocket. */
public final class RemoteKernelLauncher implements KernelLauncher {

    private final JupyterServerClient server;
    private final String kernelName;

    public RemoteKernelLauncher(RemoteJupyterConfig config) {
        this(new JupyterServerClient(config.url(), config.token()), config.kernelName());
    }

    public RemoteKernelLauncher(JupyterServerClient server, String kernelName) {
        this.server = server;
        this.kernelName = kernelName;
    }

    /**
     * Starts a {@code kernelName} kernel; {@code outputDir} is on this machine, so the kernel does
     * not see it.
     *
     * @throws CodeExecutorException when the server is unreachable, refuses the token or has no such kernel
     */
    @Override
    public Kernel launch(Path outputDir) {
        JsonNode specs = server.kernelSpecs().path("kernelspecs");
        JsonNode spec = specs.path(kernelName);
        if (spec.isMissingNode()) {
            List<String> names = new ArrayList<>();
            specs.fieldNames().forEachRemaining(names::add);
            throw new CodeExecutorException(CodeExecutorException.Reason.START_FAILED, "the Jupyter server at " + server + " has no kernel named '" + kernelName
                    + "'; it has: " + String.join(", ", names));
        }
        String language = spec.path("spec").path("language").asText("");
        String id = server.startKernel(kernelName);
        WebSocketTransport transport;
        try {
            transport = WebSocketTransport.open(server, id);
        } catch (RuntimeException e) {
            try {
                server.deleteKernel(id);
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return new RemoteKernel(server, id, kernelName, language, transport);
    }

    @Override
    public String describe() {
        return "kernel " + kernelName + " on " + server;
    }
}
