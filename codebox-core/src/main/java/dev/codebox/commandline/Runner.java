package dev.codebox.commandline;

import dev.codebox.CancellationToken;
import dev.codebox.output.OutputSink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The one part of a command-line executor that depends on where code runs (a local process group,
 * a container, ...): it runs a command line for a code file and streams its output. Everything else
 * (languages, file names, output cap, joining blocks) is done once by {@link CommandLineExecutor}.
 *
 * <p>{@link #run} may be called from several threads at once.
 */
public interface Runner extends AutoCloseable {

    /** The host directory code files are written to; commands run in it (as the runner sees it). */
    Path workDir();

    /**
     * The command that runs {@code relativeFile} (relative to the work dir, {@code /} separated)
     * as {@code language}, or a refusal when this runner cannot run the language.
     */
    Launch launch(Language language, String relativeFile);

    /**
     * Runs {@code command} in the work dir, writing standard output and standard error into
     * {@code sink} as they come. Returns when the command has ended; by then the command's whole
     * process tree is gone if it timed out or was cancelled. Never throws for failing code: a
     * command that cannot be started gives an exit code and a message in the sink.
     *
     * @param timeout how long the command may run before its tree is killed
     * @param token cancels the command; its tree is killed at once
     */
    RunOutcome run(List<String> command, OutputSink sink, Duration timeout, CancellationToken token);

    /** Kills whatever the runner started and releases its resources. */
    @Override
    void close();
}
