package dev.codebox.langchain4j;

import dev.codebox.CodeBlock;
import dev.codebox.CodeExecutor;
import dev.codebox.CodeResult;
import dev.langchain4j.code.CodeExecutionEngine;
import java.util.Objects;

/**
 * LangChain4j's {@link CodeExecutionEngine} backed by a codebox executor, for the places LangChain4j
 * takes an engine. That interface returns one string, so this engine returns the output when the code
 * succeeded, and otherwise {@code exit code N} on the first line followed by the output; prefer
 * {@link CodeExecutionTool} where a structured result can be used.
 *
 * <p><b>Lifecycle:</b> the engine borrows the executor and never closes it; close it yourself.
 */
public final class CodeboxExecutionEngine implements CodeExecutionEngine {

    private final CodeExecutor executor;
    private final String language;

    /** An engine running python code in {@code executor}. */
    public CodeboxExecutionEngine(CodeExecutor executor) {
        this(executor, "python");
    }

    /**
     * An engine running code of {@code language} (python, bash, sh, ...) in {@code executor}.
     *
     * @throws IllegalArgumentException when the language is blank
     */
    public CodeboxExecutionEngine(CodeExecutor executor, String language) {
        this.executor = Objects.requireNonNull(executor, "executor");
        if (Objects.requireNonNull(language, "language").isBlank()) {
            throw new IllegalArgumentException("language is blank");
        }
        this.language = language;
    }

    /** Runs {@code code}; see the class description for the returned text. */
    @Override
    public String execute(String code) {
        CodeResult result = executor.execute(new CodeBlock(language, Objects.requireNonNull(code, "code")));
        return result.succeeded() ? result.output() : "exit code " + result.exitCode() + "\n" + result.output();
    }
}
