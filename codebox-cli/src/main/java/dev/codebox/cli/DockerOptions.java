package dev.codebox.cli;

import dev.codebox.CodeExecutor;

/** Options of the docker executor (a picocli mixin of exec and run). */
public final class DockerOptions {

    @picocli.CommandLine.Option(names = "--image", paramLabel = "IMG", description = "Image of the docker executor.")
    String image;

    /** The docker executor for these options. */
    CodeExecutor create(CommonOptions common) {
        throw new UsageException("the docker executor is not available yet");
    }
}
