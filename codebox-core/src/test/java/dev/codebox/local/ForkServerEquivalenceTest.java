package dev.codebox.local;

import dev.codebox.CodeBlock;
import dev.codebox.testing.ForkEquivalence;
import dev.codebox.testing.TestPython;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The scripts of {@link ForkEquivalence} with and without the local fork server, each on fresh
 * executors, with buffered standard streams.
 */
class ForkServerEquivalenceTest {

    @TestFactory
    Stream<DynamicTest> sameResultsWithAndWithoutTheForkServer() {
        return ForkEquivalence.cases().stream().map(file -> DynamicTest.dynamicTest(file, () -> {
            List<CodeBlock> blocks = ForkEquivalence.blocks(file);
            ForkEquivalence.assertEquivalent(file, run(blocks, false), run(blocks, true));
        }));
    }

    private static List<String> run(List<CodeBlock> blocks, boolean forkServer) {
        // Buffered standard streams, as without PYTHONUNBUFFERED (which this machine may set): flush order shows.
        LocalExecutorConfig config = LocalExecutorConfig.builder().python(TestPython.path()).pythonForkServer(forkServer)
                .environment("PYTHONUNBUFFERED", "").build();
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(config)) {
            executor.start();
            return ForkEquivalence.run(executor, blocks, executor.workDir().toString());
        }
    }
}
