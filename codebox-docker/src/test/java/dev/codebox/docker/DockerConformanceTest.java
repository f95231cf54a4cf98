package dev.codebox.docker;

import dev.codebox.CodeExecutor;
import dev.codebox.tck.CommandLineExecutorTck;
import java.time.Duration;

class DockerConformanceTest extends CommandLineExecutorTck {

    @Override
    protected CodeExecutor createExecutor(Duration timeout, int maxOutputBytes) {
        return new DockerCommandLineExecutor(TestEngine.config()
                .timeout(timeout)
                .maxOutputBytes(maxOutputBytes)
                .build());
    }
}
