package dev.codebox.springai;

import dev.codebox.CodeBlock;
import dev.codebox.CodeExecutor;
import dev.codebox.CodeResult;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.springframework.ai.support.ToolCallbacks;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.annotation.Tool;
import org.springframework.ai.tool.annotation.ToolParam;

/**
 * A codebox executor as a Spring AI tool, {@code execute_code}:
 *
 * <pre>{@code
 * try (CodeExecutor executor = new LocalCommandLineExecutor(config)) {
 *     String answer = ChatClient.create(chatModel).prompt()
 *             .user("What is the 20th Fibonacci number? Compute it.")
 *             .tools(new CodeboxTools(executor))
 *             .call()
 *             .content();
 * }
 * }</pre>
 *
 * <p>The tool returns a {@link Result} (exit code, output, timed out, output files), which Spring
 * AI sends to the model as JSON. Failing code is a result with a non-zero exit code, not an error;
 * an executor that cannot run at all throws {@link dev.codebox.CodeExecutorException}, which Spring
 * AI reports as a tool error. {@link #toolCallbacks()} gives the callbacks for APIs that take them.
 *
 * <p><b>Lifecycle:</b> the tool borrows the executor and never stops it (it starts itself on first
 * use); close the executor when the conversation ends. State (work dir files, kernel variables) is
 * shared by every call on the same executor.
 */
public final class CodeboxTools {

    private final CodeExecutor executor;

    /** Tools running code in {@code executor}, which the caller keeps and closes. */
    public CodeboxTools(CodeExecutor executor) {
        this.executor = Objects.requireNonNull(executor, "executor");
    }

    /**
     * What a call returns to the model.
     *
     * @param exitCode 0 for success; 124 for a timeout; the code's own status otherwise
     * @param output standard output and standard error together, capped by the executor
     * @param timedOut whether the block ran out of time
     * @param outputFiles files the code created or changed (images a kernel displayed included)
     */
    public record Result(int exitCode, String output, boolean timedOut, List<String> outputFiles) {

        static Result of(CodeResult result) {
            return new Result(result.exitCode(), result.output(), result.timedOut(),
                    result.outputFiles().stream().map(Path::toString).toList());
        }
    }

    /**
     * Runs {@code code} as {@code language} (python when not given).
     *
     * @return exit code 1 and {@code unknown language X} for a language the executor does not run
     */
    @Tool(name = "execute_code", description = "Runs code and returns its exit code and its output (standard output "
            + "and standard error together). Files written in the working directory persist between calls. "
            + "Print the results you need to see.")
    public Result executeCode(
            @ToolParam(description = "the complete code to run") String code,
            @ToolParam(description = "the language of the code: python (the default), bash or sh", required = false)
            String language) {
        Objects.requireNonNull(code, "code");
        String tag = language == null || language.isBlank() ? "python" : language;
        return Result.of(executor.execute(new CodeBlock(tag, code)));
    }

    /** These tools as Spring AI callbacks ({@code execute_code}). */
    public ToolCallback[] toolCallbacks() {
        return ToolCallbacks.from(this);
    }
}
