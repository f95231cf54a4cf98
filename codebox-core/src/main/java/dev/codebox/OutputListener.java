package dev.codebox;

/**
 * Receives output while code runs, as it is produced: the raw bytes of standard output and
 * standard error (interleaved), and the separator and notice lines the executor adds. The same
 * content ends up in {@link CodeResult#output()}, where it is decoded and capped; a listener sees
 * every byte, uncapped.
 *
 * <p>Called from an executor's internal threads; implementations must be quick and must not throw.
 */
@FunctionalInterface
public interface OutputListener {

    /** A listener that ignores everything. */
    OutputListener NONE = (bytes, offset, length) -> { };

    /** Called with {@code length} bytes of output starting at {@code offset}; do not keep the array. */
    void onOutput(byte[] bytes, int offset, int length);
}
