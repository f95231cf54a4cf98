package dev.codebox.jupyter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.CodeBlock;
import dev.codebox.CodeExecutorException;
import dev.codebox.CodeResult;
import dev.codebox.testing.TempEntries;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LocalJupyterExecutorTest {

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private JupyterCodeExecutor executor;

    private JupyterCodeExecutor executor(Duration timeout) {
        executor = JupyterCodeExecutor.local(TestKernels.python().timeout(timeout).build());
        return executor;
    }

    @AfterEach
    void stop() {
        if (executor != null) {
            executor.stop();
        }
    }

    @Test
    void stateSurvivesBetweenExecutionsUntilRestart() {
        JupyterCodeExecutor jupyter = executor(Duration.ofSeconds(30));
        assertEquals(0, jupyter.execute(CodeBlock.python("import math\nx = 41")).exitCode());
        CodeResult result = jupyter.execute(CodeBlock.python("x += 1\nprint(x, math.pi > 3)"));
        assertEquals("42 True\n", result.output());
        jupyter.restart();
        CodeResult after = jupyter.execute(CodeBlock.python("print(x)"));
        assertEquals(1, after.exitCode());
        assertTrue(after.output().contains("NameError"), after.output());
    }

    @Test
    void aBlockThatIgnoresTheInterruptNeverRunsLaterAndTheKernelIsReplaced(@TempDir Path dir) throws Exception {
        JupyterCodeExecutor jupyter = executor = JupyterCodeExecutor.local(
                TestKernels.python().timeout(Duration.ofSeconds(1)).outputDir(dir).build());
        assertEquals(0, jupyter.execute(CodeBlock.python("kept = 1")).exitCode());
        long t0 = System.nanoTime();
        CodeResult timedOut = jupyter.execute(CodeBlock.python("import signal, time\n"
                + "signal.signal(signal.SIGINT, signal.SIG_IGN)\nprint('ignoring', flush=True)\n"
                + "time.sleep(4)\nopen('late.txt', 'w').write('ran after its timeout')"));
        long millis = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(CodeResult.EXIT_TIMEOUT, timedOut.exitCode(), timedOut.output());
        assertTrue(timedOut.output().startsWith("ignoring\n"), timedOut.output());
        assertTrue(timedOut.output().contains("the kernel did not stop within a second of the interrupt"), timedOut.output());
        assertTrue(timedOut.output().contains("its state (variables, imports) is lost"), timedOut.output());
        assertTrue(timedOut.output().endsWith("Timeout\n"), timedOut.output());
        assertTrue(millis < 5000, "returned after " + millis + " ms");

        CodeResult next = jupyter.execute(CodeBlock.python("print('kept' in globals())"));
        assertEquals("False\n", next.output());
        Thread.sleep(5000);
        assertFalse(Files.exists(dir.resolve("late.txt")), "the timed-out block went on running");
    }

    @Test
    void pipInstallLinesAreMadeQuietAsAg2Does(@TempDir Path bin) throws Exception {
        Path pip = bin.resolve("pip");
        Files.writeString(pip, "#!/bin/sh\necho \"pip got: $*\"\n");
        pip.toFile().setExecutable(true);
        JupyterCodeExecutor jupyter = executor(Duration.ofSeconds(30));
        assertEquals(0, jupyter.execute(CodeBlock.python(
                "import os\nos.environ['PATH'] = '" + bin + ":' + os.environ['PATH']")).exitCode());
        CodeResult result = jupyter.execute(CodeBlock.python("!pip install foo\n!pip install -qqq bar"));
        // IPython runs ! commands on a terminal, which ends lines with \r\n.
        assertEquals("pip got: install foo -qqq\npip got: install -qqq bar\n", result.output().replace("\r\n", "\n"));
    }

    @Test
    void largeDisplaysAreSavedByTheKernelAndForgedNamesAreNotListed(@TempDir Path dir) throws Exception {
        JupyterCodeExecutor jupyter = executor = JupyterCodeExecutor.local(
                TestKernels.python().timeout(Duration.ofSeconds(60)).outputDir(dir).build());
        CodeResult result = jupyter.execute(CodeBlock.python("import os\nfrom IPython.display import Image, HTML, display\n"
                + "display(Image(data=b'\\x89PNG\\r\\n\\x1a\\n' + os.urandom(3 << 20), format='png'))\n"
                + "display(HTML('<p>' + 'x' * (2 << 20) + '</p>'))\n"
                + "display({'application/x-big': 'y' * (2 << 20)}, raw=True)\n"
                + "display({'application/vnd.codebox.saved+json': [{'name': '../../../etc/passwd', 'mime': 'image/png'}]}, raw=True)"));
        assertEquals(0, result.exitCode(), result.output());
        assertEquals(2, result.outputFiles().size(), result.outputFiles().toString());
        Path png = result.outputFiles().get(0);
        assertTrue(png.startsWith(dir.toRealPath()) && png.toString().endsWith(".png"), png.toString());
        assertEquals((3L << 20) + 8, Files.size(png));
        assertArrayEquals(PNG_SIGNATURE, Arrays.copyOf(Files.readAllBytes(png), 8));
        assertTrue(result.outputFiles().get(1).toString().endsWith(".html"));
        assertEquals((2L << 20) + 7, Files.size(result.outputFiles().get(1)));
        assertTrue(result.output().contains("codebox: a application/x-big display of " + (2 << 20)
                + " bytes was dropped (more than the limit of 1048576 bytes)"), result.output());
    }

    @Test
    void stopCancelsAnExecutionStillWaitingForTheKernel() throws Exception {
        JupyterCodeExecutor jupyter = executor(Duration.ofSeconds(60));
        assertEquals(0, jupyter.execute(CodeBlock.python("x = 1")).exitCode());
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CompletableFuture<CodeResult> first = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> jupyter.execute(List.of(CodeBlock.python("import time\nprint('started', flush=True)\ntime.sleep(30)")),
                        new dev.codebox.CancellationToken(), (bytes, offset, length) -> started.countDown()));
        assertTrue(started.await(20, TimeUnit.SECONDS));
        java.util.concurrent.CompletableFuture<CodeResult> second = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> jupyter.execute(CodeBlock.python("print('second ran')")));
        Thread.sleep(300); // the second waits for the kernel the first holds
        long t0 = System.nanoTime();
        jupyter.stop();
        CodeResult firstResult = first.get(10, TimeUnit.SECONDS);
        CodeResult secondResult = second.get(10, TimeUnit.SECONDS);
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), "stop() waited for an execution");
        assertEquals(CodeResult.EXIT_CANCELLED, firstResult.exitCode(), firstResult.output());
        assertEquals(CodeResult.EXIT_CANCELLED, secondResult.exitCode(), secondResult.output());
        assertFalse(secondResult.output().contains("second ran"), "an execution accepted before stop() ran after it");
    }

    @Test
    void hugeStreamMessagesAreCappedNotRefused() {
        CodeResult result = executor(Duration.ofSeconds(60)).execute(CodeBlock.python(
                "import sys\nsys.stdout.write('x' * 30_000_000)\nsys.stdout.flush()\nprint('\\nend')"));
        assertEquals(0, result.exitCode(), result.output().substring(0, Math.min(300, result.output().length())));
        assertTrue(result.output().endsWith("end\n"));
        assertTrue(result.output().contains("bytes of output dropped"));
        assertTrue(result.output().length() < (1 << 20) + 200, "kept " + result.output().length());
    }

    @Test
    void aSingleHugeWriteArrivesInMessagesOfAboutOneMebibyte() {
        java.util.concurrent.atomic.AtomicInteger largest = new java.util.concurrent.atomic.AtomicInteger();
        CodeResult result = executor(Duration.ofSeconds(60)).execute(List.of(CodeBlock.python(
                "import sys\nsys.stdout.write('z' * (5 << 20))")),
                new dev.codebox.CancellationToken(), (bytes, offset, length) -> largest.accumulateAndGet(length, Math::max));
        assertEquals(0, result.exitCode());
        assertTrue(largest.get() <= 1 << 20, "a message of " + largest.get() + " bytes");
    }

    @Test
    void anExecutionSavesAtMostAThousandFilesOfDisplays() {
        CodeResult result = executor(Duration.ofSeconds(60)).execute(CodeBlock.python(
                "from IPython.display import HTML, display\nfor i in range(1005):\n    display(HTML('<b>%d</b>' % i))\nprint('end')"));
        assertEquals(0, result.exitCode(), result.output());
        assertEquals(1000, result.outputFiles().size());
        String notice = "codebox: this execution saved 1000 files of displays, 9890 bytes; later images and HTML are dropped"
                + " (at most 1000 files and 1073741824 bytes)\n";
        assertEquals(1, result.output().split(java.util.regex.Pattern.quote(notice), -1).length - 1, "said once");
        assertTrue(result.output().endsWith("end\n"));
    }

    @Test
    void messagesThatCodeForgesOnTheKernelsSocketsDoNotEndTheExecution() {
        CodeResult result = executor(Duration.ofSeconds(10)).execute(CodeBlock.python(
                "k = get_ipython().kernel\n"
                + "k.iopub_socket.send_multipart([b'not', b'a', b'message'])\n"
                + "k.iopub_socket.send_multipart([b'<IDS|MSG>', b'bad signature', b'{}', b'{}', b'{}', b'{}'])\n"
                + "print('after')"));
        assertEquals(0, result.exitCode(), result.output());
        assertEquals("after\n", result.output());
    }

    @Test
    void printedOutputArrivesInMessagesOfAboutOneMebibyte() {
        java.util.concurrent.atomic.AtomicInteger largest = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicLong total = new java.util.concurrent.atomic.AtomicLong();
        CodeResult result = executor(Duration.ofSeconds(60)).execute(List.of(CodeBlock.python(
                "import sys\nfor _ in range(8 * 1024):\n    sys.stdout.write('y' * 1023 + '\\n')")),
                new dev.codebox.CancellationToken(), (bytes, offset, length) -> {
                    largest.accumulateAndGet(length, Math::max);
                    total.addAndGet(length);
                });
        assertEquals(0, result.exitCode());
        assertEquals(8L << 20, total.get());
        assertTrue(largest.get() <= (1 << 20) + 1024, "a message of " + largest.get() + " bytes");
    }

    @Test
    void outputOfThreadsArrivesWithItsExecutionAndInOrder() {
        JupyterCodeExecutor jupyter = executor(Duration.ofSeconds(60));
        assertEquals(0, jupyter.execute(CodeBlock.python("import threading")).exitCode());
        for (int i = 0; i < 100; i++) {
            CodeResult result = jupyter.execute(CodeBlock.python("print(" + i + ")\n"
                    + "t = threading.Thread(target=print, args=('thread', " + i + "))\nt.start()\nt.join()\n"
                    + "print('end', " + i + ")"));
            assertEquals(i + "\nthread " + i + "\nend " + i + "\n", result.output());
        }
    }

    @Test
    void outputOfSubprocessesArrivesWithItsExecution() {
        JupyterCodeExecutor jupyter = executor(Duration.ofSeconds(60));
        assertEquals(0, jupyter.execute(CodeBlock.python("import os, subprocess")).exitCode());
        for (int i = 0; i < 50; i++) {
            CodeResult result = jupyter.execute(CodeBlock.python(
                    "os.system('echo system " + i + "')\ndone = subprocess.run(['echo', 'run', '" + i + "'])"));
            assertEquals("system " + i + "\nrun " + i + "\n", result.output());
        }
    }

    @Test
    void outputOfABackgroundThreadArrivesWhileTheCellWaits() {
        CodeResult result = executor(Duration.ofSeconds(30)).execute(CodeBlock.python(
                "import threading, time\nthreading.Thread(target=print, args=('late',)).start()\ntime.sleep(0.5)"));
        assertEquals("late\n", result.output());
    }

    @Test
    void outputOfAForkedChildArrives() {
        CodeResult result = executor(Duration.ofSeconds(30)).execute(CodeBlock.python("""
                import multiprocessing, time
                child = multiprocessing.get_context('fork').Process(target=print, args=('child',))
                child.start()
                child.join()
                time.sleep(0.5)
                print('parent', child.exitcode)"""));
        assertEquals("child\nparent 0\n", result.output());
    }

    @Test
    void expressionValueIsPrinted() {
        CodeResult result = executor(Duration.ofSeconds(30)).execute(CodeBlock.python("6 * 7"));
        assertEquals("42\n", result.output());
        assertTrue(result.outputFiles().isEmpty());
    }

    @Test
    void matplotlibPlotIsSavedAsPng() throws IOException {
        CodeResult result = executor(Duration.ofSeconds(60)).execute(CodeBlock.python(
                "%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot([1, 2, 3], [1, 4, 9])\nplt.show()"));
        assertEquals(0, result.exitCode(), result.output());
        assertEquals(1, result.outputFiles().size(), result.outputFiles().toString());
        Path png = result.outputFiles().get(0);
        assertTrue(png.getFileName().toString().endsWith(".png"), png.toString());
        assertTrue(png.startsWith(executor.outputDir().orElseThrow()), png.toString());
        byte[] bytes = Files.readAllBytes(png);
        assertArrayEquals(PNG_SIGNATURE, Arrays.copyOf(bytes, PNG_SIGNATURE.length));
    }

    @Test
    void htmlIsSavedAndOtherTypesKeptAsJson() throws IOException {
        CodeResult result = executor(Duration.ofSeconds(30)).execute(CodeBlock.python(
                "from IPython.display import HTML, JSON, display\n"
                        + "display(HTML('<b>bold</b>'))\n"
                        + "display({'application/x-codebox': {'a': 1}}, raw=True)"));
        assertEquals(0, result.exitCode(), result.output());
        assertEquals(1, result.outputFiles().size(), result.outputFiles().toString());
        Path html = result.outputFiles().get(0);
        assertTrue(html.toString().endsWith(".html"), html.toString());
        assertEquals("<b>bold</b>", Files.readString(html, StandardCharsets.UTF_8));
        assertTrue(result.output().contains("<IPython.core.display.HTML object>"), result.output());
        assertTrue(result.output().contains("{\"application/x-codebox\":{\"a\":1}}"), result.output());
    }

    @Test
    void givenOutputDirIsKeptAfterStop(@TempDir Path dir) {
        Path outputs = dir.resolve("outputs");
        executor = JupyterCodeExecutor.local(TestKernels.python().outputDir(outputs).build());
        CodeResult result = executor.execute(CodeBlock.python(
                "from IPython.display import SVG, display\n"
                        + "display(SVG('<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1\" height=\"1\"/>'))\n"
                        + "open('written.txt', 'w').write('by the kernel')"));
        assertEquals(0, result.exitCode(), result.output());
        executor.stop();
        assertTrue(Files.isRegularFile(result.outputFiles().get(0)), result.outputFiles().toString());
        assertTrue(Files.isRegularFile(outputs.resolve("written.txt")), "the kernel runs in the output dir");
    }

    @Test
    void temporaryOutputDirIsDeletedAtStop() {
        JupyterCodeExecutor jupyter = executor(Duration.ofSeconds(30));
        jupyter.start();
        Path dir = jupyter.outputDir().orElseThrow();
        assertTrue(Files.isDirectory(dir));
        jupyter.stop();
        assertFalse(Files.exists(dir), dir.toString());
    }

    @Test
    void tracebackHasNoAnsiCodes() {
        CodeResult result = executor(Duration.ofSeconds(30)).execute(CodeBlock.python(
                "def inner():\n    raise KeyError('missing')\ninner()"));
        assertEquals(1, result.exitCode());
        assertTrue(result.output().contains("KeyError: 'missing'"), result.output());
        assertTrue(result.output().contains("inner()"), result.output());
        assertFalse(result.output().contains("\u001B"), result.output());
    }

    @Test
    void executionRightAfterAnErrorRuns() {
        // ipykernel aborts requests that arrive while it handles an error; codebox sends them again.
        JupyterCodeExecutor jupyter = executor(Duration.ofSeconds(30));
        for (int i = 0; i < 20; i++) {
            assertEquals(1, jupyter.execute(CodeBlock.python("1 / 0")).exitCode());
            CodeResult next = jupyter.execute(CodeBlock.python("print('ran', " + i + ")"));
            assertEquals("ran " + i + "\n", next.output());
        }
    }

    @Test
    void sysExitWithoutStatusSucceeds() {
        CodeResult result = executor(Duration.ofSeconds(30)).execute(CodeBlock.python("import sys\nprint('bye')\nsys.exit()"));
        assertEquals(0, result.exitCode(), result.output());
        assertEquals("bye\n", result.output());
    }

    @Test
    void timeoutKeepsTheKernelAndItsState() {
        JupyterCodeExecutor jupyter = executor(Duration.ofSeconds(1));
        jupyter.execute(CodeBlock.python("kept = 'yes'"));
        CodeResult timedOut = jupyter.execute(CodeBlock.python("import time\nwhile True:\n    time.sleep(0.01)"));
        assertEquals(CodeResult.EXIT_TIMEOUT, timedOut.exitCode());
        assertFalse(timedOut.output().contains("KeyboardInterrupt"), timedOut.output());
        CodeResult after = jupyter.execute(CodeBlock.python("print(kept)"));
        assertEquals("yes\n", after.output());
    }

    @Test
    void kernelspecWithMessageInterruptsIsInterruptedByAnInterruptRequest(@TempDir Path dataDir) throws IOException {
        Path kernelDir = Files.createDirectories(dataDir.resolve("kernels/python3-message"));
        Files.writeString(kernelDir.resolve("kernel.json"), """
                {"argv": ["/usr/bin/python3", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                 "display_name": "Python 3 (interrupt_request)", "language": "python", "interrupt_mode": "message"}
                """);
        executor = JupyterCodeExecutor.local(TestKernels.python().kernelDataDirs(List.of(dataDir))
                .kernelName("python3-message").timeout(Duration.ofSeconds(2)).build());
        assertEquals(0, executor.execute(CodeBlock.python("""
                kernel = get_ipython().kernel
                requests = []
                handle = kernel.control_handlers['interrupt_request']
                def record_and_handle(*args):
                    requests.append(args)
                    return handle(*args)
                kernel.control_handlers['interrupt_request'] = record_and_handle
                x = 7""")).exitCode());
        CodeResult timedOut = executor.execute(CodeBlock.python("import time\ntime.sleep(30)"));
        assertEquals(CodeResult.EXIT_TIMEOUT, timedOut.exitCode());
        assertEquals("1 7\n", executor.execute(CodeBlock.python("print(len(requests), x)")).output());
    }

    @Test
    void kernelDeathIsAClearErrorAndRestartBringsAFreshKernel() {
        JupyterCodeExecutor jupyter = executor(Duration.ofSeconds(30));
        jupyter.execute(CodeBlock.python("x = 1"));
        CodeResult died = jupyter.execute(CodeBlock.python(
                "import os, signal, time\nprint('before', flush=True)\ntime.sleep(0.5)  # what a killed process had not sent is lost\n"
                + "os.kill(os.getpid(), signal.SIGKILL)"));
        assertEquals(1, died.exitCode(), died.output());
        assertTrue(died.output().startsWith("before\n"), died.output());
        assertTrue(died.output().contains("exited with code"), died.output());
        assertTrue(died.output().trim().endsWith("restart() starts a fresh kernel"), died.output());
        CodeExecutorException still = assertThrows(CodeExecutorException.class,
                () -> jupyter.execute(CodeBlock.python("print(1)")));
        assertEquals(CodeExecutorException.Reason.KERNEL_DIED, still.reason());
        assertTrue(still.getMessage().contains("restart()"), still.getMessage());
        jupyter.restart();
        CodeResult fresh = jupyter.execute(CodeBlock.python("print('x' in globals())"));
        assertEquals("False\n", fresh.output());
    }

    @Test
    void stopLeavesNoKernelProcess() {
        JupyterCodeExecutor jupyter = executor(Duration.ofSeconds(30));
        CodeResult result = jupyter.execute(CodeBlock.python(
                "import os, subprocess\nchild = subprocess.Popen(['sleep', '300'])\nprint(os.getpid(), child.pid)"));
        List<Long> pids = Stream.of(result.output().trim().split(" ")).map(Long::valueOf).toList();
        assertTrue(pids.stream().allMatch(pid -> ProcessHandle.of(pid).isPresent()));
        jupyter.stop();
        for (long pid : pids) {
            assertFalse(running(pid), "process " + pid + " is alive");
        }
    }

    /** Whether {@code pid} is a process that is not a zombie (orphans are reaped by init a bit later). */
    static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void unknownKernelIsAClearErrorAndLeavesNothing() throws IOException {
        Set<Path> tempFilesBefore = TempEntries.ofThisJvm();
        JupyterCodeExecutor jupyter = JupyterCodeExecutor.local(TestKernels.python().kernelName("no-such-kernel").build());
        executor = jupyter;
        CodeExecutorException error = assertThrows(CodeExecutorException.class, jupyter::start);
        assertEquals(CodeExecutorException.Reason.START_FAILED, error.reason());
        assertTrue(error.getMessage().contains("no Jupyter kernel named 'no-such-kernel'"), error.getMessage());
        assertTrue(error.getMessage().contains("python3"), error.getMessage());
        assertTrue(jupyter.outputDir().isEmpty());
        assertEquals(tempFilesBefore, TempEntries.ofThisJvm());
    }

    @Test
    void kernelThatExitsAtStartIsAClearErrorAndLeavesNothing(@TempDir Path dataDir) throws IOException {
        Path spec = Files.createDirectories(dataDir.resolve("kernels/broken"));
        Files.writeString(spec.resolve("kernel.json"), "{\"argv\": [\"/bin/sh\", \"-c\", \"echo no such module >&2; exit 3\","
                + " \"{connection_file}\"], \"language\": \"python\"}");
        Set<Path> tempFilesBefore = TempEntries.ofThisJvm();
        executor = JupyterCodeExecutor.local(TestKernels.python().kernelDataDirs(List.of(dataDir)).kernelName("broken").build());
        CodeExecutorException error = assertThrows(CodeExecutorException.class, executor::start);
        assertTrue(error.getMessage().contains("exited with code 3"), error.getMessage());
        assertTrue(error.getMessage().contains("no such module"), error.getMessage());
        assertEquals(tempFilesBefore, TempEntries.ofThisJvm());
    }
}
