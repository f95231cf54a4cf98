package dev.codebox.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.testing.JupyterServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code -e jupyter --jupyter-url} against a real Jupyter Server, its token given in a file, never in argv. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JupyterServerCliTest {

    private static final String TOKEN = "cli-test-token-" + System.nanoTime();
    private static JupyterServerProcess server;
    private static String url;

    @TempDir
    static Path root;

    @TempDir
    Path dir;

    @BeforeAll
    static void startServer() throws Exception {
        server = JupyterServerProcess.start(root, TOKEN);
        url = server.url().toString();
    }

    @AfterAll
    static void stopServer() throws InterruptedException {
        if (server != null) {
            server.close();
        }
    }

    private Path tokenFile(String token) throws Exception {
        Path file = dir.resolve("token");
        Files.writeString(file, "# the server's token\n" + token + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    @Test
    void theTokenComesFromAFileAndTheKernelIsShutDownAfter() throws Exception {
        CliProcess cli = CliProcess.run(dir, "print(6 * 7)", "exec", "-e", "jupyter", "--jupyter-url", url,
                "--jupyter-token-file", tokenFile(TOKEN).toString(), "-l", "python", "-");
        assertEquals(0, cli.exitCode(), cli.stderr());
        assertEquals("42\n", cli.stdout());
        assertFalse(cli.stderr().contains("warning"), cli.stderr());
        assertEquals("[]", server.get("api/kernels").replaceAll("\\s", ""));
    }

    @Test
    void aWrongTokenIsRefusedWithoutShowingIt() throws Exception {
        String wrong = "wrong-token-" + System.nanoTime();
        CliProcess cli = CliProcess.run(dir, "print(1)", "exec", "-e", "jupyter", "--jupyter-url", url,
                "--jupyter-token-file", tokenFile(wrong).toString(), "-l", "python", "-");
        assertEquals(3, cli.exitCode(), cli.stderr());
        assertTrue(cli.stderr().contains("403"), cli.stderr());
        assertFalse(cli.stderr().contains(wrong), cli.stderr());
    }

    @Test
    void aTokenCannotBeGivenOnTheCommandLine() throws Exception {
        CliProcess cli = CliProcess.run(dir, "print(1)", "exec", "-e", "jupyter", "--jupyter-url", url,
                "--jupyter-token", TOKEN, "-l", "python", "-");
        assertEquals(2, cli.exitCode(), cli.stderr());
        assertTrue(cli.stderr().contains("--jupyter-token"), cli.stderr());
    }

    @Test
    void aTokenFileNeedsAServerAndMustHoldAToken() throws Exception {
        CliProcess withoutUrl = CliProcess.run(dir, "print(1)", "exec", "-e", "jupyter",
                "--jupyter-token-file", tokenFile(TOKEN).toString(), "-l", "python", "-");
        assertEquals(2, withoutUrl.exitCode(), withoutUrl.stderr());
        assertTrue(withoutUrl.stderr().contains("--jupyter-token-file needs --jupyter-url"), withoutUrl.stderr());

        Path empty = Files.writeString(dir.resolve("empty"), "# nothing\n\n");
        CliProcess noToken = CliProcess.run(dir, "print(1)", "exec", "-e", "jupyter", "--jupyter-url", url,
                "--jupyter-token-file", empty.toString(), "-l", "python", "-");
        assertEquals(2, noToken.exitCode(), noToken.stderr());
        assertTrue(noToken.stderr().contains("holds no token"), noToken.stderr());
    }
}
