package dev.codebox.tck;

import dev.codebox.CodeExecutor;
import dev.codebox.local.LocalCommandLineExecutor;
import dev.codebox.local.LocalExecutorConfig;
import dev.codebox.testing.TestPython;
import java.time.Duration;

/** The kit on the local executor, the reference backend. */
class LocalConformanceTest extends CommandLineExecutorTck {

    @Override
    protected CodeExecutor createExecutor(Duration timeout, int maxOutputBytes) {
        return new LocalCommandLineExecutor(configure(LocalExecutorConfig.builder()
                .timeout(timeout)
                .maxOutputBytes(maxOutputBytes)
                .python(TestPython.path()))
                .build());
    }

    /** The configuration under test, for subclasses that add to it. */
    protected LocalExecutorConfig.Builder configure(LocalExecutorConfig.Builder builder) {
        return builder;
    }
}
