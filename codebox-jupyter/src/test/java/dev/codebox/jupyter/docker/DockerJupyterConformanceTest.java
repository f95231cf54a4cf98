package dev.codebox.jupyter.docker;

import dev.codebox.CodeExecutor;
import dev.codebox.conformance.CodeExecutorConformanceTest;
import dev.codebox.jupyter.JupyterCodeExecutor;
import java.time.Duration;

class DockerJupyterConformanceTest extends CodeExecutorConformanceTest {

    @Override
    protected CodeExecutor createExecutor(Duration timeout, int maxOutputBytes) {
        return JupyterCodeExecutor.docker(TestDockerJupyter.config().timeout(timeout).maxOutputBytes(maxOutputBytes).build());
    }

    @Override
    protected boolean writesCodeFiles() {
        return false;
    }
}
