package dev.codebox.mcp;

import dev.codebox.CodeExecutor;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Creates the executors behind the server's sessions and one-off runs. The command line builds one
 * from the options of {@code codebox mcp}; an application can give its own.
 */
public interface ExecutorProvider {

    /** The executor names clients may ask for, such as {@code local} or {@code jupyter}; the first is the default. */
    List<String> executors();

    /** The languages blocks may be written in for {@code executor}, canonical names such as {@code python}. */
    List<String> languages(String executor);

    /**
     * A new executor, not started, whose code runs in {@code workDir} (an empty directory the server
     * created and deletes when the session ends), so that the server's file tools see its files.
     *
     * @param executor one of {@link #executors()}
     * @param kernel the Jupyter kernel asked for; empty for the provider's default (ignored by
     *     command-line executors)
     * @throws IllegalArgumentException when the request cannot be met (a kernel for a command-line
     *     executor, for instance); its message is shown to the client
     */
    CodeExecutor create(String executor, Optional<String> kernel, Path workDir);
}
