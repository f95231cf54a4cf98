package dev.codebox.jupyter;

import dev.codebox.CodeExecutor;
import dev.codebox.tck.CodeExecutorTck;
import java.time.Duration;

class LocalKernelConformanceTest extends CodeExecutorTck {

    @Override
    protected CodeExecutor createExecutor(Duration timeout, int maxOutputBytes) {
        return JupyterCodeExecutor.local(TestKernels.python().timeout(timeout).maxOutputBytes(maxOutputBytes).build());
    }
}
