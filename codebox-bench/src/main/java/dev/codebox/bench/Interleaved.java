package dev.codebox.bench;

/**
 * Times codebox and its baseline alternately, iteration by iteration (and in alternating order),
 * so that both see the same machine: on a noisy two-core box, a burst of load then slows both
 * instead of skewing their ratio. Each timed operation starts after a short pause, so that what one
 * side leaves running in the background (codebox starts its next standby process after a block)
 * does not land in the other side's time: blocks from an agent arrive after the model's reply, on an
 * idle machine.
 */
final class Interleaved {

    /** The pause before each timed operation. */
    static final long SETTLE_MILLIS = 30;

    /** One timed operation. */
    @FunctionalInterface
    interface Operation {
        void run() throws Exception;
    }

    /** The samples of both sides, in milliseconds. */
    record Comparison(Samples codebox, Samples baseline) {
    }

    private Interleaved() {
    }

    /** Runs both {@code warmup} times unmeasured, then {@code iterations} times measured. */
    static Comparison compare(int warmup, int iterations, Operation codebox, Operation baseline) throws Exception {
        for (int i = 0; i < warmup; i++) {
            codebox.run();
            baseline.run();
        }
        long[] codeboxNanos = new long[iterations];
        long[] baselineNanos = new long[iterations];
        for (int i = 0; i < iterations; i++) {
            if (i % 2 == 0) {
                codeboxNanos[i] = time(codebox);
                baselineNanos[i] = time(baseline);
            } else {
                baselineNanos[i] = time(baseline);
                codeboxNanos[i] = time(codebox);
            }
        }
        return new Comparison(Samples.ofNanosAsMillis(codeboxNanos), Samples.ofNanosAsMillis(baselineNanos));
    }

    /** The wall-clock time of one run of {@code operation}, in nanoseconds. */
    static long time(Operation operation) throws Exception {
        Thread.sleep(SETTLE_MILLIS);
        return timeBackToBack(operation);
    }

    /**
     * The wall-clock time of one run of {@code operation} without the pause: for a loop that mirrors
     * a baseline timing its own iterations back to back in another process (the Jupyter section).
     */
    static long timeBackToBack(Operation operation) throws Exception {
        long start = System.nanoTime();
        operation.run();
        return System.nanoTime() - start;
    }
}
