package dev.codebox.langchain4j;

import dev.codebox.CodeBlock;
import dev.codebox.CodeExecutor;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import java.util.Objects;

/**
 * A ready LangChain4j tool that runs code the model writes in a codebox executor:
 *
 * <pre>{@code
 * try (CodeExecutor executor = new LocalCommandLineExecutor(config)) {
 *     Assistant assistant = AiServices.builder(Assistant.class)
 *             .chatModel(model)
 *             .tools(new CodeExecutionTool(executor))
 *             .build();
 *     ...
 * }
 * }</pre>
 *
 * <p>The tool method {@code execute_code(language, code)} returns a {@link CodeExecutionResult}
 * (exit code, output, timed out, output files), which LangChain4j sends to the model as JSON.
 * Failing code is a result with a non-zero exit code, not an error; an executor that cannot run at
 * all throws {@link dev.codebox.CodeExecutorException}, which LangChain4j reports as a tool error.
 *
 * <p><b>Lifecycle:</b> the tool borrows the executor: it never stops or closes it (the executor
 * starts itself on first use). Close the executor yourself when the conversation ends. Concurrent
 * tool calls run as the executor runs concurrent executions; state (files in the work dir, kernel
 * variables) is shared by every call on the same executor.
 */
public final class CodeExecutionTool {

    private final CodeExecutor executor;

    /** A tool running code in {@code executor}, which the caller keeps and closes. */
    public CodeExecutionTool(CodeExecutor executor) {
        this.executor = Objects.requireNonNull(executor, "executor");
    }

    /**
     * Runs {@code code} as {@code language}.
     *
     * @return exit code 1 and {@code unknown language X} for a language the executor does not run
     */
    @Tool(name = "execute_code", value = {
            "Runs code and returns its exit code and its output (standard output and standard error together).",
            "Files written in the working directory persist between calls. Print the results you need to see."})
    public CodeExecutionResult executeCode(
            @P(name = "language", value = "the language of the code: python, bash or sh") String language,
            @P(name = "code", value = "the complete code to run") String code) {
        Objects.requireNonNull(language, "language");
        Objects.requireNonNull(code, "code");
        return CodeExecutionResult.of(executor.execute(new CodeBlock(language, code)));
    }
}
