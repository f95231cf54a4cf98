package dev.codebox.docker.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.transport.DockerHttpClient;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import dev.codebox.CodeExecutorException;
import dev.codebox.internal.Owner;
import dev.codebox.internal.TempDirs;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Docker engine as codebox uses it: one way to connect, the labels every codebox container
 * carries, and the removal of containers whose program is gone.
 *
 * <p><b>Where the engine is.</b> See {@link EngineEndpoint}: the configured address, else
 * {@code DOCKER_HOST}, the current Docker context, the usual socket locations.
 *
 * <p><b>Labels.</b> Every container codebox creates carries {@value #LABEL_CODEBOX}{@code =true},
 * {@value #LABEL_KIND} (which executor: {@value #KIND_DOCKER} or {@value #KIND_DOCKER_JUPYTER}), and
 * the owner JVM's process id ({@value #LABEL_OWNER_PID}), start instant ({@value #LABEL_OWNER_START})
 * and host name ({@value #LABEL_OWNER_HOST}), so that {@link #prune(DockerClient)} can tell which
 * containers a crashed program left behind. Containers meant to outlive their program also carry
 * {@value #LABEL_KEEP}{@code =true}.
 */
public final class DockerEngine {

    /** Marks every codebox container, value {@code true}. */
    public static final String LABEL_CODEBOX = "dev.codebox";
    /** Which executor created the container: {@value #KIND_DOCKER} or {@value #KIND_DOCKER_JUPYTER}. */
    public static final String LABEL_KIND = "dev.codebox.kind";
    /** Process id of the JVM that created the container. */
    public static final String LABEL_OWNER_PID = "dev.codebox.owner-pid";
    /** Start instant (ISO-8601) of the JVM that created the container; with the pid it names the JVM. */
    public static final String LABEL_OWNER_START = "dev.codebox.owner-start";
    /** Host name of the JVM that created the container; prune only judges containers of its own host. */
    public static final String LABEL_OWNER_HOST = "dev.codebox.owner-host";
    /**
     * The temporary work dir codebox created for the container (absent for a given work dir); prune
     * deletes it with the container.
     */
    public static final String LABEL_TEMP_WORK_DIR = "dev.codebox.temp-work-dir";
    /** Marks a container meant to outlive its program (value {@code true}); prune keeps it. */
    public static final String LABEL_KEEP = "dev.codebox.keep";
    /** Kind of the Docker command-line executor's containers. */
    public static final String KIND_DOCKER = "docker";
    /** Kind of the Docker Jupyter executor's containers. */
    public static final String KIND_DOCKER_JUPYTER = "docker-jupyter";

    /** The engine address used when {@code DOCKER_HOST} is not set. */
    public static final String DEFAULT_HOST = "unix:///var/run/docker.sock";

    private static final Logger LOG = LoggerFactory.getLogger(DockerEngine.class);
    private static final Duration RESPONSE_TIMEOUT = Duration.ofMinutes(2);
    private static final ObjectMapper JSON = new ObjectMapper();

    private DockerEngine() {
    }

    /**
     * A client of the engine found by {@link EngineEndpoint#discover}, checked with a ping.
     *
     * @throws CodeExecutorException when the engine does not answer
     */
    public static DockerClient connect() {
        return connect(EngineEndpoint.discover(Optional.empty()));
    }

    /**
     * A client of the engine at {@code endpoint}, checked with a ping. A call fails when the engine
     * sends nothing for two minutes. Close the client when done.
     *
     * @throws CodeExecutorException when the engine does not answer, with where it looked, how it
     *     found that address, and how to start an engine
     */
    public static DockerClient connect(EngineEndpoint endpoint) {
        if (endpoint.host().startsWith("ssh://")) {
            throw new CodeExecutorException(CodeExecutorException.Reason.ENGINE_UNREACHABLE, "cannot reach " + endpoint.describe()
                    + ": docker-java speaks to engines on unix:// and tcp:// addresses, not ssh://. Forward the engine's socket"
                    + " instead (ssh -nNT -L /tmp/remote-docker.sock:/var/run/docker.sock " + endpoint.host().substring(6)
                    + ") and use unix:///tmp/remote-docker.sock: the attach stream and a copied work dir are then picked"
                    + " automatically");
        }
        DockerClient client;
        try {
            DockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                    .withDockerHost(endpoint.host())
                    .build();
            requireTlsFiles(endpoint, config);
            DockerHttpClient http = new ZerodepDockerHttpClient.Builder()
                    .dockerHost(config.getDockerHost())
                    .sslConfig(config.getSSLConfig())
                    .maxConnections(64)
                    .connectionTimeout(Duration.ofSeconds(5))
                    // An engine that stops answering fails a call after this long instead of hanging it.
                    .responseTimeout(RESPONSE_TIMEOUT)
                    .build();
            client = DockerClientImpl.getInstance(config, http);
        } catch (CodeExecutorException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CodeExecutorException(CodeExecutorException.Reason.ENGINE_UNREACHABLE, "cannot use the Docker engine address "
                    + endpoint.describe() + ": " + rootMessage(e), e);
        }
        try {
            client.pingCmd().exec();
            return client;
        } catch (RuntimeException e) {
            closeQuietly(client);
            throw new CodeExecutorException(CodeExecutorException.Reason.ENGINE_UNREACHABLE, "the Docker engine is not reachable at "
                    + endpoint.describe() + ": " + rootMessage(e)
                    + (endpoint.tried().isEmpty() ? "" : "; looked at before: " + String.join(", ", endpoint.tried()))
                    + ". Start it (for example `sudo systemctl start docker`, or `sudo dockerd &`, or scripts/setup-env.sh),"
                    + " or point DOCKER_HOST or the configuration's dockerHost at a running engine.", e);
        }
    }

    /** The files the docker CLI reads from {@code DOCKER_CERT_PATH} when {@code DOCKER_TLS_VERIFY} is set. */
    private static final List<String> TLS_FILES = List.of("ca.pem", "cert.pem", "key.pem");

    /**
     * docker-java quietly speaks plain HTTP when {@code DOCKER_TLS_VERIFY} asks for TLS but the
     * certificate files are missing: refuse instead, saying which files are missing where.
     */
    private static void requireTlsFiles(EngineEndpoint endpoint, DockerClientConfig config) {
        if (!config.getDockerHost().getScheme().equals("tcp") || !isTlsVerify()) {
            return;
        }
        String certPath = dockerSetting("DOCKER_CERT_PATH").orElse(System.getProperty("user.home") + "/.docker");
        List<String> missing = TLS_FILES.stream().filter(file -> !java.nio.file.Files.isRegularFile(Path.of(certPath, file))).toList();
        if (!missing.isEmpty()) {
            throw new CodeExecutorException(CodeExecutorException.Reason.ENGINE_UNREACHABLE, "DOCKER_TLS_VERIFY asks for TLS with "
                    + endpoint.describe() + ", but " + certPath + " (DOCKER_CERT_PATH) lacks " + String.join(", ", missing)
                    + "; put the engine's client certificates there, or unset DOCKER_TLS_VERIFY for an engine without TLS");
        }
    }

    /** DOCKER_TLS_VERIFY as the docker CLI reads it: set to anything but empty. */
    private static boolean isTlsVerify() {
        return dockerSetting("DOCKER_TLS_VERIFY").isPresent();
    }

    /** A docker setting as docker-java reads it: the system property of that name, else the variable; never blank. */
    private static Optional<String> dockerSetting(String name) {
        return Optional.ofNullable(System.getProperty(name)).or(() -> Optional.ofNullable(System.getenv(name)))
                .filter(value -> !value.isBlank());
    }

    /**
     * The labels of a container of the given kind created by this JVM.
     *
     * @param kind {@value #KIND_DOCKER}, {@value #KIND_DOCKER_JUPYTER}, or another executor's name
     */
    public static Map<String, String> labels(String kind) {
        Objects.requireNonNull(kind, "kind");
        return Map.of(LABEL_CODEBOX, "true", LABEL_KIND, kind, LABEL_OWNER_PID, Owner.PID,
                LABEL_OWNER_START, Owner.START, LABEL_OWNER_HOST, Owner.HOST);
    }

    /**
     * Removes (forcibly) the codebox containers of this host whose owner JVM is no longer running:
     * no process has the owner pid, or it started at another instant. Containers of other hosts, of
     * running programs, and those labelled {@value #LABEL_KEEP} (an executor configured not to stop
     * its container at exit) are kept. A removed container's temporary work dir
     * ({@value #LABEL_TEMP_WORK_DIR}) is deleted too.
     *
     * @return the names of the removed containers
     */
    public static List<String> prune(DockerClient client) {
        List<String> removed = new ArrayList<>();
        List<Container> containers = client.listContainersCmd()
                .withShowAll(true)
                .withLabelFilter(Map.of(LABEL_CODEBOX, "true"))
                .exec();
        for (Container container : containers) {
            Map<String, String> labels = container.getLabels();
            if (!Owner.HOST.equals(labels.get(LABEL_OWNER_HOST)) || "true".equals(labels.get(LABEL_KEEP))
                    || Owner.isAlive(labels.getOrDefault(LABEL_OWNER_PID, ""), labels.get(LABEL_OWNER_START))) {
                continue;
            }
            String name = container.getNames() != null && container.getNames().length > 0
                    ? container.getNames()[0].replaceFirst("^/", "") : container.getId();
            try {
                client.removeContainerCmd(container.getId()).withForce(true).withRemoveVolumes(true).exec();
                removed.add(name);
                LOG.info("removed container {} left by process {}", name, labels.get(LABEL_OWNER_PID));
                Optional.ofNullable(labels.get(LABEL_TEMP_WORK_DIR)).map(Path::of)
                        .filter(DockerEngine::isCodeboxTempDir).ifPresent(TempDirs::deleteRecursively);
            } catch (NotFoundException e) {
                LOG.debug("container {} was already removed", name);
            }
        }
        return removed;
    }

    /** Only directories codebox creates are deleted, whatever a label says. */
    private static boolean isCodeboxTempDir(Path dir) {
        Path temp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().normalize();
        Path normalized = dir.toAbsolutePath().normalize();
        return temp.equals(normalized.getParent()) && normalized.getFileName().toString().startsWith("codebox-");
    }

    /**
     * The innermost message of {@code e}; for the engine's errors ({@code Status 500: {"message":...}})
     * only the engine's message.
     */
    static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() != null ? root.getMessage().strip() : root.toString();
        int json = message.indexOf('{');
        if (root instanceof DockerException && json >= 0) {
            try {
                JsonNode body = JSON.readTree(message.substring(json));
                if (body.hasNonNull("message")) {
                    return body.get("message").asText();
                }
            } catch (IOException notJson) {
                // keep the message as the engine sent it
            }
        }
        return message;
    }

    static void closeQuietly(DockerClient client) {
        try {
            client.close();
        } catch (IOException | RuntimeException e) {
            LOG.debug("closing the Docker client failed", e);
        }
    }
}
