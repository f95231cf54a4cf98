package dev.codebox.jupyter.docker;

import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Volume;
import dev.codebox.CodeExecutorException;
import dev.codebox.OutputListener;
import dev.codebox.docker.DockerExecutorConfig;
import dev.codebox.docker.RunnerTransport;
import dev.codebox.docker.WorkDirMode;
import dev.codebox.docker.internal.ContainerLimits;
import dev.codebox.docker.internal.ContainerRequest;
import dev.codebox.docker.internal.DockerEngine;
import dev.codebox.docker.internal.EngineEndpoint;
import dev.codebox.docker.internal.ManagedContainer;
import dev.codebox.docker.internal.RunnerContainer;
import dev.codebox.docker.internal.LoopbackPort;
import dev.codebox.docker.internal.RunnerForwarder;
import dev.codebox.docker.internal.SharedDir;
import dev.codebox.internal.OutputSink;
import dev.codebox.internal.Resources;
import dev.codebox.jupyter.internal.remote.JupyterServerClient;
import dev.codebox.jupyter.spi.KernelFiles;
import dev.codebox.runner.internal.ResidentRunner;
import dev.codebox.runner.internal.UnixSockets;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jupyter Server in a container made by the same container component as the Docker executor's
 * (pull, hardening, labels, reaping, removal), with a random token, run as the owner of the output
 * dir: on a socket in that dir where the engine shares it, else behind codebox's runner, relayed
 * over its attach stream (see {@link #start}). {@link #close()} removes it.
 */
final class DockerJupyterServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DockerJupyterServer.class);
    /** Where the output dir is mounted in the container, the server's root dir. */
    static final String ROOT_DIR = "/workspace";
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Starts the server with the token out of its environment and itself non-dumpable: see jupyter_server.py. */
    private static final String BOOTSTRAP = Resources.read(DockerJupyterServer.class, "jupyter_server.py");
    /** Where a relayed server listens, in the container's private /tmp. */
    private static final String RELAYED_SOCKET = "/tmp/codebox-jupyter.sock";
    /** How much of a relayed server's output is kept for messages. */
    private static final int SERVER_LOG_BYTES = 16 * 1024;
    private static final long POLL_MILLIS = 50;

    private final URI url;
    private final String token;
    private final Supplier<String> containerId;
    private final Runnable remove;
    private final KernelFiles files;

    private DockerJupyterServer(URI url, String token, Supplier<String> containerId, Runnable remove, KernelFiles files) {
        this.url = url;
        this.token = token;
        this.containerId = containerId;
        this.remove = remove;
        this.files = files;
    }

    /**
     * Starts a server from the configuration's image, with its limits and hardening, serving
     * {@code bindDir}, and waits until it answers. The token is on no command line and in no
     * environment the code can read: it reaches the server on the container's stdin (a local engine)
     * or in the environment of the server's process alone (under the runner), which takes it out of
     * its environment before any kernel starts and makes itself non-dumpable. The server listens on a Unix socket, not
     * a port, so the container needs no network. Where the engine shares {@code bindDir} (a local
     * engine), the socket is in that dir, bind-mounted as the server's root dir, and this JVM reaches
     * it through {@link UnixSocketForwarder}. Elsewhere (a remote engine, a VM without that file
     * sharing: found within a second) the server runs under codebox's runner and every connection is
     * relayed over the runner's attach stream ({@link RunnerForwarder}); its root dir is then a
     * tmpfs of the container that starts with {@code bindDir}'s files.
     *
     * @throws CodeExecutorException when the engine is unreachable, the image is missing, or the
     *     server does not answer within {@code startupTimeout} (the container is removed then)
     */
    public static DockerJupyterServer start(DockerJupyterConfig config, Path bindDir) {
        EngineEndpoint engine = EngineEndpoint.discover(config.dockerHost());
        if (!engine.isLocalSocket()) {
            return startRelayed(config, bindDir);
        }
        try {
            return startShared(config, bindDir, engine);
        } catch (CodeExecutorException e) {
            if (!SharedDir.isNotShared(e)) {
                throw e;
            }
            LOG.info("the Docker engine at {} does not share {}; relaying the Jupyter server through the runner",
                    engine.describe(), bindDir);
            return startRelayed(config, bindDir);
        }
    }

    /** The server with its socket in the bind-mounted {@code bindDir}, on an engine that shares it. */
    private static DockerJupyterServer startShared(DockerJupyterConfig config, Path bindDir, EngineEndpoint engine) {
        String image = config.image();
        ManagedContainer container = null;
        LoopbackPort forwarder = null;
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
                    List.of("HOME=/tmp", "JUPYTER_RUNTIME_DIR=/tmp/jupyter-runtime", SharedDir.VARIABLE + "=" + marker),
                    ROOT_DIR, Optional.empty(),
                    SharedDir.command(ROOT_DIR, serverCommand(ROOT_DIR + "/" + socketName)),
                    new ContainerLimits(config.memoryBytes(), config.cpus(), config.pidsLimit(),
                            config.noNewPrivileges(), config.dropCapabilities(), config.tmpBytes(), 0),
                    config.network(), List.of(new Bind(bindDir.toString(), new Volume(ROOT_DIR))),
                    host -> { }, config.createContainerModifier());
            container = ManagedContainer.prepare(engine, request, false);
            SharedDir shared = SharedDir.mark(bindDir, marker);
            URI url;
            try (ManagedContainer.StdinHandle stdin = container.createAndStartWithInput((token + "\n").getBytes(StandardCharsets.US_ASCII))) {
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
            ManagedContainer started = container;
            LoopbackPort opened = forwarder;
            return new DockerJupyterServer(url, token, started::id, () -> {
                opened.close();
                started.close();
                deleteQuietly(socket);
            }, KernelFiles.NONE);
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
        return containerId.get();
    }

    /** The files the kernel writes, when they are not written into the output dir itself. */
    public KernelFiles files() {
        return files;
    }

    /** Removes the container (and its socket); does not throw. */
    @Override
    public void close() {
        remove.run();
    }

    /**
     * The server as a service of codebox's runner in a container on the attach stream, with a copied
     * work dir, reached through connections relayed over that stream: nothing but the Engine API
     * lies between this JVM and the server.
     */
    private static DockerJupyterServer startRelayed(DockerJupyterConfig config, Path bindDir) {
        String token = HexFormat.of().formatHex(randomBytes(24));
        DockerExecutorConfig runnerConfig = DockerExecutorConfig.builder()
                .image(config.image())
                .workDir(bindDir)
                .dockerHost(config.dockerHost().orElse(null))
                .transport(RunnerTransport.ATTACH)
                .workDirMode(WorkDirMode.COPY)
                .pythonForkServer(false)
                .memoryBytes(config.memoryBytes())
                .cpus(config.cpus())
                .pidsLimit(config.pidsLimit())
                .tmpBytes(config.tmpBytes())
                .noNewPrivileges(config.noNewPrivileges())
                .dropCapabilities(config.dropCapabilities())
                .network(config.network())
                .createContainerModifier(create -> {
                    Map<String, String> labels = new HashMap<>(create.getLabels());
                    labels.put(DockerEngine.LABEL_KIND, DockerEngine.KIND_DOCKER_JUPYTER); // a docker-jupyter server all the same
                    create.withLabels(labels);
                    config.createContainerModifier().accept(create);
                })
                .environment(Map.of("HOME", "/tmp", "JUPYTER_RUNTIME_DIR", "/tmp/jupyter-runtime"))
                .startTimeout(config.startupTimeout())
                .build();
        RunnerContainer container = RunnerContainer.start(runnerConfig);
        LoopbackPort forwarder = null;
        RunnerContainer.Service service = null;
        try {
            OutputSink log = new OutputSink(SERVER_LOG_BYTES, OutputListener.NONE);
            service = container.startService(serverCommand(RELAYED_SOCKET), Map.of("JUPYTER_TOKEN", token), log);
            forwarder = RunnerForwarder.start(container, RELAYED_SOCKET);
            URI url = URI.create("http://127.0.0.1:" + forwarder.port() + "/");
            JupyterServerClient client = new JupyterServerClient(url, token);
            long deadline = System.nanoTime() + config.startupTimeout().toNanos();
            while (!client.ready()) {
                if (service.ended()) {
                    throw new CodeExecutorException(CodeExecutorException.Reason.START_FAILED, "the Jupyter server in container "
                            + container.name() + " stopped while it started; its output:\n" + log.text().strip());
                }
                if (System.nanoTime() > deadline) {
                    throw new CodeExecutorException(CodeExecutorException.Reason.START_FAILED, "the Jupyter server in container "
                            + container.name() + " did not answer within " + config.startupTimeout().toSeconds()
                            + " s; its output:\n" + log.text().strip());
                }
                Thread.sleep(POLL_MILLIS);
            }
            LOG.debug("Jupyter server in {} ready at {} (relayed)", container.name(), url);
            LoopbackPort opened = forwarder;
            RunnerContainer.Service running = service;
            return new DockerJupyterServer(url, token, container::id, () -> {
                opened.close();
                running.stop();
                container.close();
            }, new CopiedFiles(new ResidentRunner(container, runnerConfig.stopContainerOnExit(), runnerConfig.image(), runnerConfig.memoryBytes())));
        } catch (RuntimeException | IOException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            if (forwarder != null) {
                forwarder.close();
            }
            if (service != null) {
                service.stop();
            }
            container.close();
            if (e instanceof CodeExecutorException failed) {
                throw failed;
            }
            throw new CodeExecutorException(CodeExecutorException.Reason.START_FAILED, "cannot start a Jupyter server from "
                    + config.image() + ": " + e.getMessage(), e);
        }
    }

    // The socket is a direct child of the output dir: unlink removes whatever is there, never following it.
    private static void deleteQuietly(Path socket) {
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.debug("could not delete {}", socket, e);
        }
    }

    /**
     * The files of a relayed server's {@value #ROOT_DIR}, a tmpfs of its container: listed through the
     * runner before and after each execution, and what changed copied into the output dir.
     */
    private record CopiedFiles(ResidentRunner runner) implements KernelFiles {

        private static final int MAX_FILES = 10_000;

        @Override
        public Object mark() {
            try {
                return runner.listFiles(MAX_FILES).orElse(null);
            } catch (IOException | RuntimeException e) {
                LOG.warn("cannot list the kernel's files: {}", e.toString());
                return null;
            }
        }

        @Override
        @SuppressWarnings("unchecked")
        public void copyChanged(Object mark) {
            if (mark == null) {
                return; // too many files to track, or the listing failed: nothing is copied
            }
            Map<String, String> before = (Map<String, String>) mark;
            try {
                Optional<Map<String, String>> after = runner.listFiles(MAX_FILES);
                if (after.isEmpty()) {
                    return;
                }
                List<String> changed = after.get().entrySet().stream()
                        .filter(entry -> !entry.getValue().equals(before.get(entry.getKey())))
                        .map(Map.Entry::getKey).sorted().toList();
                runner.exportFiles(changed);
            } catch (IOException | RuntimeException e) {
                LOG.warn("cannot copy the kernel's files into the output dir: {}", e.toString());
            }
        }
    }

    /** The server, listening on the Unix socket {@code socket} (mode 0600), serving {@value #ROOT_DIR}. */
    private static List<String> serverCommand(String socket) {
        return List.of("python3", "-c", BOOTSTRAP, "--allow-root", "--no-browser",
                "--ServerApp.sock=" + socket, "--ServerApp.sock_mode=0600", "--ServerApp.root_dir=" + ROOT_DIR,
                // codebox caps output itself; the server's rate limits would drop output.
                "--ServerApp.iopub_data_rate_limit=0", "--ServerApp.iopub_msg_rate_limit=0");
    }

    private static byte[] randomBytes(int count) {
        byte[] bytes = new byte[count];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

}
