package dev.codebox.bench;

import dev.codebox.CodeBlock;
import dev.codebox.CodeExecutor;
import dev.codebox.CodeResult;
import java.util.List;
import java.util.function.Supplier;

/**
 * The JVM's peak heap and RSS while one block prints 300 MiB through an executor: the output cap
 * must keep both within tens of MB whatever the code prints.
 */
final class MemoryBench implements Bench {

    static final String SECTION = "memory";
    /** 300 MiB in lines of 1 KiB, written with text I/O so that it runs in every Python executor. */
    static final String PRINT_300_MB = "import sys\n"
            + "line = 'x' * 1023 + '\\n'\n"
            + "for _ in range(300 * 1024):\n"
            + "    sys.stdout.write(line)\n";
    private static final double MB = 1024 * 1024;
    private static final Target TARGET = Target.medianAtMost(64, "MB");

    private final String executorName;
    private final Supplier<CodeExecutor> executors;

    /**
     * @param executorName the executor's name in the table
     * @param executors makes a new, unstarted executor
     */
    MemoryBench(String executorName, Supplier<CodeExecutor> executors) {
        this.executorName = executorName;
        this.executors = executors;
    }

    @Override
    public String section() {
        return SECTION;
    }

    @Override
    public String title() {
        return executorName + ": memory while a block prints 300 MB";
    }

    @Override
    public List<Row> run(BenchOptions options) throws Exception {
        try (CodeExecutor executor = executors.get()) {
            executor.start();
            Programs.check(executor.execute(CodeBlock.python("print(1)")), "1\n");
            MemoryProbe probe = new MemoryProbe();
            CodeResult result;
            try (probe) {
                result = executor.execute(CodeBlock.python(PRINT_300_MB));
            }
            if (result.exitCode() != 0 || !result.output().contains("bytes of output dropped")) {
                throw new IllegalStateException("the 300 MB block did not run as expected: exit " + result.exitCode());
            }
            return List.of(
                    Row.value(SECTION, executorName + ": live heap growth (after GC), 300 MB printed", "MB",
                            (probe.peakLiveHeap() - probe.idleLiveHeap()) / MB, "idle live heap",
                            probe.idleLiveHeap() / MB, TARGET),
                    Row.value(SECTION, executorName + ": heap growth while a block prints 300 MB", "MB",
                            (probe.peakHeap() - probe.idleHeap()) / MB, "idle heap", probe.idleHeap() / MB, TARGET),
                    Row.value(SECTION, executorName + ": RSS growth while a block prints 300 MB", "MB",
                            (probe.peakRss() - probe.idleRss()) / MB, "idle RSS", probe.idleRss() / MB, TARGET));
        }
    }
}
