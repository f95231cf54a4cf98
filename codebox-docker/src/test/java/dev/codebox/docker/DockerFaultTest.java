package dev.codebox.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.DockerClient;
import dev.codebox.CancellationToken;
import dev.codebox.CodeBlock;
import dev.codebox.CodeResult;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Timeouts inside the container, concurrency, and the container or runner failing behind the executor's back. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DockerFaultTest {

    private static final String LONG_BLOCK = "import time\nprint('started', flush=True)\ntime.sleep(60)";
    private static final String PS = "import subprocess\n"
            + "print(subprocess.run(['ps', '-eo', 'args'], capture_output=True, text=True).stdout)";

    private DockerCommandLineExecutor executor;

    @AfterEach
    void stop() {
        if (executor != null) {
            executor.stop();
        }
    }

    private DockerCommandLineExecutor started(Duration timeout) {
        executor = new DockerCommandLineExecutor(TestEngine.config().timeout(timeout).build());
        executor.start();
        return executor;
    }

    /** Runs {@code code} in the background once the block printed {@code started}, then does {@code fault}. */
    private CodeResult runWhile(String code, Runnable fault) throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<CodeResult> running = CompletableFuture.supplyAsync(() -> executor.execute(
                List.of(CodeBlock.python(code)), new CancellationToken(), (bytes, offset, length) -> started.countDown()));
        assertTrue(started.await(20, TimeUnit.SECONDS), "the block did not start");
        fault.run();
        return running.get(10, TimeUnit.SECONDS);
    }

    @Test
    void timeoutKillsTheWholeTreeInsideTheContainer() {
        started(Duration.ofSeconds(2));
        long t0 = System.nanoTime();
        CodeResult result = executor.execute(CodeBlock.python("import os, subprocess, time\n"
                + "subprocess.Popen(['sleep', '1001'])\n"
                + "subprocess.Popen(['sh', '-c', 'sleep 1002 & sleep 1003'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
                + "print('children started', flush=True)\ntime.sleep(60)"));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals(CodeResult.EXIT_TIMEOUT, result.exitCode());
        assertEquals("children started\nTimeout\n", result.output());
        assertTrue(millis < 3000, "returned after " + millis + " ms");
        String processes = executor.execute(CodeBlock.python(PS)).output();
        assertFalse(processes.contains("sleep 100"), processes);
    }

    @Test
    void backgroundProcessHoldingTheOutputDiesWithTheBlock() {
        started(Duration.ofSeconds(10));
        long t0 = System.nanoTime();
        CodeResult result = executor.execute(new CodeBlock("sh", "sleep 1004 &\necho done"));
        assertEquals(0, result.exitCode());
        assertEquals("done\n", result.output());
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 3000);
        assertFalse(executor.execute(CodeBlock.python(PS)).output().contains("sleep 1004"));
    }

    @Test
    void concurrentExecutionsRunInParallel() throws Exception {
        started(Duration.ofSeconds(30));
        long t0 = System.nanoTime();
        CompletableFuture<CodeResult> first = CompletableFuture.supplyAsync(() ->
                executor.execute(CodeBlock.python("import time\ntime.sleep(1.5)\nprint('first')")));
        CompletableFuture<CodeResult> second = CompletableFuture.supplyAsync(() ->
                executor.execute(CodeBlock.python("import time\ntime.sleep(1.5)\nprint('second')")));
        assertEquals("first\n", first.get(10, TimeUnit.SECONDS).output());
        assertEquals("second\n", second.get(10, TimeUnit.SECONDS).output());
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(millis < 2800, "took " + millis + " ms");
    }

    @Test
    void containerRemovedBehindTheExecutorsBackIsCreatedAgain() {
        started(Duration.ofSeconds(30));
        executor.execute(CodeBlock.python("open('survives.txt', 'w').write('yes')"));
        String first = executor.containerId();
        TestEngine.client().removeContainerCmd(first).withForce(true).exec();
        CodeResult result = executor.execute(CodeBlock.python("print(open('survives.txt').read())"));
        assertEquals(0, result.exitCode(), result.output());
        assertEquals("yes\n", result.output());
        assertNotEquals(first, executor.containerId());
    }

    @Test
    void containerKilledWhileABlockRunsEndsTheBlockAndComesBack() throws Exception {
        started(Duration.ofSeconds(30));
        DockerClient client = TestEngine.client();
        long t0 = System.nanoTime();
        CodeResult result = runWhile(LONG_BLOCK, () -> client.killContainerCmd(executor.containerId()).exec());
        assertEquals(1, result.exitCode(), result.output());
        assertTrue(result.output().startsWith("started\n"), result.output());
        assertTrue(result.output().contains("codebox: the block did not finish: container " + executor.containerName()
                + " stopped with exit code 137"), result.output());
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 10_000);
        CodeResult after = executor.execute(CodeBlock.python("print('back')"));
        assertEquals("back\n", after.output());
    }

    @Test
    void containerRemovedWhileABlockRunsSaysSoAndIsCreatedAgain() throws Exception {
        started(Duration.ofSeconds(30));
        DockerClient client = TestEngine.client();
        CodeResult result = runWhile(LONG_BLOCK,
                () -> client.removeContainerCmd(executor.containerId()).withForce(true).exec());
        assertEquals(1, result.exitCode(), result.output());
        // rm -f kills first: the engine may still show the stopped container when codebox asks.
        String prefix = "codebox: the block did not finish: container " + executor.containerName();
        assertTrue(result.output().contains(prefix + " was removed")
                || result.output().contains(prefix + " stopped with exit code 137"), result.output());
        assertEquals("back\n", executor.execute(CodeBlock.python("print('back')")).output());
    }

    @Test
    void runnerKilledIsStartedAgain() {
        started(Duration.ofSeconds(30));
        CodeResult result = executor.execute(CodeBlock.python("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n"
                + "import time\ntime.sleep(5)"));
        assertEquals(1, result.exitCode(), result.output());
        assertTrue(result.output().contains("codebox: the block did not finish"), result.output());
        assertEquals("back\n", executor.execute(CodeBlock.python("print('back')")).output());
    }

    @Test
    void pausedContainerDoesNotHangTheExecutor() throws Exception {
        started(Duration.ofSeconds(2));
        DockerClient client = TestEngine.client();
        String id = executor.containerId();
        try {
            long t0 = System.nanoTime();
            CodeResult result = runWhile(LONG_BLOCK, () -> client.pauseContainerCmd(id).exec());
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertEquals(CodeResult.EXIT_TIMEOUT, result.exitCode(), result.output());
            assertTrue(millis < 5000, "returned after " + millis + " ms");
        } finally {
            client.unpauseContainerCmd(id).exec();
        }
        assertEquals("after pause\n", executor.execute(CodeBlock.python("print('after pause')")).output());
    }
}
