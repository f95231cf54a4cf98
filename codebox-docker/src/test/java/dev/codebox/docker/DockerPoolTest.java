package dev.codebox.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.model.Container;
import dev.codebox.CodeBlock;
import dev.codebox.CodeExecutorException;
import dev.codebox.PoolSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DockerPoolTest {

    private DockerPool pool;

    @AfterEach
    void closePool() {
        if (pool != null) {
            pool.close();
        }
        assertEquals(List.of(), TestEngine.containersOfThisJvm().stream().map(Container::getNames).collect(Collectors.toList()),
                "nothing left behind");
    }

    private static PoolSettings.Builder settings() {
        return PoolSettings.builder().minReady(2);
    }

    @Test
    void acquireHandsOverReadyContainersOnceEachAndRefills() throws Exception {
        pool = DockerPool.create(TestEngine.config().build(), settings().build());
        awaitTrue(() -> pool.ready() == 2, "the pool fills up");
        Set<String> waiting = ids();
        try (DockerCommandLineExecutor first = pool.acquire(); DockerCommandLineExecutor second = pool.acquire()) {
            assertTrue(waiting.contains(first.containerId()) && waiting.contains(second.containerId()), "ready ones are handed over");
            assertNotEquals(first.containerId(), second.containerId());
            assertNotEquals(first.workDir(), second.workDir());
            assertEquals("hello\n", first.execute(CodeBlock.python("print('hello')")).output());
            awaitTrue(() -> pool.ready() == 2, "the pool refills");
            String used = first.containerId();
            first.close();
            assertTrue(ids().stream().noneMatch(used::equals), "a used container is removed, never handed to another");
        }
    }

    @Test
    void aReadyContainerThatStoppedAnsweringIsRemovedAndTheNextOneHandedOver() throws Exception {
        pool = DockerPool.create(TestEngine.config().build(), settings().build());
        awaitTrue(() -> pool.ready() == 2, "the pool fills up");
        for (String id : ids()) {
            TestEngine.client().removeContainerCmd(id).withForce(true).exec();
        }
        try (DockerCommandLineExecutor executor = pool.acquire()) {
            assertEquals(0, executor.execute(CodeBlock.python("print(1)")).exitCode());
        }
    }

    @Test
    void waitingContainersAreRemovedAfterTheIdleTimeoutAndTheNextAcquireRefills() throws Exception {
        pool = DockerPool.create(TestEngine.config().build(), settings().minReady(1).idleTimeout(Duration.ofSeconds(2)).build());
        awaitTrue(() -> pool.ready() == 1, "the pool fills up");
        awaitTrue(() -> pool.ready() == 0 && ids().isEmpty(), "idle containers are removed");
        try (DockerCommandLineExecutor executor = pool.acquire()) {
            assertEquals(0, executor.execute(CodeBlock.python("print(1)")).exitCode());
            awaitTrue(() -> pool.ready() == 1, "acquiring wakes the pool up");
        }
    }

    @Test
    void closeRemovesWaitingContainersAndLeavesHandedOverOnesToTheirOwners() throws Exception {
        pool = DockerPool.create(TestEngine.config().build(), settings().build());
        awaitTrue(() -> pool.ready() == 2, "the pool fills up");
        try (DockerCommandLineExecutor executor = pool.acquire()) {
            pool.close();
            assertEquals(Set.of(executor.containerId()), ids(), "only the handed-over container is left");
            assertEquals(0, executor.execute(CodeBlock.python("print(1)")).exitCode());
            assertThrows(IllegalStateException.class, pool::acquire);
        }
    }

    @Test
    void maxSizeBoundsTheContainersInUseAndAcquireWaitsForOneToBeRemoved() throws Exception {
        pool = DockerPool.create(TestEngine.config().build(), settings().minReady(1).maxSize(2)
                .acquireTimeout(Duration.ofSeconds(2)).build());
        DockerCommandLineExecutor first = pool.acquire();
        DockerCommandLineExecutor second = pool.acquire();
        try {
            Thread.sleep(500);
            assertEquals(0, pool.ready(), "no container beyond maxSize is started");
            CodeExecutorException e = assertThrows(CodeExecutorException.class, pool::acquire);
            assertEquals(CodeExecutorException.Reason.POOL_EXHAUSTED, e.reason(), e.getMessage());
            first.close();
            DockerCommandLineExecutor third = pool.acquire();
            try {
                assertEquals(0, third.execute(CodeBlock.python("pass")).exitCode());
            } finally {
                third.close();
            }
        } finally {
            first.close();
            second.close();
        }
        assertThrows(IllegalArgumentException.class, () -> PoolSettings.builder().minReady(3).maxSize(2).build());
    }

    @Test
    void badTemplatesAreRefusedAndAnImageThatCannotStartFailsAcquireWithItsReason() {
        assertThrows(IllegalArgumentException.class,
                () -> DockerPool.create(TestEngine.config().workDir(Path.of("/tmp/x")).build(), PoolSettings.defaults()));
        assertThrows(IllegalArgumentException.class,
                () -> DockerPool.create(TestEngine.config().containerName("fixed").build(), PoolSettings.defaults()));
        pool = DockerPool.create(TestEngine.config().image("codebox/no-such-image:1").build(), settings().build());
        CodeExecutorException e = assertThrows(CodeExecutorException.class, pool::acquire);
        assertEquals(CodeExecutorException.Reason.IMAGE_UNAVAILABLE, e.reason(), e.getMessage());
    }

    /** The ids of this JVM's codebox containers. */
    private static Set<String> ids() {
        return TestEngine.containersOfThisJvm().stream().map(Container::getId).collect(Collectors.toSet());
    }

    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting: " + what);
            }
            Thread.sleep(100);
        }
    }
}
