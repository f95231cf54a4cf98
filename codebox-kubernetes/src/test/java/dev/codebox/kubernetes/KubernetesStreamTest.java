package dev.codebox.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.CodeBlock;
import dev.codebox.CodeResult;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The one attach stream per pod: a lost stream is attached again while the pod lives. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KubernetesStreamTest {

    private KubernetesCommandLineExecutor executor;

    @AfterEach
    void stop() {
        if (executor != null) {
            executor.stop();
        }
    }

    @Test
    void lostStreamIsAttachedAgainToTheSamePodAndRunner() {
        executor = new KubernetesCommandLineExecutor(TestCluster.config().build());
        executor.start();
        String pod = executor.podName();
        // State that only the same pod keeps: a file outside the mirrored work dir, a process.
        assertEquals(0, executor.execute(CodeBlock.bash("echo here > /tmp/state; (sleep 300 &) ; echo ok")).exitCode());
        executor.pod().connection().close();

        CodeResult after = executor.execute(CodeBlock.bash("cat /tmp/state; pgrep -c sleep"));
        assertEquals(0, after.exitCode(), after.output());
        assertEquals(pod, executor.podName(), "the same pod");
        assertTrue(after.output().startsWith("here\n"), after.output());
    }

    @Test
    void blocksRunConcurrentlyOverTheOneStream() throws Exception {
        executor = new KubernetesCommandLineExecutor(TestCluster.config().build());
        executor.start();
        long begin = System.nanoTime();
        var futures = java.util.stream.IntStream.range(0, 4).mapToObj(i -> java.util.concurrent.CompletableFuture.supplyAsync(
                () -> executor.execute(CodeBlock.python("import time; time.sleep(2); print(" + i + ")")))).toList();
        for (int i = 0; i < futures.size(); i++) {
            assertEquals(i + "\n", futures.get(i).get(60, TimeUnit.SECONDS).output());
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - begin);
        assertTrue(seconds < 7, "four 2 s blocks overlapped: " + seconds + " s");
    }
}
