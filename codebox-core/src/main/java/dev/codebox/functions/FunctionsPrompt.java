package dev.codebox.functions;

import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Tells a model which functions its code can call: a short explanation naming the module and how
 * to import from it, then each function's {@linkplain PythonFunction#stub() stub} (def line,
 * docstring, {@code ...}) in a fenced python block. Add it to the system prompt.
 */
public final class FunctionsPrompt {

    private FunctionsPrompt() {
    }

    /** The prompt text for {@code module}; empty when it has no function. */
    public static String render(FunctionModule module) {
        Objects.requireNonNull(module, "module");
        if (module.isEmpty()) {
            return "";
        }
        String names = String.join(", ", module.functionNames());
        String stubs = module.functions().stream().map(PythonFunction::stub).collect(Collectors.joining("\n\n\n"));
        return "Your Python code can call the functions below. They are defined in the module `" + module.name()
                + "`, which the code's working directory holds; import them before use, for example:\n\n"
                + "from " + module.name() + " import " + names + "\n\n"
                + "Their signatures and documentation (the bodies are left out):\n\n"
                + "```python\n" + stubs + "\n```\n";
    }
}
