package dev.codebox.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import dev.codebox.CodeBlock;
import dev.codebox.CodeExecutorException;
import dev.codebox.CodeResult;
import dev.codebox.docker.internal.DockerEngine;
import dev.codebox.internal.TempDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Start, stop, restart, clean-up, prune, and start failures with their messages. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DockerLifecycleTest {

    private DockerCommandLineExecutor executor;

    @AfterEach
    void stop() {
        if (executor != null) {
            executor.stop();
        }
    }

    @Test
    void stopRemovesTheContainerAndTheTemporaryWorkDir() {
        executor = new DockerCommandLineExecutor(TestEngine.config().build());
        executor.start();
        String id = executor.containerId();
        Path workDir = executor.workDir();
        assertTrue(TestEngine.containersOfThisJvm().stream().anyMatch(c -> c.getId().equals(id)));
        executor.stop();
        assertTrue(TestEngine.containersOfThisJvm().stream().noneMatch(c -> c.getId().equals(id)));
        assertFalse(Files.exists(workDir));
        assertFalse(executor.isStarted());
    }

    @Test
    void restartGivesANewContainerAndKeepsAGivenWorkDir(@TempDir Path workDir) throws Exception {
        executor = new DockerCommandLineExecutor(TestEngine.config().workDir(workDir).build());
        executor.execute(CodeBlock.python("open('kept.txt', 'w').write('kept')"));
        String first = executor.containerId();
        executor.restart();
        assertNotEquals(first, executor.containerId());
        CodeResult result = executor.execute(CodeBlock.python("print(open('kept.txt').read())"));
        assertEquals("kept\n", result.output());
        executor.stop();
        assertTrue(Files.exists(workDir.resolve("kept.txt")));
        try (var files = Files.list(workDir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".sock")), "the runner's socket is left");
        }
    }

    @Test
    void aContainerOfTheSameNameIsReplaced() {
        String name = "codebox-test-" + UUID.randomUUID();
        DockerClient client = TestEngine.client();
        String old = client.createContainerCmd(TestEngine.IMAGE).withName(name).withCmd("true")
                .withLabels(DockerEngine.labels("test")).exec().getId();
        executor = new DockerCommandLineExecutor(TestEngine.config().containerName(name).build());
        executor.start();
        assertEquals(name, executor.containerName());
        assertNotEquals(old, executor.containerId());
        assertThrows(NotFoundException.class, () -> client.inspectContainerCmd(old).exec());
    }

    @Test
    void autoRemoveOffKeepsTheStoppedContainer() {
        executor = new DockerCommandLineExecutor(TestEngine.config().autoRemove(false).build());
        executor.start();
        String id = executor.containerId();
        executor.stop();
        try {
            assertFalse(TestEngine.client().inspectContainerCmd(id).exec().getState().getRunning());
        } finally {
            TestEngine.client().removeContainerCmd(id).withForce(true).exec();
        }
    }

    @Test
    void pruneRemovesContainersOfGoneProgramsOnly() {
        DockerClient client = TestEngine.client();
        Map<String, String> deadOwner = new HashMap<>(DockerEngine.labels(DockerEngine.KIND_DOCKER));
        deadOwner.put(DockerEngine.LABEL_OWNER_PID, "2147483647"); // above any pid_max
        Path orphanWorkDir = TempDirs.create();
        deadOwner.put(DockerEngine.LABEL_TEMP_WORK_DIR, orphanWorkDir.toString());
        String orphan = "codebox-test-orphan-" + UUID.randomUUID();
        String live = "codebox-test-live-" + UUID.randomUUID();
        client.createContainerCmd(TestEngine.IMAGE).withName(orphan).withCmd("true").withLabels(deadOwner).exec();
        String liveId = client.createContainerCmd(TestEngine.IMAGE).withName(live).withCmd("true")
                .withLabels(DockerEngine.labels(DockerEngine.KIND_DOCKER)).exec().getId();
        try {
            // Other programs (the Jupyter executor prunes at start) may remove the orphan first.
            List<String> removed = DockerEngine.prune(client);
            assertFalse(removed.contains(live), removed.toString());
            assertThrows(NotFoundException.class, () -> client.inspectContainerCmd(orphan).exec());
            assertFalse(Files.exists(orphanWorkDir), "the orphan's temporary work dir is left");
            assertEquals(live, client.inspectContainerCmd(liveId).exec().getName().substring(1));
        } finally {
            client.removeContainerCmd(liveId).withForce(true).exec();
        }
    }

    @Test
    void missingImageGivesAClearErrorAndNoContainer() {
        int before = TestEngine.containersOfThisJvm().size();
        executor = new DockerCommandLineExecutor(TestEngine.config().image("codebox-test/does-not-exist:1").build());
        CodeExecutorException e = assertThrows(CodeExecutorException.class, executor::start);
        assertEquals(CodeExecutorException.Reason.IMAGE_UNAVAILABLE, e.reason());
        assertTrue(e.getMessage().startsWith("cannot pull image codebox-test/does-not-exist:1: "), e.getMessage());
        assertEquals(before, TestEngine.containersOfThisJvm().size());
        assertFalse(executor.isStarted());
    }

    @Test
    void unreachableEngineGivesAClearError() {
        String previous = System.getProperty("DOCKER_HOST");
        System.setProperty("DOCKER_HOST", "unix:///nonexistent/docker.sock");
        try {
            CodeExecutorException e = assertThrows(CodeExecutorException.class, DockerEngine::connect);
            assertEquals(CodeExecutorException.Reason.ENGINE_UNREACHABLE, e.reason());
            assertTrue(e.getMessage().startsWith("the Docker engine is not reachable at unix:///nonexistent/docker.sock"), e.getMessage());
            assertTrue(e.getMessage().contains("Start it"), e.getMessage());
        } finally {
            if (previous == null) {
                System.clearProperty("DOCKER_HOST");
            } else {
                System.setProperty("DOCKER_HOST", previous);
            }
        }
    }

    @Test
    void failingInitCommandFailsTheStartWithItsOutput() {
        int before = TestEngine.containersOfThisJvm().size();
        executor = new DockerCommandLineExecutor(TestEngine.config().initCommand("echo preparing; exit 3").build());
        CodeExecutorException e = assertThrows(CodeExecutorException.class, executor::start);
        assertTrue(e.getMessage().contains("stopped while it started (exit code 3)"), e.getMessage());
        assertTrue(e.getMessage().contains("preparing"), e.getMessage());
        assertTrue(e.getMessage().contains("the init command failed with exit code 3"), e.getMessage());
        assertEquals(before, TestEngine.containersOfThisJvm().size());
    }

    @Test
    void gpuRequestsReachTheEngine() {
        executor = new DockerCommandLineExecutor(TestEngine.config().gpus(GpuRequest.all()).build());
        try {
            executor.start();
            // A machine with a GPU runtime: the request is on the container.
            assertEquals(-1, TestEngine.client().inspectContainerCmd(executor.containerId()).exec()
                    .getHostConfig().getDeviceRequests().get(0).getCount());
        } catch (CodeExecutorException e) {
            // No GPU runtime here: the engine refuses the request, and says so.
            assertTrue(e.getMessage().contains("does not start") && e.getMessage().contains("device driver"), e.getMessage());
            assertTrue(TestEngine.containersOfThisJvm().stream().noneMatch(c -> c.getImage().equals(TestEngine.IMAGE)
                    && c.getLabels().get(DockerEngine.LABEL_KIND).equals(DockerEngine.KIND_DOCKER)
                    && !c.getState().equals("running")));
        }
    }

    @Test
    void imageWithoutPythonGivesAClearError() throws Exception {
        DockerClient client = TestEngine.client();
        String image = "codebox-test/no-python";
        String tag = UUID.randomUUID().toString().substring(0, 8);
        String builder = client.createContainerCmd(TestEngine.IMAGE).withCmd("sh", "-c", "rm -f /usr/bin/python*")
                .withLabels(DockerEngine.labels("test")).exec().getId();
        try {
            client.startContainerCmd(builder).exec();
            client.waitContainerCmd(builder).start().awaitStatusCode(30, TimeUnit.SECONDS);
            client.commitCmd(builder).withRepository(image).withTag(tag).exec();
        } finally {
            client.removeContainerCmd(builder).withForce(true).exec();
        }
        try {
            executor = new DockerCommandLineExecutor(TestEngine.config().image(image + ":" + tag).build());
            CodeExecutorException e = assertThrows(CodeExecutorException.class, executor::start);
            assertTrue(e.getMessage().contains("exit code 127"), e.getMessage());
            assertTrue(e.getMessage().contains("the image has no python3 or python on PATH"), e.getMessage());
        } finally {
            client.removeImageCmd(image + ":" + tag).withForce(true).exec();
        }
    }

    @Test
    void containersCarryLabels() {
        executor = new DockerCommandLineExecutor(TestEngine.config().build());
        executor.start();
        Container container = TestEngine.containersOfThisJvm().stream()
                .filter(c -> c.getId().equals(executor.containerId())).findFirst().orElseThrow();
        assertEquals(DockerEngine.labels(DockerEngine.KIND_DOCKER).get(DockerEngine.LABEL_OWNER_START),
                container.getLabels().get(DockerEngine.LABEL_OWNER_START));
    }
}
