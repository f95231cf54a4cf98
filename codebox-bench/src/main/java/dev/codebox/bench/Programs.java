package dev.codebox.bench;

import dev.codebox.CodeResult;
import dev.codebox.local.LocalExecutorConfig;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/** The interpreters and executor configuration shared by the local measurements. */
final class Programs {

    private Programs() {
    }

    /** The local executor's configuration: the bench's Python, everything else default. */
    static LocalExecutorConfig localConfig(BenchOptions options) {
        return LocalExecutorConfig.builder().python(options.python()).build();
    }

    /** The first {@code program} on PATH, as the local executor finds it. */
    static Path onPath(String program) {
        String path = System.getenv("PATH");
        for (String dir : (path == null ? "" : path).split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate.toAbsolutePath();
            }
        }
        throw new IllegalStateException(program + " is not on PATH");
    }

    /**
     * Fails unless {@code result} succeeded with {@code expectedOutput}, so that a broken setup is
     * reported instead of timed.
     */
    static void check(CodeResult result, String expectedOutput) {
        if (result.exitCode() != 0 || !result.output().equals(expectedOutput)) {
            throw new IllegalStateException("unexpected result: exit " + result.exitCode() + ", output: " + result.output());
        }
    }

    /** Fails unless a baseline printed {@code expected}. */
    static void checkOutput(String output, String expected) {
        if (!output.equals(expected)) {
            throw new IllegalStateException("unexpected baseline output: " + output);
        }
    }
}
