package dev.codebox;

import java.util.Objects;

/**
 * A piece of code to run and the language it is written in, as a model wrote it.
 *
 * <p>The language is kept as given (for example {@code "py"} or {@code "Python"}); executors map
 * aliases to the languages they run, see {@link dev.codebox.Language}.
 *
 * @param language the language tag, never {@code null} (may be empty when unknown)
 * @param code the source code, never {@code null}
 */
public record CodeBlock(String language, String code) {

    public CodeBlock {
        Objects.requireNonNull(language, "language");
        Objects.requireNonNull(code, "code");
    }

    /** A Python block. */
    public static CodeBlock python(String code) {
        return new CodeBlock("python", code);
    }

    /** A bash block. */
    public static CodeBlock bash(String code) {
        return new CodeBlock("bash", code);
    }
}
