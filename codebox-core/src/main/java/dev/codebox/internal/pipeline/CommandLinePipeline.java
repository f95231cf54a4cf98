package dev.codebox.internal.pipeline;

import dev.codebox.CancellationToken;
import dev.codebox.CodeBlock;
import dev.codebox.CodeExecutorException;
import dev.codebox.CodeResult;
import dev.codebox.OutputListener;
import dev.codebox.internal.OutputSink;
import dev.codebox.internal.Settings;
import dev.codebox.spi.Launch;
import dev.codebox.spi.RunOutcome;
import dev.codebox.spi.Runner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One execution of a command-line executor on a started {@link Runner}: each block is prepared
 * ({@link BlockPreparer}), written through the runner and run by it, inside the shared
 * {@link BlockLoop}; afterwards the changed files of the work dir become the output files.
 * Thread-safe: concurrent executions share the work dir, and a code file that two of them wrote
 * is deleted when the last of them ends.
 */
public final class CommandLinePipeline {

    private static final Logger LOG = LoggerFactory.getLogger(CommandLinePipeline.class);

    private final Duration timeout;
    private final int maxOutputBytes;
    private final boolean deleteCodeFiles;
    private final CodeFileUses codeFileUses = new CodeFileUses();

    /**
     * @throws IllegalArgumentException when the timeout is under a second or the output cap too small
     */
    public CommandLinePipeline(Duration timeout, int maxOutputBytes, boolean deleteCodeFiles) {
        this.timeout = Settings.requireTimeout(timeout);
        this.maxOutputBytes = Settings.requireMaxOutputBytes(maxOutputBytes);
        this.deleteCodeFiles = deleteCodeFiles;
    }

    public int maxOutputBytes() {
        return maxOutputBytes;
    }

    /**
     * Runs {@code blocks} with {@code runner}; {@code token} kills the running block at once. The
     * listings of the work dir cost no round trip of their own: a remote runner sends the first
     * listing, the first code file and its run at once, and the listing after the last block
     * with that block's end (see {@link Runner#writeRunAndList}).
     */
    public CodeResult execute(Runner runner, List<CodeBlock> blocks, CancellationToken token, OutputListener listener) {
        Path workDir = runner.workDir();
        BlockLoop loop = new BlockLoop(maxOutputBytes, listener);
        CompletableFuture<WorkDirSnapshot> before = WorkDirSnapshot.start(runner);
        List<String> codeFiles = new ArrayList<>();
        CodeBlock last = blocks.isEmpty() ? null : blocks.get(blocks.size() - 1);
        // The listing that came with the end of the block that ran last, if it asked for one.
        AtomicReference<CompletableFuture<Optional<Map<String, String>>>> listedAfter = new AtomicReference<>();
        try {
            loop.run(blocks, token::isCancelled, (block, output) -> {
                listedAfter.set(null);
                return runBlock(runner, block, output, codeFiles, token, block == last ? listedAfter : null);
            });
        } catch (RuntimeException | Error e) {
            releaseCodeFiles(runner, codeFiles);
            throw e;
        }
        loop.seal();
        CompletableFuture<WorkDirSnapshot> after = listedAfter.get() == null
                ? WorkDirSnapshot.start(runner) : WorkDirSnapshot.of(listedAfter.get());
        releaseCodeFiles(runner, codeFiles);
        List<String> changed = before.join().changedIn(after.join());
        changed.removeAll(codeFiles);
        List<Path> outputFiles;
        try {
            outputFiles = runner.exportFiles(changed);
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not copy the output files out of the work dir: {}", e.toString());
            outputFiles = List.of();
        }
        return loop.result(HostWorkDir.resolve(workDir, codeFiles), outputFiles);
    }

    /**
     * Writes and runs one block.
     *
     * @param listedAfter where the listing of the work dir taken when the block ended goes, or null
     *     when none is wanted
     */
    private RunOutcome runBlock(Runner runner, CodeBlock block, OutputSink output, List<String> codeFiles,
            CancellationToken token, AtomicReference<CompletableFuture<Optional<Map<String, String>>>> listedAfter) {
        BlockPreparer.Preparation preparation = BlockPreparer.prepare(block, runner.workDir());
        if (preparation.isRefused()) {
            return refused(output, preparation.refusal());
        }
        PreparedBlock prepared = preparation.block();
        if (!prepared.language().isExecuted()) {
            return save(runner, prepared, output);
        }
        Launch launch = runner.launch(prepared.language(), prepared.relativeName());
        if (launch.isRefused()) {
            return refused(output, launch.refusal());
        }
        // Counted as in use first, so that concurrent runs of the same file share it.
        String name = prepared.relativeName();
        codeFileUses.begin(name);
        Optional<RunOutcome> outcome = Optional.empty();
        byte[] content = prepared.code().getBytes(StandardCharsets.UTF_8);
        try {
            if (listedAfter == null) {
                outcome = runner.writeAndRun(name, content, prepared.namedByContent(), launch.command(), output, timeout, token);
            } else {
                Optional<Runner.ListedRun> listed = runner.writeRunAndList(name, content, prepared.namedByContent(),
                        launch.command(), output, timeout, token, WorkDirSnapshot.MAX_FILES);
                listed.ifPresent(run -> listedAfter.set(run.filesAfter()));
                outcome = listed.map(Runner.ListedRun::outcome);
            }
        } catch (CodeExecutorException e) {
            throw e; // the executor cannot serve (its engine or runner is gone): not the block's failure
        } catch (IOException | RuntimeException e) {
            return refused(output, "could not write the code file " + name + ": " + e.getMessage());
        } finally {
            if (outcome.isPresent()) {
                codeFiles.add(name);
            } else {
                releaseCodeFiles(runner, List.of(name));
            }
        }
        return outcome.orElseGet(() -> refused(output, BlockPreparer.OUTSIDE_WORKSPACE));
    }

    private static RunOutcome refused(OutputSink output, String why) {
        output.writeLine(why);
        return RunOutcome.exited(1);
    }

    /**
     * Saves a block of a language that is not run (AG2's execution policy): the file stays in the
     * work dir and is listed among the output files.
     */
    private static RunOutcome save(Runner runner, PreparedBlock block, OutputSink output) {
        try {
            if (!runner.writeFile(block.relativeName(), block.code().getBytes(StandardCharsets.UTF_8), block.namedByContent())) {
                return refused(output, BlockPreparer.OUTSIDE_WORKSPACE);
            }
        } catch (CodeExecutorException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            return refused(output, "could not save " + block.relativeName() + ": " + e.getMessage());
        }
        output.writeLine("Code saved to " + block.relativeName() + " (" + block.language().canonicalName()
                + " blocks are saved, not run)");
        return RunOutcome.exited(0);
    }

    private void releaseCodeFiles(Runner runner, List<String> files) {
        codeFileUses.end(files, !deleteCodeFiles ? null : unused -> {
            try {
                runner.deleteFiles(unused);
            } catch (IOException | RuntimeException e) {
                LOG.warn("could not delete code files {}: {}", unused, e.toString());
            }
        });
    }
}
