package dev.codebox.spi;

/**
 * Where a {@link Runner} writes what a command prints, standard output and standard error
 * interleaved as they come. The executor caps what it keeps (head and tail) and passes every byte
 * on to the caller's {@link dev.codebox.OutputListener}. Implementations are thread-safe.
 */
public interface BlockOutput {

    /** Appends output bytes. */
    void write(byte[] bytes, int offset, int length);

    /**
     * Appends {@code line} (a message of the runner, not output of the code) on a line of its own:
     * a line break is added before it when needed.
     */
    void writeLine(String line);
}
