package dev.codebox.tck;

import dev.codebox.CodeExecutor;
import dev.codebox.local.LocalCommandLineExecutor;
import dev.codebox.local.LocalExecutorConfig;
import dev.codebox.testing.TestPython;
import java.time.Duration;

class LocalConformanceTest extends CodeExecutorTck {

    @Override
    protected CodeExecutor createExecutor(Duration timeout, int maxOutputBytes) {
        return new LocalCommandLineExecutor(LocalExecutorConfig.builder()
                .timeout(timeout)
                .maxOutputBytes(maxOutputBytes)
                .python(TestPython.path())
                .build());
    }
}
