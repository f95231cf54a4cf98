package dev.codebox.local;

import dev.codebox.testing.TestPython;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Creates virtual environments for tests with Debian's python3 (python3-venv, installed by setup-env.sh). */
final class VirtualEnvs {

    private VirtualEnvs() {
    }

    static Path create(Path dir) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(TestPython.path().toString(), "-m", "venv", dir.toString())
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IllegalStateException("python3 -m venv failed (is python3-venv installed?): " + output);
        }
        return dir.toRealPath();
    }
}
