package dev.codebox.spi;

import dev.codebox.CancellationToken;
import dev.codebox.CodeBlock;
import dev.codebox.CodeExecutor;
import dev.codebox.CodeResult;
import dev.codebox.OutputListener;
import dev.codebox.functions.FunctionModule;
import dev.codebox.internal.Locks;
import dev.codebox.internal.StopOnExit;
import dev.codebox.internal.pipeline.BlockLoop;
import dev.codebox.internal.pipeline.CommandLinePipeline;
import dev.codebox.internal.pipeline.FunctionsInstaller;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The base of every command-line executor: a backend supplies only its {@link Runner}; preparing
 * blocks, writing them through the runner, the block loop, the output cap and the result are done
 * once, here, for all of them.
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
 *   <li>{@link #stop()} cancels every execution it finds running and every execution accepted
 *       before it that has not begun (they return {@value CodeResult#EXIT_CANCELLED}); executions
 *       accepted after it start the executor again;
 *   <li>a non-empty {@link FunctionModule} is set up at each start, before any code runs: the module
 *       is written into the work dir, its requirements are installed and the module is imported
 *       once by the python interpreter of the runner; when that fails, start fails with a
 *       {@link dev.codebox.CodeExecutorException} ({@code pip install failed: ...},
 *       {@code functions failed to load: ...}) and the runner is closed again.
 * </ul>
 */
public abstract class CommandLineExecutor implements CodeExecutor {

    private final CommandLinePipeline pipeline;
    private final FunctionModule functions;
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private final Set<CancellationToken> running = ConcurrentHashMap.newKeySet();
    /** How many times stop() was called: an execution accepted before a stop is cancelled, not run after it. */
    private final AtomicLong stops = new AtomicLong();
    private Runner runner;

    /**
     * @param timeout the time each block may run, at least one second
     * @param maxOutputBytes how many bytes of output one execution keeps
     * @param deleteCodeFiles whether code files are deleted after each execution
     * @param functions the functions set up at each start; {@link FunctionModule#none()} for none
     * @throws IllegalArgumentException when the timeout is under one second or the output cap under
     *     {@link dev.codebox.ExecutorConfigBuilder#MIN_MAX_OUTPUT_BYTES}
     */
    protected CommandLineExecutor(Duration timeout, int maxOutputBytes, boolean deleteCodeFiles,
                                  FunctionModule functions) {
        this.pipeline = new CommandLinePipeline(timeout, maxOutputBytes, deleteCodeFiles);
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
            FunctionsInstaller.install(opened, functions, pipeline.maxOutputBytes(), setupToken);
        } finally {
            running.remove(setupToken);
        }
    }

    @Override
    public final void stop() {
        stops.incrementAndGet();
        // Keeps cancelling until no execution holds the executor: one that registers late is caught.
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
        List<CodeBlock> copy = List.copyOf(blocks);
        long stopsBefore = stops.get();
        while (true) {
            lifecycle.readLock().lock();
            try {
                if (stops.get() != stopsBefore) {
                    BlockLoop cancelled = new BlockLoop(pipeline.maxOutputBytes(), listener);
                    cancelled.cancel();
                    return cancelled.result(List.of(), List.of());
                }
                if (runner != null) {
                    return run(runner, copy, token, listener);
                }
            } finally {
                lifecycle.readLock().unlock();
            }
            start();
        }
    }

    private CodeResult run(Runner started, List<CodeBlock> blocks, CancellationToken token, OutputListener listener) {
        CancellationToken runToken = new CancellationToken();
        running.add(runToken);
        try (CancellationToken.Registration link = token.onCancel(runToken::cancel)) {
            return pipeline.execute(started, blocks, runToken, listener);
        } finally {
            running.remove(runToken);
        }
    }
}
