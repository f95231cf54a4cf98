package dev.codebox.bench;

import dev.codebox.local.LocalCommandLineExecutor;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Measures codebox against the fastest baselines, side by side in one run, and prints one table
 * (or one JSON object with {@code --json}). Run it with {@code scripts/bench.sh}.
 *
 * <p>Exit status: 0 when every measurement ran (whether or not targets were met), 1 when one
 * failed, 2 for a usage error.
 */
public final class BenchMain {

    private BenchMain() {
    }

    public static void main(String[] args) {
        BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("bench: " + e.getMessage());
            System.err.println(BenchOptions.USAGE);
            System.exit(2);
            return;
        }
        try {
            Report report = run(options);
            System.out.print(options.json() ? report.toJson() + "\n" : report.toText());
        } catch (Exception e) {
            System.err.println("bench: a measurement failed: " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    /** Runs every bench that {@code options} selects, in table order. */
    static Report run(BenchOptions options) throws Exception {
        List<Row> rows = new ArrayList<>();
        for (Bench bench : benches(options)) {
            rows.addAll(bench.run(options));
        }
        return new Report(context(options), rows);
    }

    private static List<Bench> benches(BenchOptions options) {
        List<Bench> benches = new ArrayList<>();
        if (options.includes("local")) {
            benches.add(new LocalBench());
            benches.add(new ConcurrencyBench());
            benches.add(new MemoryBench("local", () -> new LocalCommandLineExecutor(Programs.localConfig(options))));
        }
        return benches;
    }

    private static Map<String, String> context(BenchOptions options) {
        Map<String, String> context = new LinkedHashMap<>();
        context.put("codebox bench", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        context.put("machine", Runtime.getRuntime().availableProcessors() + " cores, "
                + System.getProperty("os.name") + " " + System.getProperty("os.version"));
        context.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version")
                + " " + String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
        context.put("python", options.python().toString());
        context.put("iterations", options.iterations() + " measured after " + options.warmup()
                + " warm-up; " + options.rounds() + " rounds of batches, concurrency runs and starts");
        return context;
    }
}
