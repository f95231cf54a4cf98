package dev.codebox.commandline;

import dev.codebox.CancellationToken;
import dev.codebox.CodeBlock;
import dev.codebox.CodeExecutor;
import dev.codebox.CodeResult;
import dev.codebox.OutputListener;
import dev.codebox.functions.FunctionModule;
import dev.codebox.output.OutputSink;
import dev.codebox.support.Locks;
import dev.codebox.support.StopOnExit;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pipeline every command-line executor shares: prepare each block ({@link BlockPreparer}),
 * write it into the work dir, have the backend's {@link Runner} run it, collect output in one
 * {@link OutputSink}, and build the {@link CodeResult}. Backends only supply the runner.
 *
 * <p>Behaviour common to all command-line executors:
 * <ul>
 *   <li>the timeout applies to each block; a block that exceeds it is killed with its whole process
 *       tree, exit code {@value CodeResult#EXIT_TIMEOUT} and a line {@code Timeout} after the output
 *       it produced;
 *   <li>a cancelled run ends with exit code {@value CodeResult#EXIT_CANCELLED} and a line
 *       {@code Cancelled};
 *   <li>a block that cannot run (unknown language, file name outside the work dir, language not
 *       installed) ends the run with exit code 1 and a line saying why;
 *   <li>concurrent {@code execute} calls run in parallel and share the work dir; a code file that
 *       two running calls wrote is deleted when the last of them ends;
 *   <li>a non-empty {@link FunctionModule} is set up at each start, before any code runs: the module
 *       is written into the work dir, its requirements are installed and the module is imported
 *       once by the python interpreter of the runner; when that fails, start fails with a
 *       {@link dev.codebox.CodeExecutorException} ({@code pip install failed: ...},
 *       {@code functions failed to load: ...}) and the runner is closed again.
 * </ul>
 */
public abstract class CommandLineExecutor implements CodeExecutor {

    private static final Logger LOG = LoggerFactory.getLogger(CommandLineExecutor.class);

    private final Duration timeout;
    private final int maxOutputBytes;
    private final boolean deleteCodeFiles;
    private final FunctionModule functions;
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private final Set<CancellationToken> running = ConcurrentHashMap.newKeySet();
    private final Map<String, Integer> codeFilesInUse = new HashMap<>();
    private Runner runner;

    /**
     * @param timeout the time each block may run, at least one second
     * @param maxOutputBytes how many bytes of output one execution keeps
     * @param deleteCodeFiles whether code files are deleted after each execution
     */
    protected CommandLineExecutor(Duration timeout, int maxOutputBytes, boolean deleteCodeFiles) {
        this(timeout, maxOutputBytes, deleteCodeFiles, FunctionModule.none());
    }

    /**
     * @param timeout the time each block may run, at least one second
     * @param maxOutputBytes how many bytes of output one execution keeps
     * @param deleteCodeFiles whether code files are deleted after each execution
     * @param functions the functions set up at each start; {@link FunctionModule#none()} for none
     */
    protected CommandLineExecutor(Duration timeout, int maxOutputBytes, boolean deleteCodeFiles,
                                  FunctionModule functions) {
        this.timeout = Settings.requireTimeout(timeout);
        this.maxOutputBytes = Settings.requireMaxOutputBytes(maxOutputBytes);
        this.deleteCodeFiles = deleteCodeFiles;
        this.functions = Objects.requireNonNull(functions, "functions");
    }

    /**
     * Acquires what the backend needs and returns its runner. Called by {@link #start()} with the
     * executor locked.
     *
     * @throws dev.codebox.CodeExecutorException when the backend cannot be started
     */
    protected abstract Runner openRunner();

    @Override
    public final void start() {
        lifecycle.writeLock().lock();
        try {
            if (runner == null) {
                Runner opened = openRunner();
                try {
                    setUpFunctions(opened);
                } catch (RuntimeException | Error e) {
                    try {
                        opened.close();
                    } catch (RuntimeException closing) {
                        e.addSuppressed(closing);
                    }
                    throw e;
                }
                runner = opened;
                StopOnExit.register(this);
            }
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    private void setUpFunctions(Runner opened) {
        if (functions.isEmpty()) {
            return;
        }
        CancellationToken setupToken = new CancellationToken();
        running.add(setupToken);
        try {
            FunctionsInstaller.install(opened, functions, maxOutputBytes, setupToken);
        } finally {
            running.remove(setupToken);
        }
    }

    @Override
    public final void stop() {
        // An execution between taking the read lock and registering its token is missed by one pass.
        Locks.lockCancelling(lifecycle.writeLock(), () -> running.forEach(CancellationToken::cancel));
        try {
            if (runner != null) {
                try {
                    runner.close();
                } finally {
                    runner = null;
                    StopOnExit.unregister(this);
                }
            }
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    /** The functions this executor sets up at start (see {@link dev.codebox.functions.FunctionsPrompt}). */
    public final FunctionModule functions() {
        return functions;
    }

    /** Whether the executor is started. */
    public final boolean isStarted() {
        lifecycle.readLock().lock();
        try {
            return runner != null;
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** The work dir of the started executor. */
    protected final Path startedWorkDir() {
        lifecycle.readLock().lock();
        try {
            if (runner == null) {
                throw new IllegalStateException("executor is not started");
            }
            return runner.workDir();
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    @Override
    public final CodeResult execute(List<CodeBlock> blocks, CancellationToken token, OutputListener listener) {
        Objects.requireNonNull(blocks, "blocks");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(listener, "listener");
        blocks.forEach(block -> Objects.requireNonNull(block, "a block is null"));
        while (true) {
            lifecycle.readLock().lock();
            try {
                if (runner != null) {
                    return run(runner, List.copyOf(blocks), token, listener);
                }
            } finally {
                lifecycle.readLock().unlock();
            }
            start();
        }
    }

    private CodeResult run(Runner runner, List<CodeBlock> blocks, CancellationToken token, OutputListener listener) {
        long started = System.nanoTime();
        Path workDir = runner.workDir();
        CancellationToken runToken = new CancellationToken();
        running.add(runToken);
        OutputSink sink = new OutputSink(maxOutputBytes, listener);
        WorkDirSnapshot before = WorkDirSnapshot.take(runner);
        List<String> codeFiles = new ArrayList<>();
        int exitCode = 0;
        boolean timedOut = false;
        boolean cancelled = false;
        try (CancellationToken.Registration link = token.onCancel(runToken::cancel)) {
            for (int i = 0; i < blocks.size() && exitCode == 0; i++) {
                CodeBlock block = blocks.get(i);
                if (runToken.isCancelled()) {
                    sink.writeLine("Cancelled");
                    exitCode = CodeResult.EXIT_CANCELLED;
                    cancelled = true;
                    break;
                }
                if (blocks.size() > 1) {
                    sink.writeLine("--- block " + (i + 1) + " (" + Language.canonicalName(block.language()) + ") ---");
                }
                BlockPreparer.Preparation preparation = BlockPreparer.prepare(block, workDir);
                if (preparation.isRefused()) {
                    sink.writeLine(preparation.refusal());
                    exitCode = 1;
                    break;
                }
                PreparedBlock prepared = preparation.block();
                if (!prepared.language().isExecuted()) {
                    exitCode = save(runner, prepared, sink);
                    continue;
                }
                Launch launch = runner.launch(prepared.language(), prepared.relativeName());
                if (launch.isRefused()) {
                    sink.writeLine(launch.refusal());
                    exitCode = 1;
                    break;
                }
                try {
                    if (!writeCodeFile(runner, prepared)) {
                        sink.writeLine(BlockPreparer.OUTSIDE_WORKSPACE);
                        exitCode = 1;
                        break;
                    }
                } catch (IOException | RuntimeException e) {
                    sink.writeLine("could not write the code file " + prepared.relativeName() + ": " + e.getMessage());
                    exitCode = 1;
                    break;
                }
                codeFiles.add(prepared.relativeName());
                RunOutcome outcome = runner.run(launch.command(), sink, timeout, runToken);
                exitCode = outcome.exitCode();
                if (outcome.ending() == RunOutcome.Ending.TIMED_OUT) {
                    sink.writeLine("Timeout");
                    timedOut = true;
                } else if (outcome.ending() == RunOutcome.Ending.CANCELLED) {
                    sink.writeLine("Cancelled");
                    cancelled = true;
                }
            }
        } finally {
            running.remove(runToken);
            releaseCodeFiles(runner, codeFiles);
        }
        sink.seal();
        List<String> changed = before.changedIn(WorkDirSnapshot.take(runner));
        changed.removeAll(codeFiles);
        List<Path> outputFiles;
        try {
            outputFiles = runner.exportFiles(changed);
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not copy the output files out of the work dir: {}", e.toString());
            outputFiles = List.of();
        }
        return new CodeResult(exitCode, sink.text(), HostWorkDir.resolve(workDir, codeFiles), outputFiles, timedOut, cancelled,
                Duration.ofNanos(System.nanoTime() - started));
    }

    /**
     * Saves a block of a language that is not run (AG2's execution policy): the file stays in the
     * work dir and is listed among the output files.
     */
    private static int save(Runner runner, PreparedBlock block, OutputSink sink) {
        try {
            if (!runner.writeFile(block.relativeName(), block.code().getBytes(StandardCharsets.UTF_8), block.namedByContent())) {
                sink.writeLine(BlockPreparer.OUTSIDE_WORKSPACE);
                return 1;
            }
        } catch (IOException | RuntimeException e) {
            sink.writeLine("could not save " + block.relativeName() + ": " + e.getMessage());
            return 1;
        }
        sink.writeLine("Code saved to " + block.relativeName() + " (" + block.language().canonicalName()
                + " blocks are saved, not run)");
        return 0;
    }

    /**
     * Writes the block's file through the runner (never on the host side of a sandbox), counting
     * it as in use so that concurrent runs of the same file share it.
     *
     * @return false when its name leads out of the work dir through a symbolic link
     */
    private boolean writeCodeFile(Runner runner, PreparedBlock block) throws IOException {
        String name = block.relativeName();
        synchronized (codeFilesInUse) {
            codeFilesInUse.merge(name, 1, Integer::sum);
        }
        boolean written = false;
        try {
            written = runner.writeFile(name, block.code().getBytes(StandardCharsets.UTF_8), block.namedByContent());
            return written;
        } finally {
            if (!written) {
                releaseCodeFiles(runner, List.of(name));
            }
        }
    }

    private void releaseCodeFiles(Runner runner, List<String> files) {
        List<String> unused = new ArrayList<>();
        for (String file : files) {
            synchronized (codeFilesInUse) {
                if (codeFilesInUse.merge(file, -1, Integer::sum) <= 0) {
                    codeFilesInUse.remove(file);
                    unused.add(file);
                }
            }
        }
        if (deleteCodeFiles && !unused.isEmpty()) {
            try {
                runner.deleteFiles(unused);
            } catch (IOException | RuntimeException e) {
                LOG.warn("could not delete code files {}: {}", unused, e.toString());
            }
        }
    }
}
