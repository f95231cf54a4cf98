package dev.codebox.cli;

import dev.codebox.functions.FunctionModule;
import dev.codebox.functions.FunctionsPrompt;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code codebox functions}: prints the prompt text that tells a model about the functions of a file. */
@Command(name = "functions", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Prints the text that tells a model which functions its code can import: each top-level "
                + "function of FILE.py as a stub (def line, docstring, ...) under how to import it. "
                + "Use it in the system prompt with 'codebox run --functions FILE.py'.")
final class FunctionsCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "FILE.py", description = "The Python file holding the functions.")
    Path file;

    @Option(names = "--functions-module", paramLabel = "NAME", defaultValue = FunctionModule.DEFAULT_NAME,
            description = "Name of the functions module (default: ${DEFAULT-VALUE}).")
    String moduleName;

    @Override
    public Integer call() {
        FunctionModule module = FunctionsOptions.module(file, List.of(), moduleName);
        System.out.print(FunctionsPrompt.render(module));
        System.out.flush();
        return 0;
    }
}
