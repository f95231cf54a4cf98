package dev.codebox.bench;

import dev.codebox.CodeBlock;
import dev.codebox.PoolSettings;
import dev.codebox.docker.DockerCommandLineExecutor;
import dev.codebox.docker.DockerExecutorConfig;
import dev.codebox.docker.DockerPool;
import dev.codebox.internal.TempDirs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Docker executor against the docker CLI on an equally configured container: a warm
 * {@code print(1)} block against {@code docker exec <container> python3 -c 'print(1)'}, starting
 * the executor with its first block against {@code docker run -d} plus one such exec, and taking a
 * started executor from a {@link DockerPool} with its first block.
 */
final class DockerBench implements Bench {

    static final String SECTION = "docker";
    /** The image scripts/setup-env.sh builds from Debian's packages. */
    static final String IMAGE = "codebox/python:3";
    private static final CodeBlock PRINT = CodeBlock.python("print(1)");
    /** AutoGen's warm block here is 56 ms; the target is 0.45 × that. */
    private static final Target WARM_TARGET = Target.medianAtMost(25, "ms");
    /** With the fork server (issue 15). */
    private static final Target FORKED_WARM_TARGET = Target.medianAtMost(5, "ms");
    /** AutoGen's start plus first block here. */
    private static final Target START_TARGET = Target.medianAtMost(389, "ms");
    private static final int MIN_STARTS = 5;

    /** The executor configuration both the bench and its baseline container follow. */
    static DockerExecutorConfig config() {
        return DockerExecutorConfig.builder().image(IMAGE).build();
    }

    @Override
    public String section() {
        return SECTION;
    }

    @Override
    public String title() {
        return "warm block and start";
    }

    @Override
    public List<Row> run(BenchOptions options) throws Exception {
        Path workDir = TempDirs.create();
        try {
            List<Row> rows = new ArrayList<>(warmBlocks(options, workDir));
            rows.add(startAndFirstBlock(options, workDir));
            rows.add(poolAcquire(options, workDir));
            return rows;
        } finally {
            TempDirs.deleteRecursively(workDir);
        }
    }

    /**
     * A warm block with the runner's fork server (the default; target ≤ 5 ms) and without it (the
     * older ≤ 25 ms target), each against {@code docker exec}.
     */
    private static List<Row> warmBlocks(BenchOptions options, Path workDir) throws Exception {
        try (DockerCommandLineExecutor forking = new DockerCommandLineExecutor(config());
             DockerCommandLineExecutor spawning = new DockerCommandLineExecutor(config().toBuilder().pythonForkServer(false).build());
             BaselineContainer container = BaselineContainer.start(config(), workDir)) {
            forking.start();
            spawning.start();
            DirectSpawn exec = execPrint(container, workDir);
            Interleaved.Comparison forked = Interleaved.compare(options.warmup(), options.iterations(),
                    () -> Programs.check(forking.execute(PRINT), "1\n"),
                    () -> Programs.checkOutput(exec.run(), "1\n"));
            Interleaved.Comparison spawned = Interleaved.compare(options.warmup(), options.iterations(),
                    () -> Programs.check(spawning.execute(PRINT), "1\n"),
                    () -> Programs.checkOutput(exec.run(), "1\n"));
            return List.of(
                    Row.latency(SECTION, "warm block print(1)", forked.codebox(), "docker exec CLI", forked.baseline(),
                            FORKED_WARM_TARGET),
                    Row.latency(SECTION, "warm block print(1), --no-fork-server", spawned.codebox(), "docker exec CLI",
                            spawned.baseline(), WARM_TARGET));
        }
    }

    private static Row startAndFirstBlock(BenchOptions options, Path workDir) throws Exception {
        return startAndFirstBlock(options, workDir, config(), "start + first block", START_TARGET);
    }

    /** Starting an executor of {@code config} with its first block against {@code docker run -d} plus one exec. */
    static Row startAndFirstBlock(BenchOptions options, Path workDir, DockerExecutorConfig config, String measurement,
            Target target) throws Exception {
        int starts = Math.max(MIN_STARTS, options.rounds());
        long[] codebox = new long[starts];
        long[] baseline = new long[starts];
        for (int i = 0; i < starts; i++) {
            try (DockerCommandLineExecutor executor = new DockerCommandLineExecutor(config)) {
                codebox[i] = Interleaved.time(() -> {
                    executor.start();
                    Programs.check(executor.execute(PRINT), "1\n");
                });
            }
            BaselineContainer[] started = new BaselineContainer[1];
            try {
                baseline[i] = Interleaved.time(() -> {
                    started[0] = BaselineContainer.start(config, workDir);
                    Programs.checkOutput(execPrint(started[0], workDir).run(), "1\n");
                });
            } finally {
                if (started[0] != null) {
                    started[0].close();
                }
            }
        }
        return Row.latency(SECTION, measurement, Samples.ofNanosAsMillis(codebox),
                "docker run -d + exec", Samples.ofNanosAsMillis(baseline), target);
    }

    /**
     * {@link DockerPool#acquire()} with a container ready (the pool refills between rounds, untimed)
     * against {@code start()} of an executor without a pool.
     */
    private static Row poolAcquire(BenchOptions options, Path workDir) throws Exception {
        int acquires = Math.max(MIN_STARTS, Math.min(options.iterations(), 20));
        long[] acquired = new long[acquires];
        long[] unpooled = new long[acquires];
        try (DockerPool pool = DockerPool.create(config(), PoolSettings.builder().minReady(1).build())) {
            for (int i = 0; i < acquires; i++) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (pool.ready() < 1 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                DockerCommandLineExecutor[] executor = new DockerCommandLineExecutor[1];
                acquired[i] = Interleaved.time(() -> executor[0] = pool.acquire());
                Programs.check(executor[0].execute(PRINT), "1\n");
                executor[0].close();
                try (DockerCommandLineExecutor fresh = new DockerCommandLineExecutor(config())) {
                    unpooled[i] = Interleaved.time(fresh::start);
                }
            }
        }
        return Row.latency(SECTION, "pool acquire (a started executor)", Samples.ofNanosAsMillis(acquired),
                "executor start, no pool", Samples.ofNanosAsMillis(unpooled), Target.medianAtMost(20, "ms"));
    }

    static DirectSpawn execPrint(BaselineContainer container, Path workDir) {
        return new DirectSpawn(container.docker("exec", container.name(), "python3", "-c", "print(1)"), workDir);
    }
}
