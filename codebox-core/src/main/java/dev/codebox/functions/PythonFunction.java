package dev.codebox.functions;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A Python function given as source, with the pip packages and the imports it needs, to be offered
 * to generated code through a {@link FunctionModule}.
 *
 * <p>The source holds exactly one top-level {@code def} (or {@code async def}), optionally decorated;
 * its name is read from the source. Other top-level statements in the source (a constant, a helper
 * import) are kept and written into the module as they are. The source is dedented and its line ends
 * are normalised to {@code \n}. Immutable.
 *
 * <pre>{@code
 * PythonFunction loadData = PythonFunction.builder("""
 *         def load_data(path: str) -> "pd.DataFrame":
 *             \"""Reads a CSV file into a data frame.\"""
 *             return pd.read_csv(path)
 *         """)
 *     .requirements("pandas")
 *     .imports("import pandas as pd")
 *     .build();
 * }</pre>
 */
public final class PythonFunction {

    private static final Pattern DOTTED_NAME = Pattern.compile("[\\p{L}_][\\p{L}\\p{N}_]*(\\.[\\p{L}_][\\p{L}\\p{N}_]*)*");

    private final String name;
    private final String source;
    private final List<String> requirements;
    private final List<String> imports;
    private final PythonOutline.Statement definition;

    private PythonFunction(String source, List<String> requirements, List<String> imports) {
        this.source = dedent(source.replace("\r\n", "\n").replace('\r', '\n')).strip();
        List<PythonOutline.Statement> definitions = PythonOutline.of(this.source).stream()
                .filter(statement -> statement.kind() == PythonOutline.Kind.FUNCTION)
                .collect(Collectors.toList());
        if (definitions.isEmpty()) {
            throw new IllegalArgumentException("the function source has no top-level function definition "
                    + "(a line 'def NAME(...):' or 'async def NAME(...):'): " + abbreviate(this.source));
        }
        if (definitions.size() > 1) {
            throw new IllegalArgumentException("the function source defines " + definitions.size()
                    + " top-level functions (" + definitions.stream().map(PythonOutline.Statement::name)
                    .collect(Collectors.joining(", ")) + "); give each its own PythonFunction, "
                    + "or read a whole file with FunctionsFile");
        }
        this.definition = definitions.get(0);
        this.name = definition.name();
        this.requirements = List.copyOf(requirements);
        this.imports = List.copyOf(imports);
    }

    /**
     * A function without requirements or imports.
     *
     * @throws IllegalArgumentException when the source does not hold exactly one top-level function
     */
    public static PythonFunction of(String source) {
        return builder(source).build();
    }

    /** A builder for a function with this source. */
    public static Builder builder(String source) {
        return new Builder(source);
    }

    /** The function's name, as defined in the source. */
    public String name() {
        return name;
    }

    /** The source, dedented, with {@code \n} line ends and no surrounding blank lines. */
    public String source() {
        return source;
    }

    /** The pip requirements (such as {@code pandas>=2} or a path to a wheel), in order, without duplicates. */
    public List<String> requirements() {
        return requirements;
    }

    /** The import statements the function needs, in order, without duplicates. */
    public List<String> imports() {
        return imports;
    }

    /**
     * What a model needs to call the function: its def line (decorators dropped, a multi-line
     * signature kept as written, type hints and defaults included), its docstring, and {@code ...}.
     */
    public String stub() {
        StringBuilder stub = new StringBuilder(source.substring(definition.headerStart(), definition.headerEnd()));
        if (definition.hasDocstring()) {
            stub.append("\n    ").append(reindentDocstring());
        }
        return stub.append("\n    ...").toString();
    }

    /** The docstring, its continuation lines moved from the body's indentation to four spaces. */
    private String reindentDocstring() {
        String docstring = source.substring(definition.docStart(), definition.docEnd());
        int lineStart = source.lastIndexOf('\n', definition.docStart()) + 1;
        String bodyIndent = source.substring(lineStart, definition.docStart());
        if (!bodyIndent.isBlank() || bodyIndent.isEmpty()) {
            return docstring; // the docstring shares the def line
        }
        return docstring.replace("\n" + bodyIndent, "\n    ");
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PythonFunction that && source.equals(that.source)
                && requirements.equals(that.requirements) && imports.equals(that.imports);
    }

    @Override
    public int hashCode() {
        return Objects.hash(source, requirements, imports);
    }

    @Override
    public String toString() {
        return "PythonFunction[" + name + ", requirements=" + requirements + ", imports=" + imports + "]";
    }

    /** Removes the white space all non-blank lines start with, as Python's textwrap.dedent. */
    private static String dedent(String text) {
        String[] lines = text.split("\n", -1);
        String common = null;
        for (String line : lines) {
            if (line.isBlank()) {
                continue;
            }
            String indent = line.substring(0, line.length() - line.stripLeading().length());
            if (common == null) {
                common = indent;
            } else {
                int k = 0;
                while (k < common.length() && k < indent.length() && common.charAt(k) == indent.charAt(k)) {
                    k++;
                }
                common = common.substring(0, k);
            }
        }
        if (common == null || common.isEmpty()) {
            return text;
        }
        StringBuilder result = new StringBuilder();
        for (int i = 0; i < lines.length; i++) {
            if (i > 0) {
                result.append('\n');
            }
            result.append(lines[i].startsWith(common) ? lines[i].substring(common.length()) : lines[i].stripLeading());
        }
        return result.toString();
    }

    private static String abbreviate(String text) {
        String line = text.lines().findFirst().orElse("");
        return line.isEmpty() ? "(empty)" : "'" + (line.length() > 60 ? line.substring(0, 60) + "..." : line) + "'";
    }

    /**
     * An import as a statement: a module name {@code M} becomes {@code import M}; a statement must
     * be one {@code import ...} or {@code from ... import ...}.
     */
    static String importStatement(String text) {
        Objects.requireNonNull(text, "an import is null");
        String trimmed = text.strip();
        if (DOTTED_NAME.matcher(trimmed).matches()) {
            return "import " + trimmed;
        }
        List<PythonOutline.Statement> statements = PythonOutline.of(trimmed);
        if (statements.size() != 1 || statements.get(0).kind() != PythonOutline.Kind.IMPORT) {
            throw new IllegalArgumentException("not an import: '" + text + "' (expected a module name, "
                    + "'import M', 'import M as A' or 'from M import N')");
        }
        return trimmed;
    }

    /** A pip requirement, checked: not blank, one line, not an option. */
    static String requirement(String text) {
        Objects.requireNonNull(text, "a requirement is null");
        String trimmed = text.strip();
        if (trimmed.isEmpty() || trimmed.contains("\n")) {
            throw new IllegalArgumentException("a requirement must be one non-blank line, was '" + text + "'");
        }
        if (trimmed.startsWith("-")) {
            throw new IllegalArgumentException("a requirement must not start with '-' (pip options are not accepted): " + text);
        }
        return trimmed;
    }

    /** Builds a {@link PythonFunction}; checked by {@link #build()}. */
    public static final class Builder {
        private final String source;
        private final Set<String> requirements = new LinkedHashSet<>();
        private final Set<String> imports = new LinkedHashSet<>();

        private Builder(String source) {
            this.source = Objects.requireNonNull(source, "source");
        }

        /**
         * Adds pip requirements: names with optional version specifiers, or paths to wheels or
         * project directories (a relative path is resolved against the work dir as the code sees it).
         *
         * @throws IllegalArgumentException for a blank requirement or one that starts with {@code -}
         */
        public Builder requirements(String... requirements) {
            return requirements(List.of(requirements));
        }

        /** Adds pip requirements; see {@link #requirements(String...)}. */
        public Builder requirements(Collection<String> requirements) {
            requirements.forEach(requirement -> this.requirements.add(requirement(requirement)));
            return this;
        }

        /**
         * Adds imports the function needs: module names ({@code "json"}) or statements
         * ({@code "import pandas as pd"}, {@code "from pathlib import Path"}).
         *
         * @throws IllegalArgumentException for something that is not an import
         */
        public Builder imports(String... imports) {
            return imports(List.of(imports));
        }

        /** Adds imports; see {@link #imports(String...)}. */
        public Builder imports(Collection<String> imports) {
            imports.forEach(statement -> this.imports.add(importStatement(statement)));
            return this;
        }

        /**
         * @throws IllegalArgumentException when the source does not hold exactly one top-level function
         */
        public PythonFunction build() {
            return new PythonFunction(source, new ArrayList<>(requirements), new ArrayList<>(imports));
        }
    }
}
