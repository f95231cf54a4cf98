package dev.codebox.cli;

import dev.codebox.CancellationToken;
import dev.codebox.CodeBlock;
import dev.codebox.CodeExecutor;
import dev.codebox.CodeResult;
import dev.codebox.Language;
import dev.codebox.OutputListener;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code --restart-between-blocks}: each block runs in an execution of its own, with the executor
 * restarted before every block but the first, and the results joined as one execution of all the
 * blocks would be (the same block headers, stop at the first failure).
 */
final class BlockByBlock {

    private BlockByBlock() {
    }

    static CodeResult run(CodeExecutor executor, List<CodeBlock> blocks, CancellationToken token, OutputListener listener) {
        StringBuilder output = new StringBuilder();
        Set<Path> codeFiles = new LinkedHashSet<>();
        Set<Path> outputFiles = new LinkedHashSet<>();
        Duration duration = Duration.ZERO;
        CodeResult last = null;
        for (int i = 0; i < blocks.size(); i++) {
            if (i > 0) {
                executor.restart();
            }
            CodeBlock block = blocks.get(i);
            String header = "--- block " + (i + 1) + " (" + Language.canonicalName(block.language()) + ") ---\n";
            byte[] bytes = header.getBytes(StandardCharsets.UTF_8);
            listener.onOutput(bytes, 0, bytes.length);
            output.append(header);
            last = executor.execute(List.of(block), token, listener);
            output.append(last.output());
            codeFiles.addAll(last.codeFiles());
            outputFiles.addAll(last.outputFiles());
            duration = duration.plus(last.duration());
            if (last.exitCode() != 0) {
                break;
            }
        }
        return new CodeResult(last.exitCode(), output.toString(), new ArrayList<>(codeFiles), new ArrayList<>(outputFiles),
                last.timedOut(), last.cancelled(), duration);
    }
}
