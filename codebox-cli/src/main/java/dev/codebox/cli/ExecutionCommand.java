package dev.codebox.cli;

import dev.codebox.CancellationToken;
import dev.codebox.CodeBlock;
import dev.codebox.CodeExecutor;
import dev.codebox.CodeResult;
import dev.codebox.Language;
import dev.codebox.OutputListener;
import dev.codebox.functions.FunctionModule;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What {@code exec} and {@code run} share: the options, creating the executor, running the blocks,
 * printing the output (as it comes, or one JSON object) and turning SIGINT/SIGTERM into a
 * cancellation that kills the code's process tree before codebox exits.
 */
abstract class ExecutionCommand implements java.util.concurrent.Callable<Integer> {

    /** How long a signal waits for the run to be cancelled and cleaned up before codebox exits anyway. */
    private static final long SIGNAL_GRACE_SECONDS = 15;

    @Mixin
    ExecutorOptions options;

    @Spec
    CommandSpec spec;

    /** The blocks to run; throws {@link UsageException} for unreadable input. */
    abstract List<CodeBlock> blocks();

    @Override
    public final Integer call() {
        List<CodeBlock> blocks = blocks();
        FunctionModule module = options.functions.module();
        CodeExecutor executor = createExecutor(module, pythonServerPays(blocks, options.common.restartBetweenBlocks()));
        CancellationToken token = new CancellationToken();
        CountDownLatch finished = new CountDownLatch(1);
        AtomicInteger status = new AtomicInteger(CodeResult.EXIT_CANCELLED);
        Thread onSignal = new Thread(() -> {
            if (finished.getCount() == 0) {
                return;
            }
            token.cancel();
            try {
                finished.await(SIGNAL_GRACE_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            executor.stop();
            System.out.flush();
            Runtime.getRuntime().halt(status.get());
        }, "codebox-signal");
        Runtime.getRuntime().addShutdownHook(onSignal);
        try {
            OutputStream stdout = new FileOutputStream(FileDescriptor.out);
            AtomicBoolean readerGone = new AtomicBoolean();
            OutputListener listener = options.common.json() ? OutputListener.NONE : (bytes, offset, length) -> {
                if (readerGone.get()) {
                    return;
                }
                try {
                    stdout.write(bytes, offset, length);
                    stdout.flush();
                } catch (IOException e) {
                    // The reader of stdout has gone (`| head`): stop the code, as a pipe stops a writer.
                    readerGone.set(true);
                    token.cancel();
                }
            };
            CodeResult result = options.common.restartBetweenBlocks() && blocks.size() > 1
                    ? BlockByBlock.run(executor, blocks, token, listener)
                    : executor.execute(blocks, token, listener);
            if (options.common.json()) {
                System.out.println(JsonResult.toJson(result));
                System.out.flush();
            }
            if (readerGone.get()) {
                status.set(Main.OUTPUT_CLOSED);
                return Main.OUTPUT_CLOSED;
            }
            status.set(result.exitCode());
            return result.exitCode();
        } finally {
            executor.close();
            options.jupyter.removeUnusedOutputDir(module);
            finished.countDown();
        }
    }

    /**
     * Whether a resident python process (a fork server, or locally with --no-fork-server one that
     * spawns) pays for itself here. Starting one costs about what spawning an interpreter does, so
     * it pays from the second python block of one execution on (measured: one {@code exec -l python}
     * takes 80 ms less without it, three blocks of {@code run} 30 ms more; with --no-fork-server one
     * block 60 ms less). With {@code --restart-between-blocks} every block would get a new one.
     */
    static boolean pythonServerPays(List<CodeBlock> blocks, boolean restartBetweenBlocks) {
        return !restartBetweenBlocks && blocks.stream()
                .filter(block -> Language.fromTag(block.language()).filter(Language.PYTHON::equals).isPresent())
                .limit(2).count() == 2;
    }

    private CodeExecutor createExecutor(FunctionModule module, boolean pythonServer) {
        OptionScope.requireUsed(spec.commandLine().getParseResult(), List.of(options.common.executor()));
        return new ExecutorFactory(options, pythonServer)
                .create(options.common.executor(), module, Optional.empty(), Optional.empty());
    }

    /** The text of {@code source}: a file, or standard input for {@code -}. */
    static String read(String source) {
        try {
            if ("-".equals(source)) {
                return new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
            }
            return Files.readString(Path.of(source), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new UsageException("cannot read " + source + ": no such file");
        } catch (IOException | UncheckedIOException e) {
            throw new UsageException("cannot read " + source + ": " + e.getMessage());
        }
    }
}
