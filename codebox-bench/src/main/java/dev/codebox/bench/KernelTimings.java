package dev.codebox.bench;

/**
 * What one pass of the jupyter section measured, in milliseconds.
 *
 * @param startMillis each kernel start (launch, connect, kernel_info handshake)
 * @param roundTripMillis each timed {@code x += 1} round trip on a warm kernel
 */
record KernelTimings(double[] startMillis, double[] roundTripMillis) {
}
