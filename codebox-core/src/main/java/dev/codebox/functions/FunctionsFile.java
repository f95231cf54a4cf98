package dev.codebox.functions;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * A Python file read as a set of functions: every top-level function (with its decorators) becomes
 * a {@link PythonFunction} whose imports are the file's top-level imports. Other top-level
 * statements (constants, classes, conditional imports) are not carried over; {@link #ignored()}
 * names them so that a caller can warn.
 *
 * @param functions the file's top-level functions, in order
 * @param ignored one entry {@code line N: FIRST LINE} per top-level statement left out
 */
public record FunctionsFile(List<PythonFunction> functions, List<String> ignored) {

    public FunctionsFile {
        functions = List.copyOf(functions);
        ignored = List.copyOf(ignored);
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
        List<String> ignored = new ArrayList<>();
        for (PythonOutline.Statement statement : statements) {
            if (statement.kind() == PythonOutline.Kind.IMPORT) {
                imports.add(text.substring(statement.start(), statement.end()).strip());
            } else if (statement.kind() == PythonOutline.Kind.OTHER) {
                String firstLine = text.substring(statement.start(), statement.end()).lines().findFirst().orElse("");
                ignored.add("line " + lineOf(text, statement.start()) + ": " + firstLine);
            }
        }
        List<PythonFunction> functions = new ArrayList<>();
        for (PythonOutline.Statement statement : statements) {
            if (statement.kind() == PythonOutline.Kind.FUNCTION) {
                functions.add(PythonFunction.builder(text.substring(statement.start(), statement.end()))
                        .requirements(requirements).imports(imports).build());
            }
        }
        if (functions.isEmpty()) {
            throw new IllegalArgumentException("the file defines no top-level function (def NAME(...):)");
        }
        return new FunctionsFile(functions, ignored);
    }

    private static int lineOf(String text, int offset) {
        int line = 1;
        for (int i = 0; i < offset; i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }
}
