package dev.codebox.mcp.internal;

import dev.codebox.CodeExecutor;
import dev.codebox.mcp.ExecutorProvider;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** A provider of one executor, for python, made by {@code factory} in a session's work dir: for the tests of the server's parts. */
final class OneExecutorProvider implements ExecutorProvider {

    private final String name;
    private final Function<Path, CodeExecutor> factory;

    OneExecutorProvider(String name, Function<Path, CodeExecutor> factory) {
        this.name = name;
        this.factory = factory;
    }

    @Override
    public List<String> executors() {
        return List.of(name);
    }

    @Override
    public List<String> languages(String executor) {
        return List.of("python");
    }

    @Override
    public CodeExecutor create(String executor, Optional<String> kernel, Path workDir) {
        return factory.apply(workDir);
    }
}
