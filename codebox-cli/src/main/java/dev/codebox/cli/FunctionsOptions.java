package dev.codebox.cli;

import dev.codebox.functions.FunctionModule;
import dev.codebox.functions.FunctionsFile;
import dev.codebox.internal.Executables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Options that give generated code a functions module (a picocli mixin of exec and run). */
public final class FunctionsOptions {

    @Option(names = "--functions", paramLabel = "FILE.py",
            description = "Python file whose top-level functions the code can import from the functions module "
                    + "(the file's imports, constants and classes come along).")
    Path file;

    @Option(names = "--requirement", paramLabel = "PKG",
            description = "A pip requirement of the functions, installed at start with the code's Python "
                    + "(repeatable; an existing local path is made absolute).")
    List<String> requirements = new ArrayList<>();

    @Option(names = "--functions-module", paramLabel = "NAME", defaultValue = FunctionModule.DEFAULT_NAME,
            description = "Name of the functions module (default: ${DEFAULT-VALUE}).")
    String moduleName;

    /**
     * The module the options describe, {@link FunctionModule#none()} without {@code --functions}.
     *
     * @throws UsageException when the file cannot be read or holds no function, or requirements are
     *     given without functions
     * @throws IllegalArgumentException when the module name or a requirement is invalid
     */
    FunctionModule module() {
        if (file == null) {
            if (!requirements.isEmpty()) {
                throw new UsageException("--requirement needs --functions FILE.py");
            }
            return FunctionModule.none();
        }
        List<String> absolute = requirements.stream().map(FunctionsOptions::absoluteWhenLocal).toList();
        return module(file, absolute, moduleName);
    }

    /**
     * The functions of {@code file} in module {@code moduleName}.
     *
     * @throws UsageException when the file cannot be read or holds no function
     */
    static FunctionModule module(Path file, List<String> requirements, String moduleName) {
        FunctionsFile functions;
        String source = ExecutionCommand.read(file.toString());
        try {
            // Python's own parser, when there is one, gives the line of a syntax error; the outline cannot.
            Optional<Path> python = syntaxChecker();
            if (python.isPresent()) {
                FunctionsFile.checkSyntax(source, file.toString(), python.get());
            }
            functions = FunctionsFile.parse(source, requirements);
        } catch (IllegalArgumentException e) {
            throw new UsageException(file + ": " + e.getMessage());
        } catch (IllegalStateException e) {
            throw new UsageException("cannot check " + file + ": " + e.getMessage());
        }
        return new FunctionModule(moduleName, functions.functions());
    }

    /** $CODEBOX_PYTHON, else python3 on PATH: the interpreter whose parser checks a functions file. */
    private static Optional<Path> syntaxChecker() {
        String configured = System.getenv("CODEBOX_PYTHON");
        if (configured != null && !configured.isBlank()) {
            return Optional.of(Path.of(configured));
        }
        return Executables.onPath("python3");
    }

    /** pip runs in the work dir, so a requirement naming a local file or directory must not be relative. */
    private static String absoluteWhenLocal(String requirement) {
        try {
            Path path = Path.of(requirement);
            return Files.exists(path) ? path.toAbsolutePath().normalize().toString() : requirement;
        } catch (java.nio.file.InvalidPathException e) {
            return requirement;
        }
    }
}
