package dev.codebox.tck;

import dev.codebox.local.LocalExecutorConfig;
import dev.codebox.local.SandboxPolicy;
import dev.codebox.testing.TestEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;

/** The whole kit with every block in the local bubblewrap sandbox. */
class LocalSandboxConformanceTest extends LocalConformanceTest {

    @BeforeAll
    static void bwrapIsInstalled() {
        TestEnvironment.require(Files.isExecutable(Path.of("/usr/bin/bwrap")), "bubblewrap (apt-get install bubblewrap)");
    }

    @Override
    protected LocalExecutorConfig.Builder configure(LocalExecutorConfig.Builder builder) {
        return builder.sandbox(SandboxPolicy.defaults());
    }
}
