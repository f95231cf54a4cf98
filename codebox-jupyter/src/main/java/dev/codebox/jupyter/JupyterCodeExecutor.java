package dev.codebox.jupyter;

import dev.codebox.CancellationToken;
import dev.codebox.CodeBlock;
import dev.codebox.CodeExecutor;
import dev.codebox.CodeExecutorException;
import dev.codebox.CodeResult;
import dev.codebox.ExecutorConfigBuilder;
import dev.codebox.Language;
import dev.codebox.OutputListener;
import dev.codebox.functions.FunctionModule;
import dev.codebox.internal.Locks;
import dev.codebox.internal.OutputSink;
import dev.codebox.internal.Settings;
import dev.codebox.internal.StopOnExit;
import dev.codebox.internal.TempDirs;
import dev.codebox.internal.pipeline.BlockLoop;
import dev.codebox.internal.pipeline.BlockPreparer;
import dev.codebox.jupyter.internal.kernel.LocalKernelLauncher;
import dev.codebox.jupyter.internal.remote.RemoteKernelLauncher;
import dev.codebox.jupyter.internal.session.KernelSession;
import dev.codebox.jupyter.internal.session.ResultCollector;
import dev.codebox.jupyter.spi.Kernel;
import dev.codebox.jupyter.spi.KernelFailedException;
import dev.codebox.jupyter.spi.KernelFiles;
import dev.codebox.jupyter.spi.KernelLauncher;
import dev.codebox.spi.RunOutcome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs code blocks in a Jupyter kernel, whose state (variables, imports) persists between executions
 * until {@link #restart()}. Create one with {@link #local(LocalJupyterConfig)} for a kernel process
 * on this machine, {@link #remote(RemoteJupyterConfig)} for a kernel of a Jupyter server, or
 * {@code DockerJupyter.executor(DockerJupyterConfig)} (module {@code codebox-jupyter-docker}) for a
 * Jupyter server in a hardened container.
 *
 * <p><b>Blocks.</b> A block runs when its language is the kernel's (after alias mapping, so
 * {@code py} runs in a Python kernel) or the kernel's name; any other language gives exit code 1 and
 * {@code unknown language X}. Blocks run in order and stop at the first that fails.
 *
 * <p><b>Results.</b> Stream output and {@code text/plain} go to the output; PNG, JPEG, SVG and HTML
 * outputs are saved in the output dir and listed in {@link CodeResult#outputFiles()}; other MIME
 * types are written to the output as JSON. An error gives exit code 1 and the traceback without
 * ANSI colours; {@code sys.exit(n)} gives exit code {@code n}.
 *
 * <p><b>Timeouts and cancellation</b> interrupt the kernel and return exit code 124 or 125 with the
 * output produced so far and a last line {@code Timeout} or {@code Cancelled}; the kernel keeps its
 * state. A kernel still busy a second after the interrupt (code that ignores it) is restarted, or
 * stopped so that the next execution starts a new one: its state is lost, and a line before
 * {@code Timeout} says so; nothing of the interrupted block runs later.
 *
 * <p><b>Failures.</b> A kernel that cannot start makes {@code start()} and {@code execute} throw
 * {@link CodeExecutorException}. A kernel that dies or loses its connection during an execution
 * ends it with exit code 1, the output produced so far and a last line
 * {@code codebox: the ... kernel ...; restart() starts a fresh kernel}; later executions throw
 * {@link CodeExecutorException} until {@link #restart()} starts a fresh kernel.
 *
 * <p><b>Functions.</b> With a non-empty {@link FunctionModule} (see the configurations), each new
 * Python kernel writes the module into its working directory, pip-installs the requirements with the
 * kernel's Python and imports it before any block runs; a failure fails start with
 * {@code pip install failed: ...} or {@code functions failed to load: ...}.
 *
 * <p><b>Threads.</b> Executions run one after the other. {@link #stop()} cancels the running one.
 */
public final class JupyterCodeExecutor implements CodeExecutor {

    private static final Logger LOG = LoggerFactory.getLogger(JupyterCodeExecutor.class);
    /** How many times stop() was called: an execution accepted before a stop is cancelled, not run after it. */
    private final AtomicLong stops = new AtomicLong();

    private final KernelLauncher launcher;
    private final Duration timeout;
    private final Duration startupTimeout;
    private final int maxOutputBytes;
    private final Optional<Path> configuredOutputDir;
    private final FunctionModule functions;
    private final ReentrantLock lock = new ReentrantLock();

    // Guarded by lock.
    private Kernel kernel;
    private KernelSession session;
    private Path outputDir;
    private String failure;

    private volatile Run current;

    /**
     * An executor on kernels from {@code launcher}; {@link #local} and {@link #remote} are the usual
     * way to create one.
     *
     * @param timeout time each block may run, at least 1 s
     * @param startupTimeout time a kernel may take to start and answer
     * @param maxOutputBytes output cap, at least {@link ExecutorConfigBuilder#MIN_MAX_OUTPUT_BYTES}
     * @param outputDir where outputs are saved, kept at stop; empty for a temporary dir deleted at stop
     */
    public JupyterCodeExecutor(KernelLauncher launcher, Duration timeout, Duration startupTimeout,
            int maxOutputBytes, Optional<Path> outputDir) {
        this(launcher, timeout, startupTimeout, maxOutputBytes, outputDir, FunctionModule.none());
    }

    /**
     * An executor on kernels from {@code launcher} that sets up {@code functions} in each new kernel
     * (see {@link FunctionModule}): start fails with {@code pip install failed: ...} or
     * {@code functions failed to load: ...} and closes the kernel when that fails.
     *
     * @param functions the functions module; {@link FunctionModule#none()} for none
     */
    public JupyterCodeExecutor(KernelLauncher launcher, Duration timeout, Duration startupTimeout,
            int maxOutputBytes, Optional<Path> outputDir, FunctionModule functions) {
        this.functions = Objects.requireNonNull(functions, "functions");
        this.launcher = Objects.requireNonNull(launcher, "launcher");
        this.timeout = Settings.requireTimeout(timeout);
        this.startupTimeout = Objects.requireNonNull(startupTimeout, "startupTimeout");
        this.maxOutputBytes = Settings.requireMaxOutputBytes(maxOutputBytes);
        this.configuredOutputDir = Objects.requireNonNull(outputDir, "outputDir");
    }

    /** An executor on a local kernel process started from a kernelspec. */
    public static JupyterCodeExecutor local(LocalJupyterConfig config) {
        return new JupyterCodeExecutor(new LocalKernelLauncher(config), config.timeout(), config.startupTimeout(),
                config.maxOutputBytes(), config.outputDir(), config.functions());
    }

    /** An executor on a kernel of a Jupyter Server or Kernel Gateway. */
    public static JupyterCodeExecutor remote(RemoteJupyterConfig config) {
        return new JupyterCodeExecutor(new RemoteKernelLauncher(config), config.timeout(), config.startupTimeout(),
                config.maxOutputBytes(), config.outputDir(), config.functions());
    }

    @Override
    public void start() {
        lock.lock();
        try {
            startLocked();
        } finally {
            lock.unlock();
        }
    }

    /** The functions set up in each new kernel (see {@link dev.codebox.functions.FunctionsPrompt}). */
    public FunctionModule functions() {
        return functions;
    }

    /** The directory outputs are saved in, or empty when not started. */
    public Optional<Path> outputDir() {
        lock.lock();
        try {
            return Optional.ofNullable(outputDir);
        } finally {
            lock.unlock();
        }
    }

    private void startLocked() {
        if (failure != null) {
            throw new KernelFailedException(failure + "; restart() starts a fresh kernel");
        }
        if (kernel != null) {
            return;
        }
        // A kernel replaced after an ignored interrupt keeps the output dir of the one before.
        Path dir = outputDir != null ? outputDir
                : configuredOutputDir.map(JupyterCodeExecutor::createDirectories).orElseGet(TempDirs::create);
        try {
            Kernel started = launcher.launch(dir);
            try {
                session = openSession(started, dir);
                kernel = started;
            } catch (RuntimeException e) {
                started.close();
                throw e;
            }
        } catch (RuntimeException e) {
            launcher.close();
            if (configuredOutputDir.isEmpty()) {
                TempDirs.deleteRecursively(dir);
                outputDir = null;
            }
            throw e instanceof CodeExecutorException ? e
                    : new CodeExecutorException(CodeExecutorException.Reason.START_FAILED, "cannot start " + launcher.describe() + ": " + e.getMessage(), e);
        }
        outputDir = dir;
        StopOnExit.register(this);
        LOG.debug("started {}", launcher.describe());
    }

    /** The kernel_info handshake, then the Python set-up and the functions module where they apply. */
    private KernelSession openSession(Kernel started, Path dir) {
        KernelSession newSession = new KernelSession(started);
        newSession.handshake(startupTimeout);
        String language = Language.canonicalName(started.language());
        if (language.equals("python")) {
            newSession.runSilently(PythonSetup.CODE, startupTimeout);
            newSession.runSilently(PythonSetup.displayLimit(launcher.outputDirInKernel(dir)), startupTimeout);
        }
        if (!functions.isEmpty()) {
            KernelFunctions.setUp(newSession, language, functions, dir, maxOutputBytes);
        }
        return newSession;
    }

    /**
     * Gives a fresh kernel state. Running executions are cancelled first. A kernel of a Jupyter server
     * (remote or docker-jupyter) is restarted in place through the server's REST API: the server,
     * its container and the output dir stay. A local kernel, a dead kernel or one whose restart fails
     * is stopped and started anew, as {@link #stop()} then {@link #start()}.
     *
     * @throws CodeExecutorException when no kernel can be started
     */
    @Override
    public void restart() {
        Locks.lockCancelling(lock, this::cancelRunning);
        try {
            if (kernel != null && failure == null && restartedInPlace()) {
                return;
            }
        } finally {
            lock.unlock();
        }
        stop();
        start();
    }

    private boolean restartedInPlace() {
        try {
            if (!kernel.restartInPlace()) {
                return false;
            }
            session = openSession(kernel, outputDir);
            return true;
        } catch (RuntimeException e) {
            LOG.warn("{}: restarting the kernel in place failed, starting a new one: {}", launcher.describe(),
                    e.getMessage());
            return false;
        }
    }

    @Override
    public CodeResult execute(List<CodeBlock> blocks, CancellationToken token, OutputListener listener) {
        Objects.requireNonNull(blocks, "blocks");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(listener, "listener");
        BlockLoop loop = new BlockLoop(maxOutputBytes, listener);
        long stopsBefore = stops.get();
        if (token.isCancelled()) {
            loop.cancel();
            return loop.result(List.of(), List.of());
        }
        lock.lock();
        if (stops.get() != stopsBefore) {
            // Accepted before a stop() that got the lock first: cancelled, not run on a new kernel.
            lock.unlock();
            loop.cancel();
            return loop.result(List.of(), List.of());
        }
        Run run = new Run();
        current = run;
        CancellationToken.Registration registration = token.onCancel(run::cancel);
        try {
            if (!blocks.isEmpty()) {
                startLocked();
            }
            ResultCollector collector = new ResultCollector(loop.output(), outputDir);
            run.kernel = kernel;
            KernelFiles files = launcher.files();
            Object before = files.mark();
            loop.run(blocks, () -> run.cancelled, (block, output) -> runBlock(block, run, collector, output));
            files.copyChanged(before);
            return loop.result(List.of(), collector.files());
        } finally {
            registration.close();
            current = null;
            loop.seal();
            lock.unlock();
        }
    }

    private RunOutcome runBlock(CodeBlock block, Run run, ResultCollector collector, OutputSink output) {
        String language = Language.canonicalName(block.language());
        if (!runs(language, block.language())) {
            output.writeLine("unknown language " + language + " (the " + kernel.name() + " kernel runs "
                    + kernel.language() + ")");
            return RunOutcome.exited(1);
        }
        RunOutcome outcome;
        try {
            outcome = executeBlock(block, run, collector);
        } catch (KernelFailedException died) {
            // The code (or the machine) killed the kernel: a result with what came before, not an exception.
            output.writeLine("codebox: " + died.getMessage());
            return RunOutcome.exited(1);
        }
        if (outcome.ending() != RunOutcome.Ending.EXITED && session.isStuck()) {
            replaceStuckKernelLocked(output);
        }
        return outcome;
    }

    private RunOutcome executeBlock(CodeBlock block, Run run, ResultCollector collector) {
        long deadline = System.nanoTime() + timeout.toNanos();
        run.executing = true;
        try {
            // As AG2 does: pip in a Python kernel (!pip, %pip) installs quietly.
            String code = Language.canonicalName(kernel.language()).equals("python")
                    ? BlockPreparer.silencePip(block.code(), Language.PYTHON) : block.code();
            return session.execute(code, deadline, () -> run.cancelled, collector);
        } catch (KernelFailedException e) {
            failLocked(e.getMessage());
            throw new KernelFailedException(e.getMessage() + "; restart() starts a fresh kernel", e);
        } finally {
            run.executing = false;
        }
    }

    /**
     * The interrupted block is still running a second after the interrupt: the kernel would run
     * every later request only after it (and the block may still change files, or kill the kernel),
     * so the kernel is restarted, in place on a Jupyter server that answers, else stopped so that
     * the next block starts a new one in the same output dir. Either way its state is lost, and
     * the output says so.
     */
    private void replaceStuckKernelLocked(OutputSink sink) {
        String why = "codebox: the kernel did not stop within a second of the interrupt";
        if (!session.isUnreachable() && restartedInPlace()) {
            sink.writeLine(why + "; it was restarted, and its state (variables, imports) is lost");
            return;
        }
        LOG.warn("{}: the kernel ignored the interrupt; stopping it", launcher.describe());
        launcher.close(); // first, so that a frozen server's container goes at once
        kernel.close();
        kernel = null;
        session = null;
        sink.writeLine(why + "; it was stopped, and the next block starts a new one: its state (variables, imports) is lost");
    }

    private boolean runs(String language, String tag) {
        return language.equals(Language.canonicalName(kernel.language())) || tag.trim().equals(kernel.name());
    }

    /** Releases the dead kernel at once but remembers why, so that execute keeps failing until restart. */
    private void failLocked(String reason) {
        LOG.warn("{}: {}", launcher.describe(), reason);
        failure = reason;
        kernel.close();
        kernel = null;
        session = null;
    }

    // Before taking the lock, which the running execution holds until it has drained its kernel.
    private void cancelRunning() {
        Run running = current;
        if (running != null) {
            running.cancel();
        }
    }

    @Override
    public void stop() {
        stops.incrementAndGet();
        Locks.lockCancelling(lock, this::cancelRunning);
        try {
            if (kernel != null) {
                kernel.close();
            }
            launcher.close();
            if (outputDir != null && configuredOutputDir.isEmpty()) {
                TempDirs.deleteRecursively(outputDir);
            }
            kernel = null;
            session = null;
            outputDir = null;
            failure = null;
            StopOnExit.unregister(this);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "JupyterCodeExecutor[" + launcher.describe() + "]";
    }

    private static Path createDirectories(Path dir) {
        try {
            return Files.createDirectories(dir).toRealPath();
        } catch (IOException e) {
            throw new CodeExecutorException(CodeExecutorException.Reason.WORK_DIR, "cannot create the output dir " + dir + ": " + e.getMessage(), e);
        }
    }

    /** One execute call: cancelling it interrupts the kernel when a block is running. */
    private static final class Run {
        volatile boolean cancelled;
        volatile boolean executing;
        volatile Kernel kernel;

        void cancel() {
            cancelled = true;
            Kernel running = kernel;
            if (executing && running != null) {
                try {
                    running.interrupt();
                } catch (RuntimeException e) {
                    LOG.warn("interrupting the kernel failed: {}", e.getMessage());
                }
            }
        }
    }
}
