package dev.codebox.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.testing.Processes;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A JVM killed with SIGKILL in the middle of a local block (no shutdown hook runs) leaves nothing:
 * the executor's watchdog kills the block's whole session, background processes included, and
 * removes the temporary work dir.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LocalKilledJvmTest {

    @Test
    void aKilledJvmLeavesNoBlockAndNoWorkDir() throws Exception {
        String marker = Processes.uniqueSleep();
        Process jvm = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), RunAndWait.class.getName(),
                "(sleep " + marker + " &); sleep " + marker)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Path workDir;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8))) {
            workDir = Path.of(out.readLine());
            assertTrue(Files.isDirectory(workDir));
            assertFalse(Processes.awaitPresent(marker, Duration.ofSeconds(20)).isEmpty(), "the block did not start");
            Thread.sleep(300);
            // The JVM (its arguments hold the marker), the block and its background sleep.
            assertEquals(3, Processes.withMarker(marker).size(), Processes.withMarker(marker).toString());
        } finally {
            jvm.destroyForcibly(); // SIGKILL: no shutdown hook runs
            assertTrue(jvm.waitFor(10, TimeUnit.SECONDS));
        }
        List<ProcessHandle> left = Processes.awaitGone(marker, Duration.ofSeconds(5));
        assertEquals(List.of(), left, "the block outlived its JVM");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (Files.exists(workDir) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertFalse(Files.exists(workDir), "the temporary work dir outlived its JVM");
    }
}
