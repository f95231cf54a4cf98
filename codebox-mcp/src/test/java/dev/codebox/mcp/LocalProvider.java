package dev.codebox.mcp;

import dev.codebox.CodeExecutor;
import dev.codebox.local.LocalCommandLineExecutor;
import dev.codebox.local.LocalExecutorConfig;
import dev.codebox.testing.TestPython;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Local executors with Debian's Python: the provider of the server tests. */
final class LocalProvider implements ExecutorProvider {

    static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Override
    public List<String> executors() {
        return List.of("local");
    }

    @Override
    public List<String> languages(String executor) {
        return List.of("python", "bash", "sh");
    }

    @Override
    public CodeExecutor create(String executor, Optional<String> kernel, Path workDir) {
        if (kernel.isPresent()) {
            throw new IllegalArgumentException("a kernel is for the jupyter executors");
        }
        return new LocalCommandLineExecutor(LocalExecutorConfig.builder()
                .python(TestPython.path())
                .workDir(workDir)
                .timeout(TIMEOUT)
                .build());
    }
}
