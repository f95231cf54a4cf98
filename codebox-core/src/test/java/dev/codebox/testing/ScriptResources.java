package dev.codebox.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.codebox.functions.FunctionsFile;
import dev.codebox.internal.Resources;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Checks, in the build, the Python and shell code codebox ships as resources: with Python's own
 * parser (Debian's python3 where there is one) and with {@code sh -n}, so that a broken script fails
 * the build instead of a start-up.
 */
public final class ScriptResources {

    private ScriptResources() {
    }

    /** Each resource (relative to {@code owner}'s package) parses as Python. */
    public static void assertPythonParses(Class<?> owner, String... names) {
        for (String name : names) {
            FunctionsFile.checkSyntax(Resources.read(owner, name), name, TestPython.path());
        }
    }

    /** Each resource parses as a POSIX shell script ({@code sh -n}). */
    public static void assertShellParses(Class<?> owner, String... names) throws IOException, InterruptedException {
        for (String name : names) {
            Process sh = new ProcessBuilder("sh", "-n").redirectErrorStream(true).start();
            try (var in = sh.getOutputStream()) {
                in.write(Resources.read(owner, name).getBytes(StandardCharsets.UTF_8));
            }
            String errors = new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, sh.waitFor(), name + ": " + errors);
        }
    }
}
