package dev.codebox.jupyter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.CodeBlock;
import dev.codebox.CodeResult;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A kernel that is not Python: {@code bash_test_kernel.py}, a bash kernel built on ipykernel's
 * Kernel base class, installed as the kernelspec {@code bash-test} in a temporary data dir. Shows
 * that the executor takes the language from the kernelspec, runs no Python set-up in it, and reads
 * errors that a kernel reports only in its reply.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OtherLanguageKernelTest {

    @TempDir
    Path dataDir;

    private JupyterCodeExecutor executor;

    @BeforeEach
    void installKernelspec() throws IOException {
        TestKernels.python(); // the same requirement: Debian's ipykernel
        Path kernelDir = Files.createDirectories(dataDir.resolve("kernels/bash-test"));
        Path script = kernelDir.resolve("bash_test_kernel.py");
        try (InputStream source = getClass().getResourceAsStream("bash_test_kernel.py")) {
            Files.copy(source, script);
        }
        Files.writeString(kernelDir.resolve("kernel.json"), """
                {"argv": ["/usr/bin/python3", "%s", "-f", "{connection_file}"],
                 "display_name": "Bash (test)", "language": "bash"}
                """.formatted(script));
        executor = JupyterCodeExecutor.local(TestKernels.python().kernelDataDirs(List.of(dataDir))
                .kernelName("bash-test").timeout(Duration.ofSeconds(30)).build());
    }

    @AfterEach
    void stop() {
        executor.stop();
    }

    @Test
    void runsBlocksOfTheKernelsLanguage() {
        CodeResult result = executor.execute(new CodeBlock("bash", "echo hello; echo $((6 * 7))"));
        assertEquals(0, result.exitCode(), result.output());
        assertEquals("hello\n42\n", result.output());
        assertEquals("tagged\n", executor.execute(new CodeBlock("bash-test", "echo tagged")).output(),
                "a block tagged with the kernel's name runs too");
    }

    @Test
    void errorReportedOnlyInTheReplyGivesExitCodeOne() {
        CodeResult result = executor.execute(new CodeBlock("bash", "echo before; exit 3"));
        assertEquals(1, result.exitCode());
        assertEquals("before\nExitStatus: 3\n", result.output());
    }

    @Test
    void pythonBlocksAreRefusedWithTheKernelsLanguage() {
        CodeResult result = executor.execute(CodeBlock.python("print(1)"));
        assertEquals(1, result.exitCode());
        assertTrue(result.output().contains("unknown language python (the bash-test kernel runs bash)"), result.output());
    }

    @Test
    void stopLeavesNoKernelProcess() {
        CodeResult result = executor.execute(new CodeBlock("bash", "echo $PPID"));
        long kernelPid = Long.parseLong(result.output().trim());
        assertTrue(LocalJupyterExecutorTest.running(kernelPid));
        executor.stop();
        assertFalse(LocalJupyterExecutorTest.running(kernelPid), "kernel " + kernelPid + " is alive");
    }
}
