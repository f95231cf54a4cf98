package dev.codebox.bench;

import dev.codebox.internal.TempDirs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code ./codebox} launcher end to end, as a user runs it: {@code --version} (JVM and CLI
 * start, beside a bare {@code java -version}), and {@code run} of a markdown file of 200
 * {@code print(i)} blocks, with and without the fork server, against 200 direct spawns of the
 * same interpreter. Needs the repository root in the {@code codebox.root} property (bench.sh sets it).
 */
final class CliBench implements Bench {

    static final String SECTION = "cli";
    private static final int BLOCKS = 200;

    @Override
    public String section() {
        return SECTION;
    }

    @Override
    public String title() {
        return "the ./codebox command line";
    }

    @Override
    public List<Row> run(BenchOptions options) throws Exception {
        String root = System.getProperty("codebox.root");
        if (root == null) {
            throw new IllegalStateException("the repository root is unknown: run through scripts/bench.sh");
        }
        Path launcher = Path.of(root, "codebox");
        Path dir = TempDirs.create();
        try {
            DirectSpawn version = new DirectSpawn(List.of(launcher.toString(), "--version"), dir);
            version.run(); // builds the CLI and its class-data archive when they are stale
            DirectSpawn jvm = new DirectSpawn(List.of("java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-version"), dir);
            int starts = Math.max(11, Math.min(options.iterations(), 31));
            Interleaved.Comparison start = Interleaved.compare(2, starts, version::run, jvm::run);
            List<Row> rows = new ArrayList<>();
            rows.add(Row.latency(SECTION, "./codebox --version", start.codebox(), "java -version", start.baseline(),
                    Target.medianAtMost(200, "ms")));

            StringBuilder markdown = new StringBuilder();
            for (int i = 0; i < BLOCKS; i++) {
                markdown.append("```python\nprint(").append(i).append(")\n```\n\n");
            }
            Path file = Files.writeString(dir.resolve("blocks.md"), markdown, StandardCharsets.UTF_8);
            Path script = Files.writeString(dir.resolve("print.py"), "print(1)\n", StandardCharsets.UTF_8);
            DirectSpawn spawn = new DirectSpawn(List.of(options.python().toString(), script.getFileName().toString()), dir);
            Interleaved.Operation spawns = () -> {
                for (int i = 0; i < BLOCKS; i++) {
                    Programs.checkOutput(spawn.run(), "1\n");
                }
            };
            String python = options.python().toString();
            rows.add(cliRun(options, "./codebox run, " + BLOCKS + " print(i) blocks",
                    List.of(launcher.toString(), "run", "--python", python, file.toString()), dir, spawns, 0.5));
            rows.add(cliRun(options, "./codebox run, " + BLOCKS + " print(i) blocks, --no-fork-server",
                    List.of(launcher.toString(), "run", "--no-fork-server", "--python", python, file.toString()), dir, spawns, 1.0));
            return rows;
        } finally {
            TempDirs.deleteRecursively(dir);
        }
    }

    private static Row cliRun(BenchOptions options, String name, List<String> command, Path dir,
                              Interleaved.Operation spawns, double target) throws Exception {
        DirectSpawn cli = new DirectSpawn(command, dir);
        Interleaved.Comparison comparison = Interleaved.compare(1, options.rounds(), () -> {
            String output = cli.run();
            if (!output.contains((BLOCKS - 1) + "\n")) {
                throw new IllegalStateException("the run did not print every block: " + output);
            }
        }, spawns);
        return Row.latency(SECTION, name, comparison.codebox(), BLOCKS + " direct spawns", comparison.baseline(),
                Target.ratioAtMost(target));
    }
}
