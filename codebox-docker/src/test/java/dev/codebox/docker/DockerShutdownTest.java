package dev.codebox.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.exception.NotFoundException;
import dev.codebox.docker.internal.DockerEngine;
import dev.codebox.internal.TempDirs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The JVM shutdown hook: a program that exits without stopping its executor leaves no container. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DockerShutdownTest {

    private static String runProgram(String mode) throws Exception {
        TestEngine.client();
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ExitWithoutStop.class.getName(), mode)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String name = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue());
        assertTrue(name.startsWith("codebox-exec-"), name);
        return name;
    }

    private static boolean exists(String name) {
        try {
            TestEngine.client().inspectContainerCmd(name).exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        }
    }

    @Test
    void containerIsRemovedWhenTheProgramExits() throws Exception {
        assertFalse(exists(runProgram("stop")), "the container outlived its program");
    }

    @Test
    void containerIsKeptWhenStopOnExitIsOff() throws Exception {
        String name = runProgram("keep");
        try {
            assertTrue(TestEngine.client().inspectContainerCmd(name).exec().getState().getRunning());
            assertFalse(DockerEngine.prune(TestEngine.client()).contains(name), "prune must keep it");
            assertTrue(exists(name));
        } finally {
            if (exists(name)) {
                String workDir = TestEngine.client().inspectContainerCmd(name).exec().getConfig().getLabels()
                        .get(DockerEngine.LABEL_TEMP_WORK_DIR);
                TestEngine.client().removeContainerCmd(name).withForce(true).exec();
                TempDirs.deleteRecursively(Path.of(workDir));
            }
        }
    }
}
