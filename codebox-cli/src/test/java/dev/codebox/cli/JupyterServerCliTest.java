package dev.codebox.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.testing.TestEnvironment;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static Process server;
    private static String url;

    @TempDir
    static Path root;

    @TempDir
    Path dir;

    @BeforeAll
    static void startServer() throws Exception {
        TestEnvironment.require(Files.isDirectory(Path.of("/usr/lib/python3/dist-packages/jupyter_server")),
                "no jupyter_server for /usr/bin/python3 (run scripts/setup-env.sh)");
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        ProcessBuilder builder = new ProcessBuilder("/usr/bin/python3", "-m", "jupyter_server", "--no-browser", "--allow-root",
                "--ServerApp.ip=127.0.0.1", "--ServerApp.port=" + port, "--ServerApp.port_retries=0",
                "--ServerApp.token=" + TOKEN, "--ServerApp.root_dir=" + root)
                .redirectErrorStream(true).redirectOutput(root.resolve("server.log").toFile())
                .directory(root.toFile());
        builder.environment().put("JUPYTER_RUNTIME_DIR", root.resolve("runtime").toString());
        server = builder.start();
        url = "http://127.0.0.1:" + port + "/";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (kernels() == null) {
            if (!server.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("the Jupyter server did not start: " + Files.readString(root.resolve("server.log")));
            }
            Thread.sleep(100);
        }
    }

    @AfterAll
    static void stopServer() throws InterruptedException {
        if (server != null) {
            server.destroy();
            if (!server.waitFor(10, TimeUnit.SECONDS)) {
                server.descendants().forEach(ProcessHandle::destroyForcibly);
                server.destroyForcibly();
            }
        }
    }

    /** The server's kernels as JSON, or null while it does not answer. */
    private static String kernels() throws InterruptedException {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url + "api/kernels"))
                    .header("Authorization", "token " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? response.body() : null;
        } catch (java.io.IOException e) {
            return null;
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
        assertEquals("[]", kernels().replaceAll("\\s", ""));
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
