package dev.codebox.jupyter.spi;

import java.nio.file.Path;
import java.util.Optional;

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

    /**
     * {@code outputDir} as the launcher's kernels see it, when they can write into it (a local
     * kernel, a server in a container with it mounted); empty for a kernel whose files this machine
     * cannot read (a remote server's).
     */
    default Optional<String> outputDirInKernel(Path outputDir) {
        return Optional.empty();
    }

    /**
     * The kernel's files when they live where this machine cannot see them (a server in a container
     * with a work dir of its own), to be copied into the output dir after each execution; by
     * default {@link KernelFiles#NONE}: the kernel writes into the output dir itself.
     */
    default KernelFiles files() {
        return KernelFiles.NONE;
    }

    /** A short description for messages, e.g. {@code "local kernel python3"}. */
    String describe();
}
