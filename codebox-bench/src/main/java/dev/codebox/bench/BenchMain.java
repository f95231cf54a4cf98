package dev.codebox.bench;

import dev.codebox.docker.DockerCommandLineExecutor;
import dev.codebox.jupyter.JupyterCodeExecutor;
import dev.codebox.local.LocalCommandLineExecutor;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * failed (the table then has a FAILED row saying why), 2 for a usage error.
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
        Report report = run(options);
        System.out.print(options.json() ? report.toJson() + "\n" : report.toText());
        if (!report.rows().stream().allMatch(Row::succeeded)) {
            System.exit(1);
        }
    }

    /**
     * Runs every bench that {@code options} selects, in table order. A bench that fails is reported
     * by a failed row (its stack trace goes to stderr) and the others still run.
     */
    static Report run(BenchOptions options) {
        String loadBefore = loadAverage();
        List<Row> rows = new ArrayList<>();
        for (Bench bench : benches(options)) {
            try {
                rows.addAll(bench.run(options));
            } catch (Exception e) {
                System.err.println("bench: " + bench.section() + " / " + bench.title() + " failed:");
                e.printStackTrace();
                rows.add(Row.failed(bench.section(), bench.title(), e));
            }
        }
        Map<String, String> context = context(options);
        context.put("load average (1, 5, 15 min)", "before " + loadBefore + ", after " + loadAverage());
        return new Report(context, rows);
    }

    /** The benches in table order: local, sandbox, docker, kubernetes, jupyter, mcp, cli, concurrency, memory. */
    private static List<Bench> benches(BenchOptions options) {
        List<Bench> benches = new ArrayList<>();
        if (options.includes("local")) {
            benches.add(new LocalBench());
        }
        if (options.includes("sandbox")) {
            benches.add(new SandboxBench());
        }
        if (options.includes("docker")) {
            benches.add(new DockerBench());
            benches.add(new DockerAnywhereBench());
        }
        if (options.includes("kubernetes")) {
            benches.add(new KubernetesBench());
        }
        if (options.includes("jupyter")) {
            benches.add(new JupyterBench());
        }
        if (options.includes("mcp")) {
            benches.add(new McpBench());
        }
        if (options.includes("cli")) {
            benches.add(new CliBench());
        }
        if (options.includes("local")) {
            benches.add(new ConcurrencyBench());
            benches.add(new MemoryBench("local", () -> new LocalCommandLineExecutor(Programs.localConfig(options))));
        }
        if (options.includes("docker")) {
            benches.add(new MemoryBench("docker", () -> new DockerCommandLineExecutor(DockerBench.config())));
            benches.add(new MemoryBench("docker, remote engine (ATTACH)",
                    () -> new DockerCommandLineExecutor(DockerAnywhereBench.remoteConfig())));
        }
        if (options.includes("jupyter")) {
            benches.add(new MemoryBench("jupyter", () -> JupyterCodeExecutor.local(JupyterBench.config())));
        }
        return benches;
    }

    /** The machine's load averages, which say how noisy the run was. */
    private static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static Map<String, String> context(BenchOptions options) {
        Map<String, String> context = new LinkedHashMap<>();
        context.put("codebox bench, finished", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
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
