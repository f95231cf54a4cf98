package dev.codebox.bench;

import dev.codebox.CodeBlock;
import dev.codebox.internal.TempDirs;
import dev.codebox.local.LocalCommandLineExecutor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Blocks per second when several threads run {@code print(1)} blocks at once: on one shared local
 * executor with 1, 2 and 8 threads, and on 8 executors with a thread each, against as many threads
 * spawning the interpreter directly.
 */
final class ConcurrencyBench implements Bench {

    static final String SECTION = "concurrency";
    private static final CodeBlock BLOCK = CodeBlock.python("print(1)");

    @Override
    public String section() {
        return SECTION;
    }

    @Override
    public String title() {
        return "blocks per second";
    }

    @Override
    public List<Row> run(BenchOptions options) throws Exception {
        Path baselineDir = TempDirs.create();
        List<LocalCommandLineExecutor> executors = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                LocalCommandLineExecutor executor = new LocalCommandLineExecutor(Programs.localConfig(options));
                executors.add(executor);
                executor.start();
            }
            DirectSpawn baseline = LocalBench.spawn(options.python(), baselineDir, "print(1)", "py");
            LocalCommandLineExecutor shared = executors.get(0);
            List<Row> rows = new ArrayList<>();
            for (int threads : new int[] {1, 2, 8}) {
                Row row = measure(options, threads, threads + (threads == 1 ? " thread" : " threads") + ", one executor",
                        t -> () -> Programs.check(shared.execute(BLOCK), "1\n"), baseline);
                // Forked blocks: one executor on 8 threads runs at least twice as many blocks as 8 spawning threads.
                rows.add(threads == 8 ? row.withTarget(Target.ratioAtMost(0.5)) : row);
            }
            rows.add(measure(options, 8, "8 threads, 8 executors",
                    t -> () -> Programs.check(executors.get(t).execute(BLOCK), "1\n"), baseline));
            return rows;
        } finally {
            executors.forEach(LocalCommandLineExecutor::stop);
            TempDirs.deleteRecursively(baselineDir);
        }
    }

    private static Row measure(BenchOptions options, int threads, String name,
                               IntFunction<Interleaved.Operation> codebox,
                               DirectSpawn baseline) throws Exception {
        return throughput(options, SECTION, threads, name, codebox, t -> baseline::run,
                "direct spawn, " + threads + (threads == 1 ? " thread" : " threads"));
    }

    /**
     * Blocks per second of {@code codebox} and {@code baseline} on {@code threads} threads, in
     * alternating rounds after one warm-up round each.
     */
    static Row throughput(BenchOptions options, String section, int threads, String name,
                          IntFunction<Interleaved.Operation> codebox, IntFunction<Interleaved.Operation> baseline,
                          String baselineName) throws Exception {
        int perThread = Math.max(1, options.iterations() / threads);
        double[] codeboxRates = new double[options.rounds()];
        double[] baselineRates = new double[options.rounds()];
        try (Parallel parallel = new Parallel(threads)) {
            parallel.rate(1, codebox);
            parallel.rate(1, baseline);
            for (int round = 0; round < options.rounds(); round++) {
                if (round % 2 == 0) {
                    codeboxRates[round] = parallel.rate(perThread, codebox);
                    baselineRates[round] = parallel.rate(perThread, baseline);
                } else {
                    baselineRates[round] = parallel.rate(perThread, baseline);
                    codeboxRates[round] = parallel.rate(perThread, codebox);
                }
            }
        }
        return Row.throughput(section, name, Samples.of(codeboxRates), baselineName, Samples.of(baselineRates), null);
    }
}
