package dev.codebox;

import java.util.List;

/**
 * Runs code blocks somewhere: in a local process, a container, a Jupyter kernel.
 *
 * <p><b>Execution.</b> {@link #execute(List, CancellationToken, OutputListener)} runs the blocks in
 * order and stops at the first block whose exit code is not 0. Failing code, a timeout or a
 * cancellation give a {@link CodeResult}, never an exception; exceptions are kept for misuse
 * (null arguments, a closed executor) and for an environment that cannot run anything at all
 * (no Docker engine, no kernel), which throw {@link CodeExecutorException}.
 *
 * <p><b>Output of several blocks.</b> When a call runs more than one block, each block's output is
 * preceded by a header line {@code --- block N (LANGUAGE) ---} (N counts from 1), so that a reader can
 * tell the blocks apart; a call with one block has no header.
 *
 * <p><b>Lifecycle.</b> {@link #start()} acquires what the executor needs (a work dir, a container,
 * a kernel); {@code execute} starts the executor when it is not started. {@link #stop()} releases
 * everything and leaves nothing behind (processes, containers, kernels, temporary directories);
 * a stopped executor can be started again. {@link #close()} is {@link #stop()}.
 *
 * <p><b>Threads.</b> Every method is safe to call from several threads. Whether concurrent
 * {@code execute} calls run in parallel or one after the other is stated by each implementation.
 * {@code stop()} cancels executions in progress.
 */
public interface CodeExecutor extends AutoCloseable {

    /**
     * Runs the blocks in order, stopping at the first failure.
     *
     * @param blocks the blocks to run; an empty list gives exit code 0 and no output
     * @param token cancels the run from any thread
     * @param listener receives output as it is produced
     * @return the result; never {@code null}
     * @throws CodeExecutorException when the executor cannot run code at all
     * @throws NullPointerException when an argument is {@code null}
     */
    CodeResult execute(List<CodeBlock> blocks, CancellationToken token, OutputListener listener);

    /** Runs the blocks with a token that can cancel them and no listener. */
    default CodeResult execute(List<CodeBlock> blocks, CancellationToken token) {
        return execute(blocks, token, OutputListener.NONE);
    }

    /** Runs the blocks; they cannot be cancelled except by {@link #stop()}. */
    default CodeResult execute(List<CodeBlock> blocks) {
        return execute(blocks, new CancellationToken(), OutputListener.NONE);
    }

    /** Runs the given blocks in order. */
    default CodeResult execute(CodeBlock... blocks) {
        return execute(List.of(blocks));
    }

    /**
     * Acquires the executor's resources. Does nothing when already started.
     *
     * @throws CodeExecutorException when the executor cannot be started
     */
    void start();

    /** Cancels running executions and releases every resource. Does nothing when not started. */
    void stop();

    /** Stops and starts again: a fresh state (new kernel, new container) where the executor has one. */
    default void restart() {
        stop();
        start();
    }

    /** Same as {@link #stop()}. */
    @Override
    default void close() {
        stop();
    }
}
