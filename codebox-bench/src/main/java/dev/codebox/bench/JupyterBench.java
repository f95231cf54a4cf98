package dev.codebox.bench;

import dev.codebox.CodeBlock;
import dev.codebox.jupyter.JupyterCodeExecutor;
import dev.codebox.jupyter.LocalJupyterConfig;
import java.util.Arrays;
import java.util.List;
import java.util.stream.DoubleStream;

/**
 * The local Jupyter executor against jupyter_client on the same kernelspec: the round trip of
 * {@code x += 1} on a warm kernel, and kernel start (launch, connect, kernel_info handshake). The
 * two sides run in alternating passes, since the baseline is a separate Python process, and each
 * times its iterations back to back, as the baseline script does (no settling pause: the passes do
 * not overlap, and a pause on one side only would time its wake-ups from idle and not the other's).
 *
 * <p>A round trip costs the kernel about a millisecond, so the JVM's own state shows: until the JIT
 * has compiled the message path (a few thousand round trips), encoding and decoding cost several
 * times more and the compiler threads compete with the kernel for the CPUs. The targeted row is
 * measured after {@value #JIT_WARMUP_TRIPS} round trips, as in an agent that has been running a
 * while; the first round trips after the JVM started are reported in a row of their own.
 */
final class JupyterBench implements Bench {

    static final String SECTION = "jupyter";
    static final String KERNEL = "python3";
    private static final CodeBlock INCREMENT = CodeBlock.python("x += 1");
    private static final int PASSES = 2;
    private static final int MIN_STARTS_PER_PASS = 2;
    static final int JIT_WARMUP_TRIPS = 3000;
    private static final Target ROUND_TRIP_TARGET = Target.both(Target.medianAtMost(2.0, "ms"), Target.ratioAtMost(0.55));
    private static final Target START_TARGET = Target.ratioAtMost(1.0);

    /** The local Jupyter executor's configuration: the python3 kernelspec, every other default. */
    static LocalJupyterConfig config() {
        return LocalJupyterConfig.builder().kernelName(KERNEL).build();
    }

    @Override
    public String section() {
        return SECTION;
    }

    @Override
    public String title() {
        return "round trip and kernel start";
    }

    @Override
    public List<Row> run(BenchOptions options) throws Exception {
        int iterations = Math.max(1, options.iterations() / PASSES);
        int starts = Math.max(MIN_STARTS_PER_PASS, options.rounds());
        double[] codeboxTrips = new double[0];
        double[] codeboxStarts = new double[0];
        double[] baselineTrips = new double[0];
        double[] baselineStarts = new double[0];
        double[] coldTrips = warmUpTheJit(iterations);
        for (int pass = 0; pass < PASSES; pass++) {
            KernelTimings baseline = JupyterClientLoop.run(options.python(), KERNEL,
                    options.warmup(), iterations, starts);
            baselineTrips = concat(baselineTrips, baseline.roundTripMillis());
            baselineStarts = concat(baselineStarts, baseline.startMillis());
            KernelTimings codebox = codebox(options.warmup(), iterations, starts);
            codeboxTrips = concat(codeboxTrips, codebox.roundTripMillis());
            codeboxStarts = concat(codeboxStarts, codebox.startMillis());
        }
        return List.of(
                Row.latency(SECTION, "x += 1 round trip", Samples.of(codeboxTrips),
                        "jupyter_client", Samples.of(baselineTrips), ROUND_TRIP_TARGET),
                Row.latency(SECTION, "x += 1 round trip, first " + coldTrips.length + " in a new JVM",
                        Samples.of(coldTrips), "jupyter_client", Samples.of(baselineTrips), null),
                Row.latency(SECTION, "kernel start", Samples.of(codeboxStarts),
                        "jupyter_client", Samples.of(baselineStarts), START_TARGET));
    }

    /**
     * Runs {@link #JIT_WARMUP_TRIPS} round trips on one kernel and returns the times of the first
     * {@code measured} of them, taken while the JIT was still compiling.
     */
    private static double[] warmUpTheJit(int measured) throws Exception {
        try (JupyterCodeExecutor executor = JupyterCodeExecutor.local(config())) {
            return Arrays.copyOf(roundTrips(executor, JIT_WARMUP_TRIPS), Math.min(measured, JIT_WARMUP_TRIPS));
        }
    }

    /** The same loop as the baseline script, through codebox. */
    private static KernelTimings codebox(int warmup, int iterations, int starts) throws Exception {
        double[] startMillis = new double[starts];
        double[] tripMillis = new double[0];
        for (int i = 0; i < starts; i++) {
            try (JupyterCodeExecutor executor = JupyterCodeExecutor.local(config())) {
                startMillis[i] = Interleaved.timeBackToBack(executor::start) / 1e6;
                if (i == 0) {
                    tripMillis = Arrays.copyOfRange(roundTrips(executor, warmup + iterations), warmup, warmup + iterations);
                }
            }
        }
        return new KernelTimings(startMillis, tripMillis);
    }

    /** Sets {@code x = 0}, then times {@code count} round trips of {@code x += 1}, in milliseconds. */
    private static double[] roundTrips(JupyterCodeExecutor executor, int count) throws Exception {
        Programs.check(executor.execute(CodeBlock.python("x = 0")), "");
        double[] millis = new double[count];
        for (int i = 0; i < count; i++) {
            millis[i] = Interleaved.timeBackToBack(() -> Programs.check(executor.execute(INCREMENT), "")) / 1e6;
        }
        return millis;
    }

    private static double[] concat(double[] first, double[] second) {
        return DoubleStream.concat(DoubleStream.of(first), DoubleStream.of(second)).toArray();
    }
}
