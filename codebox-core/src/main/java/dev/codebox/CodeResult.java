package dev.codebox;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What running a list of code blocks produced.
 *
 * <p>Code that fails, times out or is cancelled gives a result, never an exception: see
 * {@link #exitCode()}, {@link #timedOut()} and {@link #cancelled()}.
 *
 * @param exitCode the exit code of the last block that ran: 0 when every block succeeded, the first
 *     non-zero exit code otherwise, {@value #EXIT_TIMEOUT} on timeout, {@value #EXIT_CANCELLED} on
 *     cancellation, 1 for a block that could not be run (unknown language, refused file name)
 * @param output standard output and standard error of the blocks, interleaved as they were written,
 *     decoded as UTF-8 (invalid bytes become U+FFFD) and capped as the executor's configuration says
 * @param codeFiles the code files written for the blocks, in order (they may have been deleted after
 *     the run, when the executor deletes code files); empty for executors that write none
 * @param outputFiles files the code produced: saved images and HTML for Jupyter executors, new or
 *     modified files in the work dir for command-line executors
 * @param timedOut whether a block was stopped because it ran longer than the timeout
 * @param cancelled whether the run was stopped by its {@link CancellationToken}
 * @param duration wall-clock time of the whole run
 */
public record CodeResult(
        int exitCode,
        String output,
        List<Path> codeFiles,
        List<Path> outputFiles,
        boolean timedOut,
        boolean cancelled,
        Duration duration) {

    /** Exit code of a block stopped by the timeout (as GNU {@code timeout} and AutoGen use). */
    public static final int EXIT_TIMEOUT = 124;

    /** Exit code of a block stopped by cancellation (as AutoGen's local executor uses). */
    public static final int EXIT_CANCELLED = 125;

    public CodeResult {
        Objects.requireNonNull(output, "output");
        codeFiles = List.copyOf(codeFiles);
        outputFiles = List.copyOf(outputFiles);
        Objects.requireNonNull(duration, "duration");
    }

    /** Whether every block ran and exited with 0. */
    public boolean succeeded() {
        return exitCode == 0;
    }
}
