package dev.codebox.kubernetes;

import dev.codebox.CodeExecutor;
import dev.codebox.tck.CommandLineExecutorTck;
import java.time.Duration;

class KubernetesConformanceTest extends CommandLineExecutorTck {

    @Override
    protected CodeExecutor createExecutor(Duration timeout, int maxOutputBytes) {
        return new KubernetesCommandLineExecutor(TestCluster.config()
                .timeout(timeout)
                .maxOutputBytes(maxOutputBytes)
                .build());
    }
}
