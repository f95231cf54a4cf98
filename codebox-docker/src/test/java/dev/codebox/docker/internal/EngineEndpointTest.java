package dev.codebox.docker.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.CodeExecutorException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EngineEndpointTest {

    @TempDir
    Path home;

    private EngineEndpoint discover(Optional<String> configured, Map<String, String> env, Path... sockets) {
        return EngineEndpoint.discover(configured, env, Optional.empty(), home, path -> List.of(sockets).contains(path));
    }

    @Test
    void anSshEngineGetsAWayToReachIt() {
        CodeExecutorException e = assertThrows(CodeExecutorException.class,
                () -> DockerEngine.connect(new EngineEndpoint("ssh://me@build-host", "DOCKER_HOST", List.of())));
        assertEquals(CodeExecutorException.Reason.ENGINE_UNREACHABLE, e.reason());
        assertTrue(e.getMessage().startsWith("cannot reach ssh://me@build-host (from DOCKER_HOST): docker-java speaks to engines"
                + " on unix:// and tcp:// addresses, not ssh://"), e.getMessage());
        assertTrue(e.getMessage().contains("ssh -nNT -L /tmp/remote-docker.sock:/var/run/docker.sock me@build-host"), e.getMessage());
    }

    @Test
    void theConfigurationWinsThenDockerHost() {
        assertEquals(new EngineEndpoint("tcp://a:2376", "the configuration (dockerHost)", List.of()),
                discover(Optional.of("tcp://a:2376"), Map.of("DOCKER_HOST", "tcp://b:2376")));
        assertEquals("tcp://b:2376", discover(Optional.empty(), Map.of("DOCKER_HOST", "tcp://b:2376")).host());
        assertEquals("DOCKER_HOST", discover(Optional.empty(), Map.of("DOCKER_HOST", "tcp://b:2376")).source());
    }

    @Test
    void theCurrentDockerContextIsReadAsTheDockerCliReadsIt() throws IOException {
        Files.createDirectories(home.resolve(".docker"));
        Files.writeString(home.resolve(".docker/config.json"), "{\"currentContext\": \"colima\"}");
        EngineEndpoint fromMissingMeta = discover(Optional.empty(), Map.of());
        assertEquals(List.of("dockerHost (not configured)", "DOCKER_HOST (not set)",
                "Docker context \"colima\" (no endpoint in ~/.docker/contexts)"), fromMissingMeta.tried().subList(0, 3));
        // The docker CLI stores a context's endpoint under the SHA-256 of its name.
        Path real = home.resolve(".docker/contexts/meta").resolve(sha256("colima"));
        Files.createDirectories(real);
        Files.writeString(real.resolve("meta.json"), "{\"Name\":\"colima\",\"Endpoints\":{\"docker\":{\"Host\":\"unix:///Users/me/.colima/default/docker.sock\"}}}");
        EngineEndpoint found = discover(Optional.empty(), Map.of());
        assertEquals("unix:///Users/me/.colima/default/docker.sock", found.host());
        assertEquals("Docker context \"colima\"", found.source());
        assertEquals("tcp://c:1", discover(Optional.empty(), Map.of("DOCKER_CONTEXT", "default", "DOCKER_HOST", "tcp://c:1")).host());
    }

    @Test
    void theUsualSocketsAreTriedInOrder() {
        Path desktop = home.resolve(".docker/run/docker.sock");
        Path rootless = Path.of("/run/user/1000/docker.sock");
        EngineEndpoint found = discover(Optional.empty(), Map.of("XDG_RUNTIME_DIR", "/run/user/1000"), desktop, rootless);
        assertEquals("unix://" + desktop, found.host());
        assertEquals("socket " + desktop, found.source());
        assertEquals("unix://" + rootless, discover(Optional.empty(), Map.of("XDG_RUNTIME_DIR", "/run/user/1000"), rootless).host());
        EngineEndpoint none = discover(Optional.empty(), Map.of());
        assertEquals(DockerEngine.DEFAULT_HOST, none.host());
        assertEquals("the default", none.source());
        assertTrue(none.tried().contains("/var/run/docker.sock"), none.tried().toString());
    }

    private static String sha256(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
