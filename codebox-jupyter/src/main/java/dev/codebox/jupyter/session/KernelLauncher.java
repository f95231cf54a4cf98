package dev.codebox.jupyter.session;

import java.nio.file.Path;

/** Starts kernels of one kind (local process, Jupyter server). */
public interface KernelLauncher {

    /**
     * Starts a kernel whose code may write files into {@code outputDir}.
     *
     * @throws dev.codebox.CodeExecutorException when the kernel cannot be started
     */
    Kernel launch(Path outputDir);

    /** Releases what the launcher holds besides kernels (a server, a container); does not throw. */
    default void close() {
    }

    /** A short description for messages, e.g. {@code "local kernel python3"}. */
    String describe();
}
