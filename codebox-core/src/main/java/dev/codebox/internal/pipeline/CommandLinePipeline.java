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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
    /** Takes the snapshots of remote runners' work dirs; threads end when idle. */
    private static final ExecutorService SNAPSHOTS = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "codebox-snapshot");
        thread.setDaemon(true);
        return thread;
    });

    private final Duration timeout;
    private final int maxOutputBytes;
    private final boolean deleteCodeFiles;
    private final Map<String, Integer> codeFilesInUse = new HashMap<>();

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

    /** Runs {@code blocks} with {@code runner}; {@code token} kills the running block at once. */
    public CodeResult execute(Runner runner, List<CodeBlock> blocks, CancellationToken token, OutputListener listener) {
        Path workDir = runner.workDir();
        BlockLoop loop = new BlockLoop(maxOutputBytes, listener);
        // A remote runner lists the work dir while the first code file is written: one round trip less.
        CompletableFuture<WorkDirSnapshot> before = runner.overlapsRequests()
                ? CompletableFuture.supplyAsync(() -> WorkDirSnapshot.take(runner), SNAPSHOTS)
                : CompletableFuture.completedFuture(WorkDirSnapshot.take(runner));
        List<String> codeFiles = new ArrayList<>();
        try {
            loop.run(blocks, token::isCancelled, (block, output) -> runBlock(runner, block, output, codeFiles, token, before));
        } finally {
            releaseCodeFiles(runner, codeFiles);
        }
        loop.seal();
        List<String> changed = before.join().changedIn(WorkDirSnapshot.take(runner));
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
     * Writes and runs one block; {@code before} is the snapshot of the work dir, which must be taken
     * before anything but the block's own code file is written or run.
     */
    private RunOutcome runBlock(Runner runner, CodeBlock block, OutputSink output, List<String> codeFiles,
            CancellationToken token, CompletableFuture<WorkDirSnapshot> before) {
        BlockPreparer.Preparation preparation = BlockPreparer.prepare(block, runner.workDir());
        if (preparation.isRefused()) {
            return refused(output, preparation.refusal());
        }
        PreparedBlock prepared = preparation.block();
        if (!prepared.language().isExecuted()) {
            before.join(); // a saved file is an output file: it must not be in the snapshot
            return save(runner, prepared, output);
        }
        Launch launch = runner.launch(prepared.language(), prepared.relativeName());
        if (launch.isRefused()) {
            return refused(output, launch.refusal());
        }
        try {
            if (!writeCodeFile(runner, prepared)) {
                return refused(output, BlockPreparer.OUTSIDE_WORKSPACE);
            }
        } catch (CodeExecutorException e) {
            throw e; // the executor cannot serve (its engine or runner is gone): not the block's failure
        } catch (IOException | RuntimeException e) {
            return refused(output, "could not write the code file " + prepared.relativeName() + ": " + e.getMessage());
        }
        codeFiles.add(prepared.relativeName());
        before.join();
        return runner.run(launch.command(), output, timeout, token);
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
