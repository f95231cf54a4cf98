package dev.codebox.docker.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Where the Docker engine is, found as the docker CLI finds it, and how it was found (for messages
 * and {@code codebox doctor}). In order:
 * <ol>
 *   <li>the configured address ({@code dockerHost} of the executor's configuration);
 *   <li>{@code DOCKER_HOST} (the environment variable, or the system property of that name);
 *       {@code DOCKER_TLS_VERIFY} and {@code DOCKER_CERT_PATH} apply as for the docker CLI;
 *   <li>the current Docker context: {@code DOCKER_CONTEXT}, else {@code currentContext} of
 *       {@code ~/.docker/config.json}, unless it is {@code default}; its endpoint is read from
 *       {@code ~/.docker/contexts/meta/<sha256 of the name>/meta.json};
 *   <li>the first of the usual sockets that exists: {@code /var/run/docker.sock}, Docker Desktop's
 *       {@code ~/.docker/run/docker.sock}, rootless Docker's {@code $XDG_RUNTIME_DIR/docker.sock},
 *       Colima's {@code ~/.colima/default/docker.sock} and {@code ~/.colima/docker.sock}, Podman's
 *       {@code $XDG_RUNTIME_DIR/podman/podman.sock} and {@code /run/podman/podman.sock};
 *   <li>else {@value DockerEngine#DEFAULT_HOST}.
 * </ol>
 *
 * @param host the engine's address, e.g. {@code unix:///var/run/docker.sock} or {@code tcp://host:2376}
 * @param source how it was found, e.g. {@code DOCKER_HOST} or {@code Docker context "colima"}
 * @param tried what was looked at before, in order, for messages
 */
public record EngineEndpoint(String host, String source, List<String> tried) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public EngineEndpoint {
        tried = List.copyOf(tried);
    }

    /** The engine for {@code configured}, else as found on this machine. */
    public static EngineEndpoint discover(Optional<String> configured) {
        return discover(configured, System.getenv(), Optional.ofNullable(System.getProperty("DOCKER_HOST")),
                Path.of(System.getProperty("user.home")), EngineEndpoint::isSocket);
    }

    static EngineEndpoint discover(Optional<String> configured, Map<String, String> env, Optional<String> property,
            Path home, Predicate<Path> isSocket) {
        List<String> tried = new ArrayList<>();
        if (configured.isPresent() && !configured.get().isBlank()) {
            return new EngineEndpoint(configured.get(), "the configuration (dockerHost)", tried);
        }
        tried.add("dockerHost (not configured)");
        Optional<String> variable = property.filter(value -> !value.isBlank())
                .or(() -> Optional.ofNullable(env.get("DOCKER_HOST")).filter(value -> !value.isBlank()));
        if (variable.isPresent()) {
            return new EngineEndpoint(variable.get(), "DOCKER_HOST", tried);
        }
        tried.add("DOCKER_HOST (not set)");
        Optional<String> context = currentContext(env, home);
        if (context.isPresent()) {
            Optional<String> endpoint = contextEndpoint(home, context.get());
            if (endpoint.isPresent()) {
                return new EngineEndpoint(endpoint.get(), "Docker context \"" + context.get() + "\"", tried);
            }
            tried.add("Docker context \"" + context.get() + "\" (no endpoint in ~/.docker/contexts)");
        } else {
            tried.add("the current Docker context (default)");
        }
        for (Path socket : socketCandidates(env, home)) {
            if (isSocket.test(socket)) {
                return new EngineEndpoint("unix://" + socket, "socket " + socket, tried);
            }
            tried.add(socket.toString());
        }
        return new EngineEndpoint(DockerEngine.DEFAULT_HOST, "the default", tried);
    }

    /**
     * Whether the engine is on a Unix socket of this machine, so that it may share this machine's
     * files (whether it does is checked at start); any other address is treated as remote.
     */
    public boolean isLocalSocket() {
        return host.startsWith("unix://");
    }

    /** A line for messages: the address and how it was found. */
    public String describe() {
        return host + " (from " + source + ")";
    }

    private static Optional<String> currentContext(Map<String, String> env, Path home) {
        String name = env.get("DOCKER_CONTEXT");
        if (name == null || name.isBlank()) {
            Path config = Optional.ofNullable(env.get("DOCKER_CONFIG")).map(Path::of).orElse(home.resolve(".docker"))
                    .resolve("config.json");
            name = readJson(config).map(json -> json.path("currentContext").asText("")).orElse("");
        }
        return name.isBlank() || name.equals("default") ? Optional.empty() : Optional.of(name);
    }

    private static Optional<String> contextEndpoint(Path home, String context) {
        Path meta = home.resolve(".docker/contexts/meta").resolve(sha256(context)).resolve("meta.json");
        return readJson(meta).map(json -> json.path("Endpoints").path("docker").path("Host").asText(""))
                .filter(host -> !host.isBlank());
    }

    private static List<Path> socketCandidates(Map<String, String> env, Path home) {
        List<Path> sockets = new ArrayList<>(List.of(Path.of("/var/run/docker.sock"),
                home.resolve(".docker/run/docker.sock")));
        String runtime = env.get("XDG_RUNTIME_DIR");
        if (runtime != null && !runtime.isBlank()) {
            sockets.add(Path.of(runtime, "docker.sock"));
        }
        sockets.add(home.resolve(".colima/default/docker.sock"));
        sockets.add(home.resolve(".colima/docker.sock"));
        if (runtime != null && !runtime.isBlank()) {
            sockets.add(Path.of(runtime, "podman/podman.sock"));
        }
        sockets.add(Path.of("/run/podman/podman.sock"));
        return sockets;
    }

    private static Optional<JsonNode> readJson(Path file) {
        try {
            return Files.isRegularFile(file) ? Optional.of(JSON.readTree(Files.readString(file, StandardCharsets.UTF_8)))
                    : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean isSocket(Path path) {
        try {
            return Files.exists(path) && !Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)
                    && !Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS);
        } catch (SecurityException e) {
            return false;
        }
    }
}
