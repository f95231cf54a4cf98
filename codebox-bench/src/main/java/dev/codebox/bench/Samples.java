package dev.codebox.bench;

import java.util.Arrays;

/**
 * Measured values of one quantity (latencies in milliseconds, rates in blocks per second, sizes in
 * MB), summarised by their median and 90th percentile (nearest rank).
 */
final class Samples {

    private final double[] sorted;

    private Samples(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
        sorted = values.clone();
        Arrays.sort(sorted);
    }

    /** Samples of the given values. */
    static Samples of(double... values) {
        return new Samples(values);
    }

    /** Durations measured in nanoseconds, as milliseconds. */
    static Samples ofNanosAsMillis(long[] nanos) {
        return new Samples(Arrays.stream(nanos).mapToDouble(n -> n / 1e6).toArray());
    }

    /** Every sample divided by {@code divisor}, for example a batch's time per block. */
    Samples dividedBy(double divisor) {
        return new Samples(Arrays.stream(sorted).map(v -> v / divisor).toArray());
    }

    double median() {
        return percentile(50);
    }

    double p90() {
        return percentile(90);
    }

    int count() {
        return sorted.length;
    }

    /** The smallest sample at or above which {@code percent}% of the samples lie (nearest rank). */
    double percentile(int percent) {
        int rank = (int) Math.ceil(percent / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }
}
