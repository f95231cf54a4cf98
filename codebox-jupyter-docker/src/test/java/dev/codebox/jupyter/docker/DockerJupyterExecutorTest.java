package dev.codebox.jupyter.docker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.CodeBlock;
import dev.codebox.CodeExecutorException;
import dev.codebox.CodeResult;
import dev.codebox.jupyter.JupyterCodeExecutor;
import dev.codebox.jupyter.JupyterConfigBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DockerJupyterExecutorTest {

    private JupyterCodeExecutor executor;

    @AfterEach
    void stop() {
        if (executor != null) {
            executor.stop();
        }
    }

    @Test
    void statePlotsAndFilesGoThroughTheServer(@TempDir Path dir) throws IOException {
        executor = DockerJupyter.executor(TestDockerJupyter.config().outputDir(dir).timeout(Duration.ofSeconds(60)).build());
        assertEquals(0, executor.execute(CodeBlock.python("import matplotlib\nmatplotlib.use('module://matplotlib_inline.backend_inline')\nx = 41")).exitCode());
        CodeResult result = executor.execute(CodeBlock.python(
                "import matplotlib.pyplot as plt\nx += 1\nprint(x)\nplt.plot([1, 2], [3, 4])\nplt.show()\n"
                        + "open('from-kernel.txt', 'w').write('hi')"));
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().startsWith("42\n"), result.output());
        assertEquals(1, result.outputFiles().size(), result.outputFiles().toString());
        byte[] png = Files.readAllBytes(result.outputFiles().get(0));
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(png, 4));
        assertEquals("hi", Files.readString(dir.resolve("from-kernel.txt"), StandardCharsets.UTF_8));
    }

    @Test
    void timeoutKeepsStateAndStopRemovesTheContainer() {
        executor = DockerJupyter.executor(TestDockerJupyter.config().timeout(Duration.ofSeconds(1)).build());
        executor.execute(CodeBlock.python("kept = 'yes'"));
        assertEquals(1, TestDockerJupyter.containersOfThisJvm().size());
        CodeResult timedOut = executor.execute(CodeBlock.python("import time\ntime.sleep(30)"));
        assertEquals(CodeResult.EXIT_TIMEOUT, timedOut.exitCode());
        assertEquals("yes\n", executor.execute(CodeBlock.python("print(kept)")).output());
        executor.stop();
        assertTrue(TestDockerJupyter.containersOfThisJvm().isEmpty());
    }

    @Test
    void unknownKernelIsAClearErrorAndLeavesNoContainer() {
        executor = DockerJupyter.executor(TestDockerJupyter.config().kernelName("cobol").build());
        CodeExecutorException error = assertThrows(CodeExecutorException.class, executor::start);
        assertTrue(error.getMessage().contains("no kernel named 'cobol'"), error.getMessage());
        assertTrue(error.getMessage().contains("python3"), error.getMessage());
        assertTrue(TestDockerJupyter.containersOfThisJvm().isEmpty());
        assertFalse(executor.outputDir().isPresent());
    }

    @Test
    void restartGivesAFreshKernelInTheSameContainer() {
        executor = DockerJupyter.executor(TestDockerJupyter.config().build());
        executor.execute(CodeBlock.python("x = 1"));
        String container = TestDockerJupyter.containersOfThisJvm().get(0).getId();
        executor.restart();
        assertEquals("False\n", executor.execute(CodeBlock.python("print('x' in globals())")).output());
        assertEquals(List.of(container), TestDockerJupyter.containersOfThisJvm().stream().map(c -> c.getId()).toList());
    }

    @Test
    void kernelDeathIsAClearErrorAndRestartWorks() {
        executor = DockerJupyter.executor(TestDockerJupyter.config().build());
        executor.execute(CodeBlock.python("x = 1"));
        CodeResult died = executor.execute(CodeBlock.python("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"));
        assertEquals(1, died.exitCode(), died.output());
        assertTrue(died.output().contains("restart()"), died.output());
        assertThrows(CodeExecutorException.class, () -> executor.execute(CodeBlock.python("print(1)")));
        executor.restart();
        assertEquals("False\n", executor.execute(CodeBlock.python("print('x' in globals())")).output());
    }

    @Test
    void anEngineThatSharesNothingServesTheKernelThroughTheRunnersStream(@TempDir Path dir) throws IOException {
        executor = DockerJupyter.executor(TestDockerJupyter.remoteConfig().outputDir(dir).timeout(Duration.ofSeconds(60)).build());
        assertEquals(0, executor.execute(CodeBlock.python("import matplotlib\nmatplotlib.use('module://matplotlib_inline.backend_inline')\nx = 41")).exitCode());
        CodeResult result = executor.execute(CodeBlock.python(
                "import matplotlib.pyplot as plt\nx += 1\nprint(x)\nplt.plot([1, 2], [3, 4])\nplt.show()\n"
                        + "import os\nos.makedirs('sub', exist_ok=True)\nopen('sub/from-kernel.txt', 'w').write('hi')"));
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().startsWith("42\n"), result.output());
        assertEquals(1, result.outputFiles().size(), result.outputFiles().toString());
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(Files.readAllBytes(result.outputFiles().get(0)), 4));
        // What the kernel wrote in its container's work dir is copied into the output dir, as a bind mount would show it.
        assertEquals("hi", Files.readString(dir.resolve("sub/from-kernel.txt"), StandardCharsets.UTF_8));
        assertEquals(1, TestDockerJupyter.containersOfThisJvm(Optional.of(TestDockerJupyter.REMOTE_HOST)).size());
        executor.stop();
        assertTrue(TestDockerJupyter.containersOfThisJvm(Optional.of(TestDockerJupyter.REMOTE_HOST)).isEmpty(),
                "a container is left on the remote engine");
    }

    @Test
    void aLocalSocketEngineThatDoesNotShareTheOutputDirIsRelayedTooWithinSeconds() {
        long started = System.nanoTime();
        executor = DockerJupyter.executor(TestDockerJupyter.remoteConfig().dockerHost("unix:///run/docker-remote.sock").build());
        assertEquals("2\n", executor.execute(CodeBlock.python("print(1 + 1)")).output());
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        // The first container saw at once that the dir is not the JVM's: not the startup timeout.
        assertTrue(took.compareTo(JupyterConfigBuilder.DEFAULT_STARTUP_TIMEOUT) < 0, "took " + took);
        executor.stop();
        assertTrue(TestDockerJupyter.containersOfThisJvm(Optional.of(TestDockerJupyter.REMOTE_HOST)).isEmpty(),
                "a container is left on the remote engine");
    }
}
