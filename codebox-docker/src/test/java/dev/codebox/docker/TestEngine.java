package dev.codebox.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import dev.codebox.CodeExecutorException;
import dev.codebox.docker.internal.DockerEngine;
import dev.codebox.docker.internal.EngineEndpoint;
import dev.codebox.testing.TestEnvironment;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The engine and image the tests use. Without an engine the tests are skipped with a message, except
 * with {@code CI=true}, where they fail.
 */
final class TestEngine {

    /** The image built by scripts/setup-env.sh: Debian bookworm with python3 and procps. */
    static final String IMAGE = "codebox/python:3";

    private static DockerClient client;

    private TestEngine() {
    }

    /** The system property that points these tests at the remote-like engine. */
    static final String REMOTE_PROPERTY = "codebox.test.remoteEngine";

    /**
     * Whether the tests run against the remote-like engine ({@value #REMOTE_PROPERTY} is true: the
     * second surefire execution of this module), with AUTO settings, so the attach stream and a
     * copied work dir.
     */
    static final boolean ON_REMOTE = Boolean.getBoolean(REMOTE_PROPERTY);

    /** A shared client of the engine under test; skips (or fails under CI) the calling test when it is unavailable. */
    static synchronized DockerClient client() {
        if (ON_REMOTE) {
            return remote();
        }
        if (client == null) {
            client = connected(Optional.empty(), "Docker tests need a running engine and the image " + IMAGE
                    + " (run scripts/setup-env.sh)");
        }
        return client;
    }

    /** A client of the engine at {@code host} that has {@link #IMAGE}, else null after skipping (or failing under CI). */
    private static DockerClient connected(Optional<String> host, String needed) {
        try {
            DockerClient connected = DockerEngine.connect(EngineEndpoint.discover(host));
            connected.inspectImageCmd(IMAGE).exec();
            return connected;
        } catch (RuntimeException e) {
            TestEnvironment.unavailable(needed + ": " + e.getMessage(), e);
            return null;
        }
    }

    /** The remote-like engine of scripts/setup-env.sh: its own mount and network namespaces, API on TCP. */
    static final String REMOTE_HOST = "tcp://127.0.0.1:" + System.getenv().getOrDefault("CODEBOX_REMOTE_ENGINE_PORT", "23750");

    private static DockerClient remote;

    /** A client of the remote-like engine; skips (or fails under CI) the calling test without it. */
    static synchronized DockerClient remote() {
        if (remote == null) {
            remote = connected(Optional.of(REMOTE_HOST), "the remote-like engine at " + REMOTE_HOST + " with the image "
                    + IMAGE + " (scripts/setup-env.sh starts it)");
        }
        return remote;
    }

    /** A configuration builder for the test image on the remote-like engine. */
    static DockerExecutorConfig.Builder remoteConfig() {
        remote();
        return DockerExecutorConfig.builder().image(IMAGE).dockerHost(REMOTE_HOST);
    }

    /** The codebox containers of this JVM on the remote-like engine. */
    static List<Container> remoteContainersOfThisJvm() {
        return containersOfThisJvm(remote());
    }

    /** A configuration builder for the test image on the engine under test. */
    static DockerExecutorConfig.Builder config() {
        if (ON_REMOTE) {
            return remoteConfig();
        }
        client();
        return DockerExecutorConfig.builder().image(IMAGE);
    }

    /** The codebox containers of this JVM that exist now. */
    static List<Container> containersOfThisJvm() {
        return containersOfThisJvm(client());
    }

    private static List<Container> containersOfThisJvm(DockerClient engine) {
        return engine.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(DockerEngine.LABEL_CODEBOX, "true",
                        DockerEngine.LABEL_OWNER_PID, Long.toString(ProcessHandle.current().pid())))
                .exec();
    }

    /** Whether the cause chain says the engine is missing, for tests of start failures. */
    static boolean isEngineMissing(CodeExecutorException e) {
        return e.reason() == CodeExecutorException.Reason.ENGINE_UNREACHABLE;
    }
}
