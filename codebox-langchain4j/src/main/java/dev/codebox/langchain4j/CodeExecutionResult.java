package dev.codebox.langchain4j;

import dev.codebox.CodeResult;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What {@link CodeExecutionTool} gives back to the model: LangChain4j sends it as JSON, such as
 * {@code {"exitCode":0,"output":"42\n","timedOut":false,"outputFiles":[]}}, so the model sees both
 * whether the code succeeded and what it printed.
 *
 * @param exitCode 0 when the code succeeded; 124 on timeout, 125 when cancelled
 * @param output standard output and standard error together, capped as the executor's configuration says
 * @param timedOut whether the code was stopped by the executor's timeout
 * @param outputFiles the files the code created or changed (images, HTML for Jupyter executors)
 */
public record CodeExecutionResult(int exitCode, String output, boolean timedOut, List<String> outputFiles) {

    public CodeExecutionResult {
        Objects.requireNonNull(output, "output");
        outputFiles = List.copyOf(outputFiles);
    }

    /** The model's view of a codebox result. */
    public static CodeExecutionResult of(CodeResult result) {
        return new CodeExecutionResult(result.exitCode(), result.output(), result.timedOut(),
                result.outputFiles().stream().map(Path::toString).toList());
    }
}
