package dev.codebox.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A Jupyter Server of Debian's {@code python3 -m jupyter_server} for tests: on 127.0.0.1 with a
 * token, serving {@code root} (where its kernels also run, and its log and runtime files go), its
 * IOPub rate limits off as codebox caps output itself. Aborts the test (fails it on CI) without
 * jupyter_server.
 */
public final class JupyterServerProcess implements AutoCloseable {

    private final Process process;
    private final URI url;
    private final String token;

    private JupyterServerProcess(Process process, URI url, String token) {
        this.process = process;
        this.url = url;
        this.token = token;
    }

    /** A started server, once it answers (at most 60 s). */
    public static JupyterServerProcess start(Path root, String token) throws IOException, InterruptedException {
        TestEnvironment.require(Files.isDirectory(Path.of("/usr/lib/python3/dist-packages/jupyter_server")),
                "no jupyter_server for /usr/bin/python3 (run scripts/setup-env.sh)");
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        ProcessBuilder builder = new ProcessBuilder("/usr/bin/python3", "-m", "jupyter_server", "--no-browser", "--allow-root",
                "--ServerApp.ip=127.0.0.1", "--ServerApp.port=" + port, "--ServerApp.port_retries=0",
                "--ServerApp.token=" + token, "--ServerApp.root_dir=" + root, "--ServerApp.limit_rate=False")
                .redirectErrorStream(true).redirectOutput(root.resolve("server.log").toFile())
                .directory(root.toFile()); // kernels run in the server's working directory, not in root_dir
        // Keep the server's cookie secret and connection files out of the user's ~/.local/share/jupyter.
        builder.environment().put("JUPYTER_RUNTIME_DIR", root.resolve("runtime").toString());
        JupyterServerProcess server = new JupyterServerProcess(builder.start(), URI.create("http://127.0.0.1:" + port + "/"), token);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (server.get("api/kernels") == null) {
            if (!server.process.isAlive() || System.nanoTime() > deadline) {
                server.close();
                throw new IllegalStateException("the Jupyter server did not start: " + Files.readString(root.resolve("server.log")));
            }
            Thread.sleep(50);
        }
        return server;
    }

    /** The server's base URL, ending with a slash. */
    public URI url() {
        return url;
    }

    /**
     * The body of a GET of {@code path} (relative to the base URL) with the token, or null unless it
     * answered 200. (HttpURLConnection: core's tests run in a module that does not read java.net.http.)
     */
    public String get(String path) {
        try {
            HttpURLConnection connection = (HttpURLConnection) url.resolve(path).toURL().openConnection();
            connection.setRequestProperty("Authorization", "token " + token);
            try {
                if (connection.getResponseCode() != 200) {
                    return null;
                }
                try (InputStream body = connection.getInputStream()) {
                    return new String(body.readAllBytes(), StandardCharsets.UTF_8);
                }
            } finally {
                connection.disconnect();
            }
        } catch (IOException e) {
            return null;
        }
    }

    /** Stops the server (SIGTERM: it shuts its kernels down), and kills it after 10 s. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }
}
