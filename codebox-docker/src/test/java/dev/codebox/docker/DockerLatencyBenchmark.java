package dev.codebox.docker;

import dev.codebox.CodeBlock;
import dev.codebox.CodeResult;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Measures the Docker executor on this machine: container start, warm block latency (median and
 * p90), the time a timed-out block takes to return, and {@code docker exec … python3 -c 'print(1)'}
 * for comparison. Not a test: excluded from the build; run it with
 * {@code mvn -o -pl codebox-docker test -Dtest=DockerLatencyBenchmark -Dcodebox.excludedGroups=none}
 * and read the figures in target/surefire-reports/dev.codebox.docker.DockerLatencyBenchmark-output.txt,
 * or run {@link #main} directly.
 */
@Tag("benchmark")
class DockerLatencyBenchmark {

    private static final int STARTS = 10;
    private static final int BLOCKS = 300;
    private static final int DOCKER_EXECS = 30;

    @Test
    void measure() throws Exception {
        main(new String[0]);
    }

    public static void main(String[] args) throws Exception {
        DockerExecutorConfig config = TestEngine.config().timeout(Duration.ofSeconds(1)).build();
        List<Double> starts = new ArrayList<>();
        for (int i = 0; i < STARTS; i++) {
            try (DockerCommandLineExecutor executor = new DockerCommandLineExecutor(config)) {
                long t0 = System.nanoTime();
                executor.start();
                starts.add(millisSince(t0));
            }
        }
        try (DockerCommandLineExecutor executor = new DockerCommandLineExecutor(config)) {
            executor.start();
            CodeBlock print = CodeBlock.python("print(1)");
            for (int i = 0; i < 20; i++) {
                executor.execute(print);
            }
            List<Double> blocks = new ArrayList<>();
            for (int i = 0; i < BLOCKS; i++) {
                long t0 = System.nanoTime();
                CodeResult result = executor.execute(print);
                blocks.add(millisSince(t0));
                if (!result.output().equals("1\n")) {
                    throw new IllegalStateException("unexpected output " + result.output());
                }
            }
            List<Double> timeouts = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                long t0 = System.nanoTime();
                executor.execute(CodeBlock.python("import time\ntime.sleep(60)"));
                timeouts.add(millisSince(t0) - 1000);
            }
            List<Double> execs = new ArrayList<>();
            for (int i = 0; i < DOCKER_EXECS; i++) {
                long t0 = System.nanoTime();
                dockerExec(executor.containerName());
                execs.add(millisSince(t0));
            }
            System.out.printf("container start (start() incl. engine connect, create, start, runner ready), %d runs: median %.0f ms, p90 %.0f ms%n",
                    STARTS, percentile(starts, 50), percentile(starts, 90));
            System.out.printf("warm block print(1), %d runs: median %.1f ms, p90 %.1f ms, min %.1f ms%n",
                    BLOCKS, percentile(blocks, 50), percentile(blocks, 90), percentile(blocks, 0));
            System.out.printf("timeout 1 s: returned %.0f ms after the timeout (median of 5), max %.0f ms%n",
                    percentile(timeouts, 50), percentile(timeouts, 100));
            System.out.printf("docker exec <container> python3 -c 'print(1)', %d runs: median %.0f ms, p90 %.0f ms%n",
                    DOCKER_EXECS, percentile(execs, 50), percentile(execs, 90));
        }
    }

    private static void dockerExec(String container) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("docker", "exec", container, "python3", "-c", "print(1)")
                .redirectErrorStream(true).start();
        process.getInputStream().readAllBytes();
        if (process.waitFor() != 0) {
            throw new IllegalStateException("docker exec failed");
        }
    }

    private static double millisSince(long t0) {
        return (System.nanoTime() - t0) / 1e6;
    }

    private static double percentile(List<Double> values, int percent) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int index = (int) Math.ceil(percent / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }
}
