package dev.codebox.jupyter.docker;

import dev.codebox.CodeExecutor;
import dev.codebox.tck.CodeExecutorTck;
import java.time.Duration;

/**
 * The conformance suite on the remote-like engine, which shares no files and no network with this
 * JVM: the Jupyter server runs under codebox's runner and its connections are relayed over the
 * runner's attach stream.
 */
class DockerJupyterRemoteConformanceTest extends CodeExecutorTck {

    @Override
    protected CodeExecutor createExecutor(Duration timeout, int maxOutputBytes) {
        return DockerJupyter.executor(TestDockerJupyter.remoteConfig().timeout(timeout).maxOutputBytes(maxOutputBytes).build());
    }
}
