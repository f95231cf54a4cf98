package dev.codebox.docker;

import dev.codebox.CodeExecutor;
import dev.codebox.tck.CommandLineExecutorTck;
import java.time.Duration;

/** The conformance suite on the local engine over the attach stream, with the work dir bind-mounted. */
class DockerAttachConformanceTest extends CommandLineExecutorTck {

    @Override
    protected CodeExecutor createExecutor(Duration timeout, int maxOutputBytes) {
        return new DockerCommandLineExecutor(TestEngine.config()
                .transport(RunnerTransport.ATTACH)
                .workDirMode(WorkDirMode.BIND)
                .timeout(timeout)
                .maxOutputBytes(maxOutputBytes)
                .build());
    }
}
