package dev.codebox.jupyter.docker;

import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Volume;
import dev.codebox.CodeExecutorException;
import dev.codebox.docker.internal.ContainerLimits;
import dev.codebox.docker.internal.ContainerRequest;
import dev.codebox.docker.internal.DockerEngine;
import dev.codebox.docker.internal.EngineEndpoint;
import dev.codebox.docker.internal.ManagedContainer;
import dev.codebox.docker.internal.SharedDir;
import dev.codebox.docker.internal.UnixSockets;
import dev.codebox.jupyter.internal.remote.JupyterServerClient;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jupyter Server in a container made by the same {@link ManagedContainer} as the Docker executor's
 * (pull, hardening, labels, reaping, removal): a random token, a Unix socket in a host directory
 * bind-mounted as its root dir {@code /workspace} (reached through a forwarder on 127.0.0.1), run as
 * the owner of that directory so that files the kernel writes belong to the user.
 * {@link #close()} removes it.
 */
final class DockerJupyterServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DockerJupyterServer.class);
    /** Where the output dir is mounted in the container, the server's root dir. */
    static final String ROOT_DIR = "/workspace";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ManagedContainer container;
    private final URI url;
    private final String token;
    private final UnixSocketForwarder forwarder;
    private final Path socket;

    private DockerJupyterServer(ManagedContainer container, URI url, String token,
            UnixSocketForwarder forwarder, Path socket) {
        this.container = container;
        this.url = url;
        this.token = token;
        this.forwarder = forwarder;
        this.socket = socket;
    }

    /**
     * Starts a server from the configuration's image, with its limits and hardening, serving
     * {@code bindDir}, and waits until it answers. The token reaches the server in its environment
     * ({@code JUPYTER_TOKEN}), never on a command line. The server listens on a Unix socket in
     * {@code bindDir}, not on a port, so the container needs no network (its network is the
     * configuration's, {@code none} by default); this JVM reaches it through a forwarder on
     * 127.0.0.1 ({@link #url()}).
     *
     * @throws CodeExecutorException when the engine is unreachable, the image is missing, or the
     *     server does not answer within {@code startupTimeout} (the container is removed then)
     */
    public static DockerJupyterServer start(DockerJupyterConfig config, Path bindDir) {
        String image = config.image();
        ManagedContainer container = null;
        UnixSocketForwarder forwarder = null;
        String socketName = ".codebox-jupyter-" + HexFormat.of().formatHex(randomBytes(4)) + ".sock";
        Path socket = bindDir.toAbsolutePath().resolve(socketName);
        try {
            UnixSockets.requireFits(socket, "output dir", bindDir, "the Jupyter server's");
            String token = HexFormat.of().formatHex(randomBytes(24));
            String marker = SharedDir.newMarkerName();
            String user = ManagedContainer.resolveUser(Optional.empty(), bindDir, false).orElse("0:0");
            ContainerRequest request = new ContainerRequest(image,
                    "codebox-jupyter-" + HexFormat.of().formatHex(randomBytes(6)), DockerEngine.KIND_DOCKER_JUPYTER,
                    Map.of(), Optional.of(user),
                    List.of("HOME=/tmp", "JUPYTER_RUNTIME_DIR=/tmp/jupyter-runtime", "JUPYTER_TOKEN=" + token,
                            SharedDir.VARIABLE + "=" + marker),
                    ROOT_DIR, Optional.empty(),
                    SharedDir.command(ROOT_DIR, List.of("python3", "-m", "jupyter_server", "--allow-root", "--no-browser",
                            "--ServerApp.sock=" + ROOT_DIR + "/" + socketName, "--ServerApp.sock_mode=0600",
                            "--ServerApp.root_dir=" + ROOT_DIR,
                            // codebox caps output itself; the server's rate limits would drop output.
                            "--ServerApp.iopub_data_rate_limit=0", "--ServerApp.iopub_msg_rate_limit=0")),
                    new ContainerLimits(config.memoryBytes(), config.cpus(), config.pidsLimit(),
                            config.noNewPrivileges(), config.dropCapabilities(), config.tmpBytes(), 0),
                    config.network(), List.of(new Bind(bindDir.toString(), new Volume(ROOT_DIR))),
                    host -> { }, config.createContainerModifier());
            container = ManagedContainer.prepare(EngineEndpoint.discover(config.dockerHost()), request, false);
            SharedDir shared = SharedDir.mark(bindDir, marker);
            URI url;
            try {
                container.createAndStart();
                forwarder = UnixSocketForwarder.start(socket, Integer.parseInt(user.split(":")[0]));
                url = URI.create("http://127.0.0.1:" + forwarder.port() + "/");
                JupyterServerClient client = new JupyterServerClient(url, token);
                container.awaitReady("the Jupyter server", config.startupTimeout(),
                        () -> client.ready() ? null : "no answer at " + url);
            } catch (CodeExecutorException e) {
                throw SharedDir.explain(e, bindDir, container.engine());
            } finally {
                shared.remove();
            }
            LOG.debug("Jupyter server {} ready at {}", container.id(), url);
            return new DockerJupyterServer(container, url, token, forwarder, socket);
        } catch (RuntimeException | IOException e) {
            if (forwarder != null) {
                forwarder.close();
            }
            if (container != null) {
                container.close();
            }
            deleteQuietly(socket);
            if (e instanceof CodeExecutorException failed) {
                throw failed;
            }
            throw new CodeExecutorException(CodeExecutorException.Reason.START_FAILED, "cannot start a Jupyter server from " + image + ": " + e.getMessage(), e);
        }
    }

    /** The server's URL on this machine, e.g. {@code http://127.0.0.1:49153/}. */
    public URI url() {
        return url;
    }

    /** The server's token. */
    public String token() {
        return token;
    }

    /** The container's id. */
    public String containerId() {
        return container.id();
    }

    /** Removes the container and its socket; does not throw. */
    @Override
    public void close() {
        forwarder.close();
        container.close();
        deleteQuietly(socket);
    }

    // The socket is a direct child of the output dir: unlink removes whatever is there, never following it.
    private static void deleteQuietly(Path socket) {
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.debug("could not delete {}", socket, e);
        }
    }

    private static byte[] randomBytes(int count) {
        byte[] bytes = new byte[count];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

}
