package dev.codebox.jupyter.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import dev.codebox.docker.internal.DockerEngine;
import dev.codebox.docker.internal.EngineEndpoint;
import dev.codebox.testing.TestEnvironment;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The engine and image the Docker Jupyter tests need: skipped without them, failed on CI. */
final class TestDockerJupyter {

    private TestDockerJupyter() {
    }

    /** A configuration builder for codebox/jupyter:3 after checking the engine and the image. */
    static DockerJupyterConfig.Builder config() {
        requireImage(Optional.empty(), "Docker Jupyter tests need a running engine and the image "
                + DockerJupyterConfig.DEFAULT_IMAGE + " (run scripts/setup-env.sh)");
        return DockerJupyterConfig.builder();
    }

    /** Skips (or fails under CI) the calling test unless the engine at {@code host} has the image. */
    private static void requireImage(Optional<String> host, String needed) {
        String problem = null;
        try (DockerClient docker = DockerEngine.connect(EngineEndpoint.discover(host))) {
            docker.inspectImageCmd(DockerJupyterConfig.DEFAULT_IMAGE).exec();
        } catch (RuntimeException | IOException e) {
            problem = needed + ": " + e.getMessage();
        }
        TestEnvironment.require(problem == null, problem);
    }

    /** The remote-like engine of scripts/setup-env.sh (own mount and network namespaces, API on TCP). */
    static final String REMOTE_HOST = "tcp://127.0.0.1:" + System.getenv().getOrDefault("CODEBOX_REMOTE_ENGINE_PORT", "23750");

    /** A configuration builder for the remote-like engine, after checking it has the image. */
    static DockerJupyterConfig.Builder remoteConfig() {
        requireImage(Optional.of(REMOTE_HOST), "the remote-like engine at " + REMOTE_HOST + " with "
                + DockerJupyterConfig.DEFAULT_IMAGE + " (scripts/setup-env.sh starts it)");
        return DockerJupyterConfig.builder().dockerHost(REMOTE_HOST);
    }

    /** The docker-jupyter containers of this JVM that exist now. */
    static List<Container> containersOfThisJvm() {
        return containersOfThisJvm(Optional.empty());
    }

    /** The docker-jupyter containers of this JVM on the engine at {@code host} (default: the usual one). */
    static List<Container> containersOfThisJvm(Optional<String> host) {
        try (DockerClient docker = DockerEngine.connect(EngineEndpoint.discover(host))) {
            return docker.listContainersCmd().withShowAll(true)
                    .withLabelFilter(Map.of(DockerEngine.LABEL_KIND, DockerEngine.KIND_DOCKER_JUPYTER,
                            DockerEngine.LABEL_OWNER_PID, Long.toString(ProcessHandle.current().pid())))
                    .exec();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
