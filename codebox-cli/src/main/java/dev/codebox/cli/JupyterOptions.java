package dev.codebox.cli;

import dev.codebox.CodeExecutor;

/** Options of the jupyter and docker-jupyter executors (a picocli mixin of exec and run). */
public final class JupyterOptions {

    @picocli.CommandLine.Option(names = "--kernel", paramLabel = "NAME", defaultValue = "python3",
            description = "Kernelspec of the jupyter executor (default: ${DEFAULT-VALUE}).")
    String kernel;

    /** The jupyter or docker-jupyter executor for these options ({@code common.executor()} says which). */
    CodeExecutor create(CommonOptions common) {
        throw new UsageException("the " + common.executor() + " executor is not available yet");
    }
}
