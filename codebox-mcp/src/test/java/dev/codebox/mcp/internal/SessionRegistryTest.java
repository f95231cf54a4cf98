package dev.codebox.mcp.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.CancellationToken;
import dev.codebox.CodeBlock;
import dev.codebox.CodeResult;
import dev.codebox.OutputListener;
import dev.codebox.mcp.ExecutorProvider;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The idle sweep against an executor whose stop is slow (a pod's deletion). */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SessionRegistryTest {

    @TempDir
    Path temp;

    /** An executor whose stop takes 3 s. */
    private static final class SlowToStop implements dev.codebox.CodeExecutor {
        final CountDownLatch stopping = new CountDownLatch(1);
        volatile boolean stopped;

        @Override
        public CodeResult execute(List<CodeBlock> blocks, CancellationToken token, OutputListener listener) {
            throw new UnsupportedOperationException("not run here");
        }

        @Override
        public void start() {
        }

        @Override
        public void stop() {
            stopping.countDown();
            try {
                Thread.sleep(3000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            stopped = true;
        }
    }

    @Test
    void aSlowCloseOfAnIdleSessionDoesNotHoldUpTheTimer() throws Exception {
        SlowToStop executor = new SlowToStop();
        ExecutorProvider provider = new OneExecutorProvider("slow", workDir -> executor);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try {
            SessionRegistry registry = new SessionRegistry(provider, new Limits(4, Duration.ofMillis(500), 4,
                    Duration.ofSeconds(1), 1024, 1024, 1024, Duration.ofSeconds(60)), temp, timer);
            registry.create("owner", Optional.empty(), Optional.empty());
            assertTrue(executor.stopping.await(10, TimeUnit.SECONDS), "the idle session is closed");
            long start = System.nanoTime();
            timer.schedule(() -> { }, 0, TimeUnit.MILLISECONDS).get(10, TimeUnit.SECONDS);
            assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(1000),
                    "the timer (every client's deadlines) waited for the close");
            registry.close();
            assertTrue(executor.stopped, "close() waits for the sessions still closing");
        } finally {
            timer.shutdownNow();
        }
    }
}
