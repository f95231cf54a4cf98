package dev.codebox.bench;

import dev.codebox.CodeBlock;
import dev.codebox.docker.DockerCommandLineExecutor;
import dev.codebox.docker.DockerExecutorConfig;
import dev.codebox.docker.RunnerTransport;
import dev.codebox.docker.WorkDirMode;
import dev.codebox.internal.TempDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The Docker executor over the attach stream: a warm block on the local engine and on the
 * remote-like engine of scripts/setup-env.sh (which shares no files with this JVM), the start with
 * its first block there, and copying a 10 MB file in and out against {@code docker cp}. Each
 * against the docker CLI on an equally configured container of the same engine.
 */
final class DockerAnywhereBench implements Bench {

    /** The remote-like engine's API. */
    static final String REMOTE_HOST = "tcp://127.0.0.1:" + System.getenv().getOrDefault("CODEBOX_REMOTE_ENGINE_PORT", "23750");
    private static final CodeBlock PRINT = CodeBlock.python("print(1)");
    private static final Target WARM_TARGET = Target.medianAtMost(20, "ms");
    private static final Target START_TARGET = Target.medianAtMost(400, "ms");
    private static final Target COPY_TARGET = Target.ratioAtMost(2.0);
    private static final int MIN_ROUNDS = 5;
    private static final int FILE_BYTES = 10 << 20;

    /** The remote engine's configuration: AUTO picks the attach stream and a copied work dir. */
    static DockerExecutorConfig remoteConfig() {
        return DockerBench.config().toBuilder().dockerHost(REMOTE_HOST).build();
    }

    @Override
    public String section() {
        return DockerBench.SECTION;
    }

    @Override
    public String title() {
        return "attach stream and remote engine";
    }

    @Override
    public List<Row> run(BenchOptions options) throws Exception {
        Path workDir = TempDirs.create();
        try {
            List<Row> rows = new ArrayList<>();
            rows.add(warmBlock(options, workDir, "warm block print(1), ATTACH + BIND, local engine",
                    DockerBench.config().toBuilder().transport(RunnerTransport.ATTACH).workDirMode(WorkDirMode.BIND).build(),
                    DockerBench.config()));
            rows.add(warmBlock(options, workDir, "warm block print(1), ATTACH + COPY, remote engine", remoteConfig(), remoteConfig()));
            rows.add(DockerBench.startAndFirstBlock(options, workDir, remoteConfig(), "start + first block, remote engine",
                    START_TARGET));
            rows.addAll(copies(options, workDir));
            return rows;
        } finally {
            TempDirs.deleteRecursively(workDir);
        }
    }

    private static Row warmBlock(BenchOptions options, Path workDir, String measurement, DockerExecutorConfig config,
            DockerExecutorConfig baselineConfig) throws Exception {
        try (DockerCommandLineExecutor executor = new DockerCommandLineExecutor(config);
             BaselineContainer container = BaselineContainer.start(baselineConfig, workDir)) {
            executor.start();
            DirectSpawn exec = DockerBench.execPrint(container, workDir);
            Interleaved.Comparison compared = Interleaved.compare(options.warmup(), options.iterations(),
                    () -> Programs.check(executor.execute(PRINT), "1\n"),
                    () -> Programs.checkOutput(exec.run(), "1\n"));
            return Row.latency(DockerBench.SECTION, measurement + " (" + executor.transport() + ", " + executor.workDirMode() + ")",
                    compared.codebox(), "docker exec CLI", compared.baseline(), WARM_TARGET);
        }
    }

    /** copyIn and copyOut of a 10 MB file against {@code docker cp} both ways, on the remote engine. */
    private static List<Row> copies(BenchOptions options, Path workDir) throws Exception {
        byte[] content = new byte[FILE_BYTES];
        new Random(1).nextBytes(content);
        Path source = Files.write(workDir.resolve("in.bin"), content);
        Path back = workDir.resolve("out.bin");
        int rounds = Math.max(MIN_ROUNDS, Math.min(options.iterations(), 20));
        try (DockerCommandLineExecutor executor = new DockerCommandLineExecutor(remoteConfig());
             BaselineContainer container = BaselineContainer.start(remoteConfig(), workDir)) {
            executor.start();
            DirectSpawn cpIn = new DirectSpawn(container.docker("cp", source.toString(), container.name() + ":/tmp/in.bin"), workDir);
            DirectSpawn cpOut = new DirectSpawn(container.docker("cp", container.name() + ":/tmp/in.bin", back.toString()), workDir);
            Interleaved.Comparison in = Interleaved.compare(1, rounds,
                    () -> executor.copyIn(source, "in.bin"), cpIn::run);
            Interleaved.Comparison out = Interleaved.compare(1, rounds,
                    () -> executor.copyOut("in.bin", back), cpOut::run);
            if (Files.mismatch(source, back) != -1) {
                throw new IllegalStateException("the file copied out differs from the one copied in");
            }
            return List.of(
                    Row.latency(DockerBench.SECTION, "copyIn 10 MB, remote engine", in.codebox(), "docker cp in", in.baseline(),
                            COPY_TARGET),
                    Row.latency(DockerBench.SECTION, "copyOut 10 MB, remote engine", out.codebox(), "docker cp out",
                            out.baseline(), COPY_TARGET));
        }
    }
}
