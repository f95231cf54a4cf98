package dev.codebox.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.CodeExecutorException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The executor against an engine that shares no files with this JVM (the remote-like engine of
 * scripts/setup-env.sh: its own mount and network namespaces, its API on TCP), and against one
 * that is not there.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DockerRemoteEngineTest {

    @Test
    void anEngineThatDoesNotShareTheWorkDirFailsStartAtOnceAndLeavesNothing() throws IOException {
        TestEngine.remote();
        List<Path> tempBefore = codeboxTempEntries();
        DockerCommandLineExecutor executor = new DockerCommandLineExecutor(DockerExecutorConfig.builder()
                .image(TestEngine.IMAGE).dockerHost(TestEngine.REMOTE_HOST).build());
        long started = System.nanoTime();
        CodeExecutorException e = assertThrows(CodeExecutorException.class, executor::start);
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertEquals(CodeExecutorException.Reason.WORK_DIR, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains("the Docker engine at " + TestEngine.REMOTE_HOST + " (from the configuration (dockerHost))"
                + " does not see /"), e.getMessage());
        // Not the start timeout's 60 s: the container saw at once that the directory is not the JVM's.
        assertTrue(took.compareTo(DockerExecutorConfig.DEFAULT_START_TIMEOUT.dividedBy(4)) < 0, "failed after " + took);
        assertTrue(TestEngine.remoteContainersOfThisJvm().isEmpty(), "a container is left on the remote engine");
        assertEquals(tempBefore, codeboxTempEntries(), "a temporary dir is left");
    }

    @Test
    void anUnreachableEngineSaysWhereItLookedAndHowItFoundTheAddress() {
        CodeExecutorException e = assertThrows(CodeExecutorException.class, () -> new DockerCommandLineExecutor(
                DockerExecutorConfig.builder().image(TestEngine.IMAGE).dockerHost("tcp://127.0.0.1:1").build()).start());
        assertEquals(CodeExecutorException.Reason.ENGINE_UNREACHABLE, e.reason());
        assertTrue(e.getMessage().startsWith("the Docker engine is not reachable at tcp://127.0.0.1:1 (from the configuration (dockerHost))"),
                e.getMessage());
    }

    private static List<Path> codeboxTempEntries() throws IOException {
        String prefix = "codebox-" + ProcessHandle.current().pid() + "-";
        try (Stream<Path> entries = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return entries.filter(path -> path.getFileName().toString().startsWith(prefix)).sorted().collect(Collectors.toList());
        }
    }
}
