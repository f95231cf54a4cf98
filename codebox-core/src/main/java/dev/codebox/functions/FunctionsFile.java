package dev.codebox.functions;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

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

    public FunctionsFile {
        functions = List.copyOf(functions);
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
