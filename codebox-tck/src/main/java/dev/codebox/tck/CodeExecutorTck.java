package dev.codebox.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.CancellationToken;
import dev.codebox.CodeBlock;
import dev.codebox.CodeExecutor;
import dev.codebox.CodeResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The promises every executor backend keeps, tested once per backend: each backend's test class
 * extends this one (or {@link CommandLineExecutorTck}, for backends that write code files) and says
 * how to create its executor. Tests use Python blocks, which every backend runs.
 *
 * <p>Covered: results (exit codes, output, exceptions, the output cap, invalid UTF-8), the block
 * loop (order, first failure, headers, saved languages), timeouts and cancellation, the lifecycle
 * (start and stop twice, execute after stop), concurrent executions, and {@code stop()} while
 * executions run or wait.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class CodeExecutorTck {

    /** Timeout used by the tests that need one to fire. */
    protected static final Duration SHORT_TIMEOUT = Duration.ofSeconds(2);

    private final List<CodeExecutor> created = new ArrayList<>();

    /**
     * A new, not yet started executor of the backend under test.
     *
     * @param timeout the per-block timeout
     * @param maxOutputBytes the output cap
     */
    protected abstract CodeExecutor createExecutor(Duration timeout, int maxOutputBytes);

    protected final CodeExecutor executor() {
        return executor(Duration.ofSeconds(30), 1 << 20);
    }

    protected final CodeExecutor executor(Duration timeout, int maxOutputBytes) {
        CodeExecutor executor = createExecutor(timeout, maxOutputBytes);
        created.add(executor);
        return executor;
    }

    @AfterEach
    void stopExecutors() {
        created.forEach(CodeExecutor::stop);
    }

    @Test
    void runsHelloWorld() {
        CodeResult result = executor().execute(CodeBlock.python("print('hello world')"));
        assertEquals(0, result.exitCode());
        assertEquals("hello world\n", result.output());
        assertFalse(result.timedOut());
        assertFalse(result.cancelled());
    }

    @Test
    void reportsNonZeroExitAndStderr() {
        CodeResult result = executor().execute(CodeBlock.python(
                "import sys\nprint('to stdout')\nprint('to stderr', file=sys.stderr)\nsys.exit(3)"));
        assertEquals(3, result.exitCode());
        assertTrue(result.output().contains("to stdout"), result.output());
        assertTrue(result.output().contains("to stderr"), result.output());
    }

    @Test
    void reportsExceptions() {
        CodeResult result = executor().execute(CodeBlock.python("raise ValueError('boom')"));
        assertEquals(1, result.exitCode());
        assertTrue(result.output().contains("ValueError: boom"), result.output());
    }

    @Test
    void timeoutKeepsEarlierOutputAndReturnsPromptly() {
        CodeExecutor executor = executor(SHORT_TIMEOUT, 1 << 20);
        executor.start();
        long started = System.nanoTime();
        CodeResult result = executor.execute(CodeBlock.python(
                "import time\nprint('before the timeout', flush=True)\ntime.sleep(60)\nprint('never')"));
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertEquals(CodeResult.EXIT_TIMEOUT, result.exitCode());
        assertTrue(result.timedOut());
        assertTrue(result.output().startsWith("before the timeout\n"), result.output());
        assertTrue(result.output().endsWith("Timeout\n"), result.output());
        assertFalse(result.output().contains("never"), result.output());
        assertTrue(took.compareTo(SHORT_TIMEOUT.plusMillis(1500)) < 0, "returned after " + took);
    }

    @Test
    void executorWorksAfterATimeout() {
        CodeExecutor executor = executor(SHORT_TIMEOUT, 1 << 20);
        assertEquals(CodeResult.EXIT_TIMEOUT, executor.execute(CodeBlock.python("import time\ntime.sleep(60)")).exitCode());
        CodeResult after = executor.execute(CodeBlock.python("print('still here')"));
        assertEquals(0, after.exitCode(), after.output());
        assertEquals("still here\n", after.output());
    }

    @Test
    void cancellationWhileRunningKeepsOutput() throws Exception {
        CodeExecutor executor = executor();
        executor.start();
        CancellationToken token = new CancellationToken();
        CompletableFuture<CodeResult> running = startedSleeper(executor, token);
        long cancelledAt = System.nanoTime();
        token.cancel();
        CodeResult result = running.get(10, TimeUnit.SECONDS);
        Duration took = Duration.ofNanos(System.nanoTime() - cancelledAt);
        assertEquals(CodeResult.EXIT_CANCELLED, result.exitCode());
        assertTrue(result.cancelled());
        assertTrue(result.output().startsWith("started\n"), result.output());
        assertTrue(result.output().endsWith("Cancelled\n"), result.output());
        assertTrue(took.compareTo(Duration.ofSeconds(2)) < 0, "returned " + took + " after cancel");
    }

    /** Runs a block that prints {@code started} and sleeps a minute; returns once it has printed. */
    private static CompletableFuture<CodeResult> startedSleeper(CodeExecutor executor, CancellationToken token)
            throws InterruptedException {
        StringBuilder seen = new StringBuilder();
        CompletableFuture<CodeResult> running = CompletableFuture.supplyAsync(() -> executor.execute(
                List.of(CodeBlock.python("import time\nprint('started', flush=True)\ntime.sleep(60)")),
                token, (bytes, offset, length) -> {
                    synchronized (seen) {
                        seen.append(new String(bytes, offset, length, java.nio.charset.StandardCharsets.UTF_8));
                    }
                }));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!containsStarted(seen) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(containsStarted(seen), "the block did not start");
        return running;
    }

    private static boolean containsStarted(StringBuilder seen) {
        synchronized (seen) {
            return seen.indexOf("started") >= 0;
        }
    }

    @Test
    void cancellationBeforeStartRunsNothing() {
        CancellationToken token = new CancellationToken();
        token.cancel();
        CodeResult result = executor().execute(List.of(CodeBlock.python("print('ran')")), token);
        assertEquals(CodeResult.EXIT_CANCELLED, result.exitCode());
        assertTrue(result.cancelled());
        assertFalse(result.output().contains("ran"), result.output());
    }

    @Test
    void unknownLanguageIsAResult() {
        CodeResult result = executor().execute(new CodeBlock("cobol", "DISPLAY 'HI'."));
        assertEquals(1, result.exitCode());
        assertTrue(result.output().contains("unknown language cobol"), result.output());
    }

    @Test
    void invalidUtf8BecomesReplacementCharacters() {
        CodeResult result = executor().execute(CodeBlock.python(
                "import sys\nsys.stdout.buffer.write(b'ok \\xff\\xfe end\\n')\nsys.stdout.flush()"));
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().startsWith("ok "), result.output());
        assertTrue(result.output().contains("\uFFFD"), result.output());
        assertTrue(result.output().contains(" end"), result.output());
    }

    @Test
    void outputIsCappedToHeadAndTail() {
        int cap = 64 * 1024;
        CodeResult result = executor(Duration.ofSeconds(60), cap).execute(CodeBlock.python(
                "import sys\nprint('FIRST LINE')\nfor i in range(200000):\n    sys.stdout.write('x' * 49 + '\\n')\nprint('LAST LINE')"));
        assertEquals(0, result.exitCode(), () -> result.output().substring(Math.max(0, result.output().length() - 3000)));
        String output = result.output();
        assertTrue(output.startsWith("FIRST LINE\n"), output.substring(0, 100));
        assertTrue(output.endsWith("LAST LINE\n"), output.substring(output.length() - 100));
        assertTrue(output.matches("(?s).*\\[\\.\\.\\. \\d+ bytes of output dropped \\.\\.\\.\\].*"), "no marker");
        assertTrue(output.length() < cap + 200, "kept " + output.length() + " chars");
    }

    @Test
    void blocksRunInOrderAndStopAtFirstFailure() {
        CodeResult result = executor().execute(
                CodeBlock.python("print('one')"),
                CodeBlock.python("import sys\nprint('two')\nsys.exit(2)"),
                CodeBlock.python("print('three')"));
        assertEquals(2, result.exitCode());
        String output = result.output();
        assertTrue(output.indexOf("one") < output.indexOf("two"), output);
        assertFalse(output.contains("three"), output);
    }

    @Test
    void outputsOfSeveralBlocksAreSeparated() {
        CodeResult result = executor().execute(CodeBlock.python("print('one')"), CodeBlock.python("print('two')"));
        assertEquals(0, result.exitCode());
        assertEquals("--- block 1 (python) ---\none\n--- block 2 (python) ---\ntwo\n", result.output());
    }

    @Test
    void emptyListSucceedsWithNoOutput() {
        CodeResult result = executor().execute(List.of());
        assertEquals(0, result.exitCode());
        assertEquals("", result.output());
    }

    @Test
    void startAndStopMayBeCalledTwiceAndExecuteAfterStopStartsAgain() {
        CodeExecutor executor = executor();
        executor.start();
        executor.start();
        assertEquals("one\n", executor.execute(CodeBlock.python("print('one')")).output());
        executor.stop();
        executor.stop();
        CodeResult again = executor.execute(CodeBlock.python("print('two')"));
        assertEquals(0, again.exitCode(), again.output());
        assertEquals("two\n", again.output());
        executor.close();
    }

    @Test
    void concurrentExecutionsEachGetTheirOwnResult() throws Exception {
        CodeExecutor executor = executor();
        executor.start();
        List<CompletableFuture<CodeResult>> results = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String code = "import time\ntime.sleep(0.2)\nprint('run " + i + "')";
            results.add(CompletableFuture.supplyAsync(() -> executor.execute(CodeBlock.python(code))));
        }
        for (int i = 0; i < results.size(); i++) {
            CodeResult result = results.get(i).get(60, TimeUnit.SECONDS);
            assertEquals(0, result.exitCode(), result.output());
            assertEquals("run " + i + "\n", result.output());
        }
    }

    @Test
    void stopCancelsRunningAndWaitingExecutions() throws Exception {
        CodeExecutor executor = executor();
        executor.start();
        CompletableFuture<CodeResult> running = startedSleeper(executor, new CancellationToken());
        // Accepted before stop(): it runs beside the first or waits for the executor, and must not run after stop.
        CompletableFuture<CodeResult> accepted = CompletableFuture.supplyAsync(() -> executor.execute(
                CodeBlock.python("import time\ntime.sleep(60)\nprint('ran after stop')")));
        Thread.sleep(300);
        long stoppedAt = System.nanoTime();
        executor.stop();
        CodeResult first = running.get(10, TimeUnit.SECONDS);
        CodeResult second = accepted.get(10, TimeUnit.SECONDS);
        Duration took = Duration.ofNanos(System.nanoTime() - stoppedAt);
        assertEquals(CodeResult.EXIT_CANCELLED, first.exitCode(), first.output());
        assertTrue(first.cancelled());
        assertTrue(first.output().startsWith("started\n"), first.output());
        assertEquals(CodeResult.EXIT_CANCELLED, second.exitCode(), second.output());
        assertFalse(second.output().contains("ran after stop"), second.output());
        assertTrue(took.compareTo(Duration.ofSeconds(5)) < 0, "stop() returned after " + took);
    }
}
