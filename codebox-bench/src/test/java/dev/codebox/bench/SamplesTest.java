package dev.codebox.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SamplesTest {

    @Test
    void medianAndP90AreNearestRank() {
        Samples samples = Samples.of(10, 1, 9, 2, 8, 3, 7, 4, 6, 5);
        assertEquals(5, samples.median());
        assertEquals(9, samples.p90());
        assertEquals(1, samples.percentile(10));
    }

    @Test
    void nanosBecomeMillisAndBatchesDivide() {
        Samples samples = Samples.ofNanosAsMillis(new long[] {2_000_000, 4_000_000, 6_000_000});
        assertEquals(4.0, samples.median());
        assertEquals(2.0, samples.dividedBy(2).median());
    }
}
