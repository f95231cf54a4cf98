package dev.codebox.bench;

import dev.codebox.CodeBlock;
import dev.codebox.CodeResult;
import dev.codebox.internal.Resources;
import dev.codebox.internal.TempDirs;
import dev.codebox.local.LocalCommandLineExecutor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Per-block latency of the local executor against spawning the same interpreter on a file with the
 * same content directly: {@code print(1)} in Python with the fork server (the default) and without,
 * the floor of a forked block (a bare fork and exit of a warm interpreter), {@code true} in bash,
 * and a batch of Python blocks in one execute call.
 */
final class LocalBench implements Bench {

    static final String SECTION = "local";
    static final String PYTHON_ROW = "python print(1), per block";
    static final String SPAWNED_ROW = "python print(1), per block, --no-fork-server";
    static final String FLOOR_ROW = "floor: fork + exit of a warm python";
    static final String BASH_ROW = "bash true, per block";
    private static final Target TARGET = Target.ratioAtMost(1.15);
    private static final Target FORK_TARGET = Target.ratioAtMost(0.35);
    private static final String FLOOR_SCRIPT = Resources.read(LocalBench.class, "fork_floor.py");
    private static final String BASELINE = "direct spawn";

    @Override
    public String section() {
        return SECTION;
    }

    @Override
    public String title() {
        return "per-block latency";
    }

    @Override
    public List<Row> run(BenchOptions options) throws Exception {
        Path baselineDir = TempDirs.create();
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(Programs.localConfig(options));
             LocalCommandLineExecutor spawning = new LocalCommandLineExecutor(
                     Programs.localConfig(options).toBuilder().pythonForkServer(false).build())) {
            executor.start();
            spawning.start();
            DirectSpawn python = spawn(options.python(), baselineDir, "print(1)", "py");
            DirectSpawn bash = spawn(Programs.onPath("bash"), baselineDir, "true", "bash");
            List<Row> rows = new ArrayList<>();
            CodeBlock print = CodeBlock.python("print(1)");
            Interleaved.Comparison forked = Interleaved.compare(options.warmup(), options.iterations(),
                    () -> Programs.check(executor.execute(print), "1\n"),
                    () -> Programs.checkOutput(python.run(), "1\n"));
            rows.add(Row.latency(SECTION, PYTHON_ROW, forked.codebox(), BASELINE, forked.baseline(), FORK_TARGET));
            rows.add(perBlock(options, SPAWNED_ROW, spawning, print, "1\n", python));
            rows.add(Row.latency(SECTION, FLOOR_ROW, floor(options, baselineDir), BASELINE, forked.baseline(), Target.none()));
            rows.add(perBlock(options, BASH_ROW, executor, CodeBlock.bash("true"), "", bash));
            rows.add(batch(options, executor, python));
            return rows;
        } finally {
            TempDirs.deleteRecursively(baselineDir);
        }
    }

    /** Durations of bare forks of a warm interpreter, in milliseconds. */
    private static Samples floor(BenchOptions options, Path dir) throws Exception {
        Path script = Files.writeString(dir.resolve("fork_floor.py"), FLOOR_SCRIPT, StandardCharsets.UTF_8);
        String output = new DirectSpawn(List.of(options.python().toString(), script.toString(),
                String.valueOf(options.warmup() + options.iterations())), dir).run();
        long[] nanos = output.lines().skip(options.warmup()).mapToLong(Long::parseLong).toArray();
        if (nanos.length == 0) {
            throw new IllegalStateException("the fork floor script printed nothing: " + output);
        }
        return Samples.ofNanosAsMillis(nanos);
    }

    /** A direct spawn of {@code interpreter} on a file holding {@code code}. */
    static DirectSpawn spawn(Path interpreter, Path dir, String code, String extension) throws Exception {
        Path file = Files.writeString(dir.resolve("baseline." + extension), code, StandardCharsets.UTF_8);
        return new DirectSpawn(List.of(interpreter.toString(), file.getFileName().toString()), dir);
    }

    private static Row perBlock(BenchOptions options, String name, LocalCommandLineExecutor executor,
                                CodeBlock block, String expected, DirectSpawn baseline) throws Exception {
        Interleaved.Comparison comparison = Interleaved.compare(options.warmup(), options.iterations(),
                () -> Programs.check(executor.execute(block), expected),
                () -> Programs.checkOutput(baseline.run(), expected));
        return Row.latency(SECTION, name, comparison.codebox(), BASELINE, comparison.baseline(), TARGET);
    }

    /** {@code batchBlocks} python blocks in one call against as many spawns, per block. */
    private static Row batch(BenchOptions options, LocalCommandLineExecutor executor, DirectSpawn baseline) throws Exception {
        int blocks = options.batchBlocks();
        List<CodeBlock> batch = Collections.nCopies(blocks, CodeBlock.python("print(1)"));
        Interleaved.Comparison comparison = Interleaved.compare(1, options.rounds(),
                () -> {
                    CodeResult result = executor.execute(batch);
                    if (result.exitCode() != 0) {
                        throw new IllegalStateException("a batch failed: " + result.output());
                    }
                },
                () -> {
                    for (int i = 0; i < blocks; i++) {
                        Programs.checkOutput(baseline.run(), "1\n");
                    }
                });
        return Row.latency(SECTION, blocks + " python blocks in one run, per block",
                comparison.codebox().dividedBy(blocks), BASELINE, comparison.baseline().dividedBy(blocks), TARGET);
    }
}
