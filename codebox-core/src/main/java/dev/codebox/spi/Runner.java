package dev.codebox.spi;

import dev.codebox.CancellationToken;
import dev.codebox.Language;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The one part of a command-line executor that depends on where code runs (a local process group,
 * a container, ...): it writes, lists and deletes files in the work dir, and runs a command line for
 * a code file, streaming its output. Everything else (languages, file names, output cap, joining
 * blocks) is done once by {@link CommandLineExecutor}.
 *
 * <p>Code may change the work dir at any moment, also while the executor writes into it (a
 * background process can swap a directory for a symbolic link). File operations therefore take
 * names relative to the work dir and must never resolve them through a symbolic link, or anywhere
 * code can redirect them outside the work dir: a runner whose code runs on the other side of a
 * privilege boundary (a container) performs them on that side.
 *
 * <p>Every method may be called from several threads at once.
 */
public interface Runner extends AutoCloseable {

    /** The host directory that holds the work dir's files; commands run in it (as the runner sees it). */
    Path workDir();

    /**
     * The command that runs {@code relativeFile} (relative to the work dir, {@code /} separated)
     * as {@code language}, or a refusal when this runner cannot run the language.
     */
    Launch launch(Language language, String relativeFile);

    /**
     * Writes {@code content} to {@code relativeName}, creating missing directories, atomically (a
     * concurrent reader sees the old or the new file, never half of it), readable by all.
     *
     * @param relativeName {@code /} separated, relative, without {@code .} or {@code ..} parts
     * @param reuseSameSize when true, an existing regular file of the same size is left as it is
     *     (for names that are the hash of their content)
     * @return false, and nothing written, when the name leads out of the work dir through a
     *     symbolic link (or anything else that is not a directory of the work dir)
     * @throws IOException when writing fails
     */
    boolean writeFile(String relativeName, byte[] content, boolean reuseSameSize) throws IOException;

    /** Deletes the named files when they are there, never through a symbolic link. */
    void deleteFiles(List<String> relativeNames) throws IOException;

    /**
     * The regular files of the work dir (symbolic links are neither followed nor listed) by relative
     * name, each with a stamp that changes when the file changes; empty when the work dir holds more
     * than {@code limit} files or more than {@code limit} directories.
     */
    Optional<Map<String, String>> listFiles(int limit) throws IOException;

    /**
     * Starts listing the work dir as {@link #listFiles} does. The listing shows the work dir as it
     * is before any request made after this call returns, so a runner whose requests are round trips
     * to another process sends it at once and answers later, and the pipeline overlaps it with the
     * requests that follow. Default: {@link #listFiles}, now, in the calling thread.
     *
     * @return the listing, or a future failed with the {@link IOException} of {@link #listFiles}
     */
    default CompletableFuture<Optional<Map<String, String>>> listFilesAsync(int limit) {
        try {
            return CompletableFuture.completedFuture(listFiles(limit));
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * The host paths of the named files of the work dir, for the result's {@code outputFiles}. Where
     * the work dir is this machine's directory they are resolved in it; where it is not (a work dir
     * inside a container), the files are first copied out into the host work dir, which code cannot
     * reach. Names that are not regular files of the work dir are left out.
     */
    List<Path> exportFiles(List<String> relativeNames) throws IOException;

    /**
     * Runs {@code command} in the work dir, writing standard output and standard error into
     * {@code sink} as they come. Returns when the command has ended; by then the command's whole
     * process tree is gone if it timed out or was cancelled. Never throws for failing code: a
     * command that cannot be started gives an exit code and a message in the sink.
     *
     * @param timeout how long the command may run before its tree is killed
     * @param token cancels the command; its tree is killed at once
     */
    RunOutcome run(List<String> command, BlockOutput sink, Duration timeout, CancellationToken token);

    /**
     * {@link #writeFile} of a code file, then {@link #run} of {@code command} once it is written. A
     * runner whose requests are round trips sends both at once. Default: the two calls in turn.
     *
     * @return the run's outcome; empty, and nothing run, when {@link #writeFile} would return false
     * @throws IOException when writing fails (nothing was run then)
     */
    default Optional<RunOutcome> writeAndRun(String relativeName, byte[] content, boolean reuseSameSize,
            List<String> command, BlockOutput sink, Duration timeout, CancellationToken token) throws IOException {
        if (!writeFile(relativeName, content, reuseSameSize)) {
            return Optional.empty();
        }
        return Optional.of(run(command, sink, timeout, token));
    }

    /**
     * {@link #writeAndRun}, and a listing of the work dir as {@link #listFiles}{@code (limit)} shows
     * it right after the command ended: for the last block of an execution, whose output files are
     * what changed. A runner whose requests are round trips has the listing come with the run's end.
     * Default: {@link #writeAndRun}, then {@link #listFilesAsync}.
     *
     * @return the run's outcome and the listing; empty, and nothing run, when {@link #writeFile}
     *     would return false
     * @throws IOException when writing fails (nothing was run then)
     */
    default Optional<ListedRun> writeRunAndList(String relativeName, byte[] content, boolean reuseSameSize,
            List<String> command, BlockOutput sink, Duration timeout, CancellationToken token, int limit) throws IOException {
        return writeAndRun(relativeName, content, reuseSameSize, command, sink, timeout, token)
                .map(outcome -> new ListedRun(outcome, listFilesAsync(limit)));
    }

    /**
     * A run's outcome and the listing of the work dir taken when it ended.
     *
     * @param filesAfter as {@link #listFilesAsync} answers
     */
    record ListedRun(RunOutcome outcome, CompletableFuture<Optional<Map<String, String>>> filesAfter) {
    }

    /** Kills whatever the runner started and releases its resources. */
    @Override
    void close();
}
