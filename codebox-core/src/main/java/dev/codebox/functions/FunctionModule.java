package dev.codebox.functions;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The Python module through which generated code calls the functions an application gives it.
 * An executor configured with a non-empty module writes {@link #source()} into
 * {@code <work dir>/<name>.py} at start, pip-installs {@link #requirements()} once into the
 * environment the code runs in (the virtual environment, the container, the kernel's Python), and
 * checks that the module imports; generated code then does {@code from functions import NAME}.
 * {@link FunctionsPrompt} tells a model about them.
 *
 * @param name the module name (default {@value #DEFAULT_NAME}): a Python identifier, not a keyword
 * @param functions the functions, with distinct names, in order
 */
public record FunctionModule(String name, List<PythonFunction> functions) {

    /** The default module name, as AutoGen's. */
    public static final String DEFAULT_NAME = "functions";

    /**
     * @throws IllegalArgumentException when the name is not a valid Python identifier or is a
     *     keyword, or two functions have the same name
     */
    public FunctionModule {
        Objects.requireNonNull(name, "name");
        if (!PythonNames.isIdentifier(name)) {
            throw new IllegalArgumentException("the functions module name must be a Python identifier "
                    + "that is not a keyword (such as 'functions' or 'tools'), was '" + name + "'");
        }
        functions = List.copyOf(functions);
        Set<String> names = new HashSet<>();
        for (PythonFunction function : functions) {
            if (!names.add(function.name())) {
                throw new IllegalArgumentException("two functions are named '" + function.name()
                        + "': names in the module " + name + " must be distinct");
            }
        }
    }

    /** No functions: executors write no module and install nothing. */
    public static FunctionModule none() {
        return new FunctionModule(DEFAULT_NAME, List.of());
    }

    /** The module {@value #DEFAULT_NAME} with these functions. */
    public static FunctionModule of(PythonFunction... functions) {
        return of(List.of(functions));
    }

    /** The module {@value #DEFAULT_NAME} with these functions. */
    public static FunctionModule of(List<PythonFunction> functions) {
        return new FunctionModule(DEFAULT_NAME, functions);
    }

    /**
     * The same functions under another module name.
     *
     * @throws IllegalArgumentException when the name is not a valid Python identifier or is a keyword
     */
    public FunctionModule named(String moduleName) {
        return new FunctionModule(moduleName, functions);
    }

    /** Whether there is no function (then executors do nothing at start). */
    public boolean isEmpty() {
        return functions.isEmpty();
    }

    /** The module's file name in the work dir: {@code <name>.py}. */
    public String fileName() {
        return name + ".py";
    }

    /** The function names, in order. */
    public List<String> functionNames() {
        return functions.stream().map(PythonFunction::name).toList();
    }

    /** Every function's requirements, in order, without duplicates. */
    public List<String> requirements() {
        Set<String> all = new LinkedHashSet<>();
        functions.forEach(function -> all.addAll(function.requirements()));
        return List.copyOf(all);
    }

    /** Every function's imports, without duplicates; {@code from __future__} imports first, as Python requires. */
    public List<String> imports() {
        Set<String> all = new LinkedHashSet<>();
        functions.forEach(function -> all.addAll(function.imports()));
        List<String> sorted = new ArrayList<>(all);
        sorted.sort(Comparator.comparing(statement -> !statement.startsWith("from __future__")));
        return List.copyOf(sorted);
    }

    /** The text of the module file: the imports, then each function's source. */
    public String source() {
        StringBuilder source = new StringBuilder("# The functions module codebox writes for generated code: ")
                .append("from ").append(name).append(" import NAME\n");
        imports().forEach(statement -> source.append(statement).append('\n'));
        for (PythonFunction function : functions) {
            source.append("\n\n").append(function.source()).append('\n');
        }
        return source.toString();
    }
}
