package dev.codebox.cli;

import dev.codebox.CodeBlock;
import dev.codebox.markdown.CodeBlockExtractor;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code codebox run}: runs the fenced code blocks of a markdown message, in order, in one executor. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Extracts the fenced code blocks of a markdown MESSAGE (a model's reply) and runs them "
                + "in order in one executor, stopping at the first failure.%n"
                + "With --functions FILE.py the code can import FILE.py's functions (from functions import NAME); "
                + "'codebox functions FILE.py' prints the text that tells the model about them.")
final class RunCommand extends ExecutionCommand {

    @Parameters(index = "0", paramLabel = "MESSAGE.md|-", description = "The markdown message (- for standard input).")
    String source;

    @Override
    List<CodeBlock> blocks() {
        List<CodeBlock> blocks = CodeBlockExtractor.extract(read(source));
        if (blocks.isEmpty()) {
            throw new UsageException("no fenced code blocks in " + ("-".equals(source) ? "standard input" : source));
        }
        return blocks;
    }
}
