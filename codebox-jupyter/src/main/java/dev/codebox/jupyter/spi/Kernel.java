package dev.codebox.jupyter.spi;

import java.util.Optional;

/** A running kernel, local or remote: its transport, how to interrupt it, whether it still lives. */
public interface Kernel extends AutoCloseable {

    /** The kernelspec name, e.g. {@code python3}. */
    String name();

    /** The language the kernel runs, from its kernelspec, e.g. {@code python}. */
    String language();

    KernelTransport transport();

    /** Interrupts the code running in the kernel, as its kernelspec's interrupt mode says; thread-safe. */
    void interrupt();

    /**
     * Restarts the kernel where it runs, with a fresh state, if this kind of kernel can; the caller
     * then needs a new session on {@link #transport()}. Kernels that cannot return {@code false}
     * and the caller starts a new one.
     *
     * @throws KernelFailedException when the restart was tried and failed
     */
    default boolean restartInPlace() {
        return false;
    }

    /** Why the kernel cannot run code any more (process gone, heartbeat lost), or empty when it can. */
    Optional<String> failure();

    /** Shuts the kernel down and releases everything it holds; does not throw. */
    @Override
    void close();
}
