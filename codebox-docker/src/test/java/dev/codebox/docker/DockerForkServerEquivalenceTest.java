package dev.codebox.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.CodeBlock;
import dev.codebox.testing.ForkEquivalence;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * The scripts of {@link ForkEquivalence} in containers, with and without the runner's fork server:
 * one container each for all the cases (each case's files have names of their own).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DockerForkServerEquivalenceTest {

    /** Prints whether the block's parent is a fork server (a function name only forkserver.py has). */
    static final String PARENT_IS_FORK_SERVER =
            "import os\nprint(b'_await_block' in open('/proc/%d/cmdline' % os.getppid(), 'rb').read())";

    private DockerCommandLineExecutor spawning;
    private DockerCommandLineExecutor forking;

    @BeforeAll
    void start() {
        spawning = new DockerCommandLineExecutor(TestEngine.config().pythonForkServer(false).build());
        forking = new DockerCommandLineExecutor(TestEngine.config().build());
        spawning.start();
        forking.start();
        // The runner starts its fork server in the background: the cases must all be forked.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!forking.execute(CodeBlock.python(PARENT_IS_FORK_SERVER)).output().equals("True\n")) {
            assertTrue(System.nanoTime() < deadline, "the runner's fork server did not come up");
        }
        assertEquals("False\n", spawning.execute(CodeBlock.python(PARENT_IS_FORK_SERVER)).output());
    }

    @AfterAll
    void stop() {
        if (spawning != null) {
            spawning.close();
        }
        if (forking != null) {
            forking.close();
        }
    }

    /**
     * The runner's session thread keeps off the fork server's CPU once it hands blocks over, and the
     * workers it starts then must not pass that on to the blocks they spawn: blocks started side by
     * side (new workers, started by that thread) get every CPU, as without a fork server.
     */
    @Test
    void blocksSpawnedBesideForkedOnesGetEveryCpu() {
        CodeBlock cpus = new CodeBlock("sh", "sleep 0.5; grep Cpus_allowed_list /proc/self/status");
        String expected = spawning.execute(cpus).output();
        assertTrue(expected.startsWith("Cpus_allowed_list"), expected);
        assertEquals("True\n", forking.execute(CodeBlock.python(PARENT_IS_FORK_SERVER)).output());
        List<CompletableFuture<String>> sideBySide = Stream.generate(() -> CompletableFuture.supplyAsync(
                () -> forking.execute(cpus).output())).limit(4).toList();
        for (CompletableFuture<String> block : sideBySide) {
            assertEquals(expected, block.join());
        }
    }

    @TestFactory
    Stream<DynamicTest> sameResultsWithAndWithoutTheForkServer() {
        return ForkEquivalence.cases().stream().map(file -> DynamicTest.dynamicTest(file, () -> {
            List<CodeBlock> blocks = ForkEquivalence.blocks(file);
            ForkEquivalence.assertEquivalent(file, ForkEquivalence.run(spawning, blocks, DockerExecutorConfig.CONTAINER_WORK_DIR),
                    ForkEquivalence.run(forking, blocks, DockerExecutorConfig.CONTAINER_WORK_DIR));
        }));
    }
}
