package dev.codebox.internal.pipeline;

import dev.codebox.CodeBlock;
import dev.codebox.CodeResult;
import dev.codebox.Language;
import dev.codebox.OutputListener;
import dev.codebox.internal.OutputSink;
import dev.codebox.spi.RunOutcome;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The block loop of every executor, command-line and Jupyter alike: blocks run in order and the
 * first that does not succeed ends the execution; with several blocks each is announced by a
 * header line {@code --- block N (language) ---}; a timed-out block ends with a line
 * {@code Timeout} and exit code {@value CodeResult#EXIT_TIMEOUT}, a cancelled execution with a
 * line {@code Cancelled} and exit code {@value CodeResult#EXIT_CANCELLED}. It owns the execution's
 * output (capped) and its duration. Not thread-safe: one per execution.
 */
public final class BlockLoop {

    /** Runs one block: writes its output, and any refusal or failure line, into the output. */
    @FunctionalInterface
    public interface Step {
        RunOutcome run(CodeBlock block, OutputSink output);
    }

    private final long startedNanos = System.nanoTime();
    private final OutputSink output;
    private int exitCode;
    private boolean timedOut;
    private boolean cancelled;

    public BlockLoop(int maxOutputBytes, OutputListener listener) {
        this.output = new OutputSink(maxOutputBytes, listener);
    }

    /** The execution's output, for lines written outside a block. */
    public OutputSink output() {
        return output;
    }

    /**
     * Runs {@code blocks} through {@code step} until one fails, times out or is cancelled.
     *
     * @param isCancelled asked before each block; true ends the execution as cancelled
     * @return the exit code of the execution
     */
    public int run(List<CodeBlock> blocks, BooleanSupplier isCancelled, Step step) {
        for (int i = 0; i < blocks.size(); i++) {
            CodeBlock block = blocks.get(i);
            if (isCancelled.getAsBoolean()) {
                return cancel();
            }
            if (blocks.size() > 1) {
                output.writeLine("--- block " + (i + 1) + " (" + Language.canonicalName(block.language()) + ") ---");
            }
            RunOutcome outcome = step.run(block, output);
            exitCode = outcome.exitCode();
            switch (outcome.ending()) {
                case TIMED_OUT:
                    output.writeLine("Timeout");
                    timedOut = true;
                    return exitCode;
                case CANCELLED:
                    output.writeLine("Cancelled");
                    cancelled = true;
                    return exitCode;
                default:
                    if (exitCode != 0) {
                        return exitCode;
                    }
            }
        }
        return exitCode;
    }

    /** Ends the execution as cancelled before (another) block ran. */
    public int cancel() {
        output.writeLine("Cancelled");
        exitCode = CodeResult.EXIT_CANCELLED;
        cancelled = true;
        return exitCode;
    }

    /** Ends the execution with {@code exitCode} after a last line, e.g. when the kernel died. */
    public int fail(String lastLine, int exitCode) {
        output.writeLine(lastLine);
        this.exitCode = exitCode;
        return exitCode;
    }

    /** Seals the output; later output of a block that is still ending is dropped. */
    public void seal() {
        output.seal();
    }

    /** The result of the execution, its output sealed. */
    public CodeResult result(List<Path> codeFiles, List<Path> outputFiles) {
        output.seal();
        return new CodeResult(exitCode, output.text(), codeFiles, outputFiles, timedOut, cancelled,
                Duration.ofNanos(System.nanoTime() - startedNanos));
    }
}
