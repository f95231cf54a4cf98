package dev.codebox.functions;

import dev.codebox.internal.Resources;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A Python file read as a set of functions, so that the module written from them behaves like the
 * file: every top-level function (with its decorators) becomes a {@link PythonFunction} whose
 * imports are the file's top-level imports. The file's other top-level statements (constants,
 * classes, a docstring) travel with the function that follows them, and those after the last
 * function with the last one, so that the module keeps them in the file's order.
 *
 * @param functions the file's top-level functions, in order
 */
public record FunctionsFile(List<PythonFunction> functions) {

    private static final String CHECK_SYNTAX = Resources.read(FunctionsFile.class, "check_syntax.py");
    private static final long SYNTAX_CHECK_SECONDS = 20;

    public FunctionsFile {
        functions = List.copyOf(functions);
    }

    /**
     * Parses {@code source} with {@code python}'s own parser ({@code ast.parse}; nothing runs), so
     * that a file Python would refuse is refused here with Python's message and line instead of
     * being read as a file without functions.
     *
     * @param fileName the name shown in the message
     * @throws IllegalArgumentException when the source has a syntax error: {@code line N: SyntaxError: ...}
     * @throws IllegalStateException when the interpreter cannot be run or does not answer in time
     */
    public static void checkSyntax(String source, String fileName, Path python) {
        Process process;
        try {
            process = new ProcessBuilder(python.toString(), "-c", CHECK_SYNTAX, fileName)
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + python + " to check " + fileName + ": " + e.getMessage(), e);
        }
        try {
            try (var in = process.getOutputStream()) {
                in.write(source.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // the parser exited early; its output says why
            }
            // Wait first, read after: its output is one short line, and a read would not honour the bound.
            if (!process.waitFor(SYNTAX_CHECK_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException(python + " did not check " + fileName + " within " + SYNTAX_CHECK_SECONDS + " s");
            }
            String output = new String(process.getInputStream().readNBytes(64 * 1024), StandardCharsets.UTF_8).strip();
            if (process.exitValue() != 0) {
                int tab = output.indexOf('\t');
                throw new IllegalArgumentException(tab > 0 ? "line " + output.substring(0, tab) + ": " + output.substring(tab + 1)
                        : "Python cannot parse it: " + output);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + python + "'s check of " + fileName + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking " + fileName, e);
        } finally {
            process.destroyForcibly();
        }
    }

    /**
     * Reads {@code source}; each function gets {@code requirements}.
     *
     * @throws IllegalArgumentException when the file defines no top-level function, or a requirement is invalid
     */
    public static FunctionsFile parse(String source, Collection<String> requirements) {
        Objects.requireNonNull(requirements, "requirements");
        String text = source.replace("\r\n", "\n").replace('\r', '\n');
        List<PythonOutline.Statement> statements = PythonOutline.of(text);
        List<String> imports = new ArrayList<>();
        List<StringBuilder> sources = new ArrayList<>();
        StringBuilder pending = new StringBuilder();
        for (PythonOutline.Statement statement : statements) {
            String code = text.substring(statement.start(), statement.end()).strip();
            switch (statement.kind()) {
                case IMPORT -> imports.add(code);
                case OTHER -> pending.append(code).append("\n\n\n");
                case FUNCTION -> {
                    sources.add(pending.append(code));
                    pending = new StringBuilder();
                }
            }
        }
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("the file defines no top-level function (def NAME(...):)");
        }
        if (pending.length() > 0) {
            sources.get(sources.size() - 1).append("\n\n\n").append(pending.toString().strip());
        }
        List<PythonFunction> functions = new ArrayList<>();
        for (StringBuilder function : sources) {
            functions.add(PythonFunction.builder(function.toString()).requirements(requirements).imports(imports).build());
        }
        return new FunctionsFile(functions);
    }
}
