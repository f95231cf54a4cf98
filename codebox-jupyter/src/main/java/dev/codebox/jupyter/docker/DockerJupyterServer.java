package dev.codebox.jupyter.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Volume;
import dev.codebox.CodeExecutorException;
import dev.codebox.docker.ContainerLimits;
import dev.codebox.docker.DockerEngine;
import dev.codebox.docker.DockerExecutorConfig;
import dev.codebox.jupyter.remote.JupyterServerClient;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jupyter Server in a container: a random token, a Unix socket in a host directory bind-mounted as
 * its root dir {@code /workspace} (reached through a forwarder on 127.0.0.1), codebox's labels (so that
 * {@link DockerEngine#prune} removes it when its program crashed), run as the owner of that
 * directory so that files the kernel writes belong to the user. {@link #close()} removes it.
 */
public final class DockerJupyterServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DockerJupyterServer.class);
    /** Longest Unix socket path Linux accepts (sun_path is 108 bytes with the terminating NUL). */
    private static final int MAX_SOCKET_PATH = 107;
    /** Where the output dir is mounted in the container, the server's root dir. */
    static final String ROOT_DIR = "/workspace";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final DockerClient docker;
    private final String containerId;
    private final URI url;
    private final String token;
    private final UnixSocketForwarder forwarder;
    private final Path socket;

    private DockerJupyterServer(DockerClient docker, String containerId, URI url, String token,
            UnixSocketForwarder forwarder, Path socket) {
        this.docker = docker;
        this.containerId = containerId;
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
        DockerClient docker = DockerEngine.connect();
        String containerId = null;
        UnixSocketForwarder forwarder = null;
        String socketName = ".codebox-jupyter-" + HexFormat.of().formatHex(randomBytes(4)) + ".sock";
        Path socket = bindDir.toAbsolutePath().resolve(socketName);
        try {
            if (socket.toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH) {
                throw new CodeExecutorException(CodeExecutorException.Reason.WORK_DIR, "the output dir path " + bindDir + " is too long for the Jupyter server's"
                        + " Unix socket (at most " + (MAX_SOCKET_PATH - socketName.length() - 1) + " bytes); choose a shorter one");
            }
            DockerEngine.prune(docker);
            requireImage(docker, image);
            String token = HexFormat.of().formatHex(randomBytes(24));
            String user = owner(bindDir);
            HostConfig host = new ContainerLimits(config.memoryBytes(), config.cpus(), config.pidsLimit(),
                    config.noNewPrivileges(), config.dropCapabilities(), DockerExecutorConfig.DEFAULT_TMP_BYTES, 0)
                    .applyTo(HostConfig.newHostConfig())
                    .withNetworkMode(config.network())
                    .withBinds(new Bind(bindDir.toString(), new Volume(ROOT_DIR)));
            containerId = docker.createContainerCmd(image)
                    .withName("codebox-jupyter-" + HexFormat.of().formatHex(randomBytes(6)))
                    .withLabels(DockerEngine.labels(DockerEngine.KIND_DOCKER_JUPYTER))
                    .withUser(user)
                    .withEnv("HOME=/tmp", "JUPYTER_RUNTIME_DIR=/tmp/jupyter-runtime", "JUPYTER_TOKEN=" + token)
                    .withWorkingDir(ROOT_DIR)
                    .withHostConfig(host)
                    .withCmd(List.of("python3", "-m", "jupyter_server", "--allow-root", "--no-browser",
                            "--ServerApp.sock=" + ROOT_DIR + "/" + socketName, "--ServerApp.sock_mode=0600",
                            "--ServerApp.root_dir=" + ROOT_DIR,
                            // codebox caps output itself; the server's rate limits would drop output.
                            "--ServerApp.iopub_data_rate_limit=0", "--ServerApp.iopub_msg_rate_limit=0"))
                    .exec()
                    .getId();
            docker.startContainerCmd(containerId).exec();
            forwarder = UnixSocketForwarder.start(socket, Integer.parseInt(user.split(":")[0]));
            URI url = URI.create("http://127.0.0.1:" + forwarder.port() + "/");
            DockerJupyterServer server = new DockerJupyterServer(docker, containerId, url, token, forwarder, socket);
            server.awaitReady(config.startupTimeout());
            LOG.debug("Jupyter server {} ready at {}", containerId, url);
            return server;
        } catch (RuntimeException | IOException e) {
            if (forwarder != null) {
                forwarder.close();
            }
            if (containerId != null) {
                remove(docker, containerId);
            }
            deleteQuietly(socket);
            close(docker);
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
        return containerId;
    }

    /** Removes the container and its socket; does not throw. */
    @Override
    public void close() {
        forwarder.close();
        remove(docker, containerId);
        deleteQuietly(socket);
        close(docker);
    }

    // The socket is a direct child of the output dir: unlink removes whatever is there, never following it.
    private static void deleteQuietly(Path socket) {
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.debug("could not delete {}", socket, e);
        }
    }

    private void awaitReady(Duration timeout) {
        JupyterServerClient client = new JupyterServerClient(url, token);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!client.ready()) {
            InspectContainerResponse.ContainerState state = docker.inspectContainerCmd(containerId).exec().getState();
            if (!Boolean.TRUE.equals(state.getRunning())) {
                throw new CodeExecutorException(CodeExecutorException.Reason.START_FAILED, "the Jupyter server container exited with code " + state.getExitCodeLong()
                        + " before answering");
            }
            if (System.nanoTime() - deadline > 0) {
                throw new CodeExecutorException(CodeExecutorException.Reason.START_FAILED, "the Jupyter server did not answer at " + url + " within "
                        + timeout.toSeconds() + " s");
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CodeExecutorException(CodeExecutorException.Reason.INTERRUPTED, "interrupted while the Jupyter server started", e);
            }
        }
    }

    private static void requireImage(DockerClient docker, String image) {
        try {
            docker.inspectImageCmd(image).exec();
        } catch (NotFoundException e) {
            throw new CodeExecutorException(CodeExecutorException.Reason.IMAGE_UNAVAILABLE, "the image " + image + " is not available; build codebox/jupyter:3 with"
                    + " scripts/setup-env.sh or pull an image with jupyter_server and ipykernel", e);
        }
    }

    // uid:gid of the bind dir, so that the kernel's files belong to whoever owns the dir.
    private static String owner(Path dir) {
        try {
            return Files.getAttribute(dir, "unix:uid") + ":" + Files.getAttribute(dir, "unix:gid");
        } catch (IOException | UnsupportedOperationException e) {
            return "0:0";
        }
    }

    private static byte[] randomBytes(int count) {
        byte[] bytes = new byte[count];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    private static void remove(DockerClient docker, String containerId) {
        try {
            docker.removeContainerCmd(containerId).withForce(true).withRemoveVolumes(true).exec();
        } catch (NotFoundException e) {
            LOG.debug("container {} was already removed", containerId);
        } catch (DockerException | IllegalStateException e) {
            LOG.warn("could not remove the Jupyter server container {}: {}", containerId, e.getMessage());
        }
    }

    private static void close(DockerClient docker) {
        try {
            docker.close();
        } catch (IOException | RuntimeException e) {
            LOG.debug("closing the Docker client failed", e);
        }
    }
}
