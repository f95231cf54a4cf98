package dev.codebox.bench;

import dev.codebox.CodeBlock;
import dev.codebox.internal.TempDirs;
import dev.codebox.local.LocalCommandLineExecutor;
import dev.codebox.local.LocalExecutorConfig;
import dev.codebox.local.SandboxPolicy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Per-block latency of the sandboxed local executor against a direct {@code bwrap … interpreter}
 * spawn with the same namespaces and mounts (the target), and against the local executor without
 * the sandbox (what the sandbox costs).
 */
final class SandboxBench implements Bench {

    static final String SECTION = "sandbox";
    private static final Target TARGET = Target.ratioAtMost(1.15);
    private static final String BASELINE = "direct bwrap spawn";

    @Override
    public String section() {
        return SECTION;
    }

    @Override
    public String title() {
        return "per-block latency in the bubblewrap sandbox";
    }

    @Override
    public List<Row> run(BenchOptions options) throws Exception {
        Path baselineDir = TempDirs.create();
        LocalExecutorConfig plain = Programs.localConfig(options);
        try (LocalCommandLineExecutor sandboxed = new LocalCommandLineExecutor(
                     plain.toBuilder().sandbox(SandboxPolicy.defaults()).build());
             LocalCommandLineExecutor unsandboxed = new LocalCommandLineExecutor(plain)) {
            sandboxed.start();
            unsandboxed.start();
            List<Row> rows = new ArrayList<>();
            rows.add(perBlock(options, "python print(1), per block", sandboxed, CodeBlock.python("print(1)"), "1\n",
                    bwrap(options.python(), baselineDir, "print(1)", "py"), BASELINE, TARGET));
            rows.add(perBlock(options, "bash true, per block", sandboxed, CodeBlock.bash("true"), "",
                    bwrap(Programs.onPath("bash"), baselineDir, "true", "bash"), BASELINE, TARGET));
            CodeBlock python = CodeBlock.python("print(1)");
            Interleaved.Comparison cost = Interleaved.compare(options.warmup(), options.iterations(),
                    () -> Programs.check(sandboxed.execute(python), "1\n"),
                    () -> Programs.check(unsandboxed.execute(python), "1\n"));
            rows.add(Row.latency(SECTION, "python print(1), sandbox against none", cost.codebox(),
                    "local executor without sandbox", cost.baseline(), Target.none()));
            return rows;
        } finally {
            TempDirs.deleteRecursively(baselineDir);
        }
    }

    /** {@code interpreter} on a file holding {@code code}, in a bwrap sandbox like the executor's. */
    private static DirectSpawn bwrap(Path interpreter, Path dir, String code, String extension) throws Exception {
        Path file = Files.writeString(dir.resolve("baseline." + extension), code, StandardCharsets.UTF_8);
        List<String> argv = new ArrayList<>(List.of("bwrap", "--unshare-all", "--die-with-parent", "--new-session",
                "--ro-bind", "/usr", "/usr"));
        for (String system : List.of("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")) {
            Path path = Path.of(system);
            if (Files.isSymbolicLink(path)) {
                argv.addAll(List.of("--symlink", Files.readSymbolicLink(path).toString(), system));
            } else if (Files.isDirectory(path)) {
                argv.addAll(List.of("--ro-bind", system, system));
            }
        }
        argv.addAll(List.of("--ro-bind", "/etc", "/etc", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
                "--bind", dir.toString(), dir.toString(), "--chdir", dir.toString(), "--",
                interpreter.toString(), file.getFileName().toString()));
        return new DirectSpawn(argv, dir);
    }

    private static Row perBlock(BenchOptions options, String name, LocalCommandLineExecutor executor, CodeBlock block,
            String expected, DirectSpawn baseline, String baselineName, Target target) throws Exception {
        Interleaved.Comparison comparison = Interleaved.compare(options.warmup(), options.iterations(),
                () -> Programs.check(executor.execute(block), expected),
                () -> Programs.checkOutput(baseline.run(), expected));
        return Row.latency(SECTION, name, comparison.codebox(), baselineName, comparison.baseline(), target);
    }
}
