package dev.codebox.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.DockerClient;
import dev.codebox.docker.internal.DockerEngine;
import dev.codebox.testing.TestEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code codebox run -e docker --functions}: the functions module in a container. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DockerFunctionsCliTest {

    private static final String IMAGE = "codebox/python:3";

    @TempDir
    Path dir;

    @BeforeEach
    void requireEngine() {
        try (DockerClient client = DockerEngine.connect()) {
            client.inspectImageCmd(IMAGE).exec();
        } catch (Exception e) {
            String message = "needs a Docker engine and the image " + IMAGE + " (run scripts/setup-env.sh): " + e.getMessage();
            TestEnvironment.unavailable(message, e);
        }
    }

    @Test
    void runImportsTheFunctionsInTheContainer() throws Exception {
        Files.writeString(dir.resolve("tools.py"), "import platform\n\ndef where():\n    return platform.node() != ''\n");
        Files.writeString(dir.resolve("reply.md"), "```python\nfrom functions import where\nprint(where())\n```\n");
        CliProcess cli = CliProcess.run(dir, "", "run", "-e", "docker", "--image", IMAGE, "--functions", "tools.py", "reply.md");
        assertEquals(0, cli.exitCode(), cli.stderr());
        assertEquals("True\n", cli.stdout());
    }

    @Test
    void aRequirementWithoutPipInTheImageIsAnExecutorFailure() throws Exception {
        Files.writeString(dir.resolve("tools.py"), "def f():\n    return 1\n");
        Files.writeString(dir.resolve("reply.md"), "```python\nprint(1)\n```\n");
        CliProcess cli = CliProcess.run(dir, "", "run", "-e", "docker", "--image", IMAGE, "--functions", "tools.py",
                "--requirement", "anything", "reply.md");
        assertEquals(Main.EXECUTOR_FAILED, cli.exitCode());
        List<String> lines = cli.stderr().lines().toList(); // the executor's log lines may come first
        assertEquals("codebox run: pip install failed: /usr/bin/python3: No module named pip", lines.get(lines.size() - 1));
        try (DockerClient client = DockerEngine.connect()) {
            assertTrue(client.listContainersCmd().withShowAll(true)
                    .withLabelFilter(Map.of(DockerEngine.LABEL_OWNER_PID, Long.toString(cli.process.pid()))).exec().isEmpty(),
                    "the container is removed");
        }
    }
}
