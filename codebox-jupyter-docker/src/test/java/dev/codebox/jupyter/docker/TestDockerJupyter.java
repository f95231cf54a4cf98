package dev.codebox.jupyter.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import dev.codebox.docker.internal.DockerEngine;
import dev.codebox.testing.TestEnvironment;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/** The engine and image the Docker Jupyter tests need: skipped without them, failed on CI. */
final class TestDockerJupyter {

    private TestDockerJupyter() {
    }

    /** A configuration builder for codebox/jupyter:3 after checking the engine and the image. */
    static DockerJupyterConfig.Builder config() {
        String problem = null;
        try (DockerClient docker = DockerEngine.connect()) {
            docker.inspectImageCmd(DockerJupyterConfig.DEFAULT_IMAGE).exec();
        } catch (RuntimeException | IOException e) {
            problem = "Docker Jupyter tests need a running engine and the image " + DockerJupyterConfig.DEFAULT_IMAGE
                    + " (run scripts/setup-env.sh): " + e.getMessage();
        }
        TestEnvironment.require(problem == null, problem);
        return DockerJupyterConfig.builder();
    }

    /** The docker-jupyter containers of this JVM that exist now. */
    static List<Container> containersOfThisJvm() {
        try (DockerClient docker = DockerEngine.connect()) {
            return docker.listContainersCmd().withShowAll(true)
                    .withLabelFilter(Map.of(DockerEngine.LABEL_KIND, DockerEngine.KIND_DOCKER_JUPYTER,
                            DockerEngine.LABEL_OWNER_PID, Long.toString(ProcessHandle.current().pid())))
                    .exec();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
