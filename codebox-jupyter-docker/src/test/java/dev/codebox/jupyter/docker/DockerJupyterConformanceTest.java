package dev.codebox.jupyter.docker;

import dev.codebox.CodeExecutor;
import dev.codebox.tck.CodeExecutorTck;
import java.time.Duration;

class DockerJupyterConformanceTest extends CodeExecutorTck {

    @Override
    protected CodeExecutor createExecutor(Duration timeout, int maxOutputBytes) {
        return DockerJupyter.executor(TestDockerJupyter.config().timeout(timeout).maxOutputBytes(maxOutputBytes).build());
    }
}
