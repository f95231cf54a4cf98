package dev.codebox.local;

import dev.codebox.CodeExecutor;
import dev.codebox.conformance.CodeExecutorConformanceTest;
import java.nio.file.Path;
import java.time.Duration;

class LocalConformanceTest extends CodeExecutorConformanceTest {

    @Override
    protected CodeExecutor createExecutor(Duration timeout, int maxOutputBytes) {
        return new LocalCommandLineExecutor(LocalExecutorConfig.builder()
                .timeout(timeout)
                .maxOutputBytes(maxOutputBytes)
                .python(TestPython.path())
                .build());
    }
}
