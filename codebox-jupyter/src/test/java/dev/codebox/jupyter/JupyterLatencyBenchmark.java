package dev.codebox.jupyter;

import dev.codebox.CodeBlock;
import dev.codebox.CodeResult;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;

/**
 * Measures kernel start (start() until the kernel answers) and the warm round trip of {@code x += 1}
 * on a local python3 kernel, and the JVM's CPU time per round trip. A main class, not a test: run it
 * with the module's test class path, e.g. {@code java -cp <test-classes:classes:deps>
 * dev.codebox.jupyter.JupyterLatencyBenchmark 5 2000}. Arguments: kernel starts, round trips.
 */
public final class JupyterLatencyBenchmark {

    private JupyterLatencyBenchmark() {
    }

    public static void main(String[] args) {
        int starts = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int trips = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
        long[] startNanos = new long[starts];
        for (int i = 0; i < starts; i++) {
            try (JupyterCodeExecutor executor = JupyterCodeExecutor.local(TestKernels.python().build())) {
                long begin = System.nanoTime();
                executor.start();
                startNanos[i] = System.nanoTime() - begin;
            }
        }
        report("kernel start", startNanos);
        try (JupyterCodeExecutor executor = JupyterCodeExecutor.local(TestKernels.python().build())) {
            executor.execute(CodeBlock.python("x = 0"));
            List<CodeBlock> increment = List.of(CodeBlock.python("x += 1"));
            for (int i = 0; i < 1000; i++) {
                executor.execute(increment); // warm-up: JIT and kernel caches
            }
            long[] tripNanos = new long[trips];
            long cpuBefore = processCpuNanos();
            for (int i = 0; i < trips; i++) {
                long begin = System.nanoTime();
                CodeResult result = executor.execute(increment);
                tripNanos[i] = System.nanoTime() - begin;
                if (!result.succeeded()) {
                    throw new IllegalStateException(result.output());
                }
            }
            long cpu = processCpuNanos() - cpuBefore;
            report("x += 1 round trip", tripNanos);
            // CPU the JVM spent per round trip (all threads): the client's own cost, whatever the load.
            System.out.printf("client CPU per round trip: %.3f ms%n", cpu / 1e6 / trips);
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static void report(String what, long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        System.out.printf("%s: n=%d median %.3f ms, p90 %.3f ms, min %.3f ms, max %.3f ms%n", what, sorted.length,
                sorted[sorted.length / 2] / 1e6, sorted[(int) (sorted.length * 0.9)] / 1e6, sorted[0] / 1e6,
                sorted[sorted.length - 1] / 1e6);
    }
}
