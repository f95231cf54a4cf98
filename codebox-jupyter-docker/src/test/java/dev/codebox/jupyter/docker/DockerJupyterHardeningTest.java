package dev.codebox.jupyter.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import dev.codebox.CodeBlock;
import dev.codebox.CodeResult;
import dev.codebox.docker.internal.DockerEngine;
import dev.codebox.jupyter.JupyterCodeExecutor;
import dev.codebox.testing.HostSocketServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The docker-jupyter container gets the Docker executor's hardened defaults, read back from the
 * live container and tried from the kernel, and its token is on no command line and in no
 * environment the code can read.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DockerJupyterHardeningTest {

    private JupyterCodeExecutor executor;

    @AfterEach
    void stop() {
        if (executor != null) {
            executor.stop();
        }
    }

    private static InspectContainerResponse inspectOnly() throws IOException {
        String id = TestDockerJupyter.containersOfThisJvm().get(0).getId();
        try (DockerClient docker = DockerEngine.connect()) {
            return docker.inspectContainerCmd(id).exec();
        }
    }

    @Test
    void defaultsAreHardenedInTheLiveContainer() throws Exception {
        executor = DockerJupyter.executor(TestDockerJupyter.config().build());
        executor.start();
        HostConfig host = inspectOnly().getHostConfig();
        assertEquals(1L << 30, host.getMemory());
        assertEquals(1L << 30, host.getMemorySwap());
        assertEquals(1_000_000_000L, host.getNanoCPUs());
        assertEquals(256L, host.getPidsLimit());
        assertEquals(List.of(Capability.ALL), Arrays.asList(host.getCapDrop()));
        assertEquals(List.of("no-new-privileges"), host.getSecurityOpts());
        assertTrue(host.getInit());
        assertEquals("none", host.getNetworkMode());
        assertEquals("rw,nosuid,nodev,mode=1777,size=" + (512L << 20), host.getTmpFs().get("/tmp"));

        CodeResult result = executor.execute(CodeBlock.python(String.join("\n",
                "import os, socket",
                "print(sorted(os.listdir('/sys/class/net')))",
                "print(open('/proc/self/status').read().split('CapEff:')[1].split()[0])",
                "try:",
                "    socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)",
                "    print('raw socket: yes')",
                "except PermissionError:",
                "    print('raw socket: no')",
                "try:",
                "    os.mknod('/tmp/dev-null', 0o20666, os.makedev(1, 3))",
                "    print('mknod: yes')",
                "except PermissionError:",
                "    print('mknod: no')",
                "print(open('/proc/self/status').read().split('NoNewPrivs:')[1].split()[0])")));
        assertEquals("['lo']\n0000000000000000\nraw socket: no\nmknod: no\n1\n", result.output());
    }

    @Test
    void aPausedServerDoesNotHoldTheTimeout() throws Exception {
        executor = DockerJupyter.executor(TestDockerJupyter.config().timeout(java.time.Duration.ofSeconds(3)).build());
        assertEquals(0, executor.execute(CodeBlock.python("x = 1")).exitCode());
        String id = TestDockerJupyter.containersOfThisJvm().get(0).getId();
        try (DockerClient docker = DockerEngine.connect()) {
            docker.pauseContainerCmd(id).exec();
            long t0 = System.nanoTime();
            CodeResult result = executor.execute(CodeBlock.python("print('never')"));
            long millis = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(CodeResult.EXIT_TIMEOUT, result.exitCode(), result.output());
            assertTrue(result.output().contains("the next block starts a new one"), result.output());
            assertTrue(millis < 3000 + 3500, "returned after " + millis + " ms");
            assertTrue(TestDockerJupyter.containersOfThisJvm().isEmpty(), "the frozen server was not removed");
        }
        assertEquals("fresh\n", executor.execute(CodeBlock.python("print('fresh')")).output());
    }

    @Test
    void aServerSocketReplacedByTheCodeIsNeverConnected(@TempDir Path dir) throws Exception {
        try (HostSocketServer host = HostSocketServer.start()) {
            executor = DockerJupyter.executor(TestDockerJupyter.config().outputDir(dir).build());
            CodeResult swapped = executor.execute(CodeBlock.python("import glob, os\n"
                    + "name = glob.glob('.codebox-jupyter-*.sock')[0]\nos.rename(name, 'kept.sock')\n"
                    + "os.symlink('" + host.path() + "', name)\nprint('swapped')"));
            assertEquals("swapped\n", swapped.output());
            executor.restart(); // a REST call: refused by the forwarder, so a new server replaces this one
            assertEquals("fresh\n", executor.execute(CodeBlock.python("print('fresh')")).output());
            assertEquals(0, host.accepted(), "the JVM connected to the host socket the link pointed to");
        }
    }

    @Test
    void limitsCanBeChanged() throws Exception {
        executor = DockerJupyter.executor(TestDockerJupyter.config().memory("512m").cpus(0.5).pidsLimit(64)
                .dropCapabilities(false).noNewPrivileges(false).network("bridge").tmpBytes(64L << 20)
                .createContainerModifier(create -> create.withHostName("modified")).build());
        executor.start();
        InspectContainerResponse container = inspectOnly();
        assertEquals("modified", container.getConfig().getHostName());
        HostConfig host = container.getHostConfig();
        assertEquals("rw,nosuid,nodev,mode=1777,size=" + (64L << 20), host.getTmpFs().get("/tmp"));
        assertEquals(512L << 20, host.getMemory());
        assertEquals(500_000_000L, host.getNanoCPUs());
        assertEquals(64L, host.getPidsLimit());
        assertTrue(host.getCapDrop() == null || host.getCapDrop().length == 0);
        assertTrue(host.getSecurityOpts() == null || host.getSecurityOpts().isEmpty());
        assertEquals("bridge", host.getNetworkMode());
    }

    @Test
    void theTokenIsOnNoCommandLineAndNotInTheContainersEnvironment(@TempDir Path dir) throws Exception {
        try (DockerJupyterServer server = DockerJupyterServer.start(TestDockerJupyter.config().build(), dir)) {
            String token = server.token();
            assertTrue(token.length() >= 32);
            InspectContainerResponse container;
            try (DockerClient docker = DockerEngine.connect()) {
                container = docker.inspectContainerCmd(server.containerId()).exec();
            }
            String env = Arrays.toString(container.getConfig().getEnv());
            assertFalse(env.contains(token) || env.contains("JUPYTER_TOKEN"), env);
            assertFalse(Arrays.asList(container.getConfig().getCmd()).toString().contains(token));
            assertFalse(Arrays.asList(container.getArgs()).toString().contains(token));
            assertNoCommandLineShows(token);
        }
    }

    private static void assertNoCommandLineShows(String token) throws Exception {
        // /proc/PID/cmdline is what `ps -eo args` shows every user; the container's processes are in it.
        List<String> leaking = new java.util.ArrayList<>();
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            for (Path process : processes.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String args = new String(Files.readAllBytes(process.resolve("cmdline")), StandardCharsets.UTF_8);
                    if (args.contains(token)) {
                        leaking.add(args.replace('\0', ' '));
                    }
                } catch (IOException gone) {
                    // the process ended meanwhile
                }
            }
        }
        assertEquals(List.of(), leaking);
        // And literally: ps as another user (nobody) on this machine.
        if (new ProcessBuilder("id", "-u").start().inputReader().readLine().equals("0")) {
            Process ps = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "ps", "-eo", "args")
                    .redirectErrorStream(true).start();
            String all = new String(ps.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, ps.waitFor(), all);
            assertTrue(all.contains("--ServerApp.sock="), all);
            assertFalse(all.contains(token), "ps as nobody shows the token");
        }
    }

    /**
     * Every environment the code can read in the container: its own and any process's
     * /proc/PID/environ (the server's among them, PID 1 on a local engine, which started with the token).
     */
    private static final String ENVIRONMENTS = "import os\n"
            + "print('own', 'JUPYTER_TOKEN' in os.environ)\n"
            + "for pid in sorted(p for p in os.listdir('/proc') if p.isdigit()):\n"
            + "    try:\n"
            + "        env = open('/proc/%s/environ' % pid, 'rb').read()\n"
            + "    except OSError as e:\n"
            + "        print(pid, 'unreadable', e.errno)\n"
            + "    else:\n"
            + "        print(pid, 'token' if b'JUPYTER_TOKEN=' in env else 'clean', open('/proc/%s/cmdline' % pid, 'rb').read()[:60])\n";

    @ParameterizedTest(name = "{0} engine")
    @ValueSource(strings = {"local", "remote"})
    void theTokenIsInNoEnvironmentTheCodeCanRead(String engine) throws Exception {
        DockerJupyterConfig.Builder config = engine.equals("local") ? TestDockerJupyter.config() : TestDockerJupyter.remoteConfig();
        executor = DockerJupyter.executor(config.build());
        executor.start();
        CodeResult result = executor.execute(CodeBlock.python(ENVIRONMENTS));
        assertEquals(0, result.exitCode(), result.output());
        String output = result.output();
        assertTrue(output.startsWith("own False\n"), output);
        assertFalse(output.contains(" token "), "an environment with the token is readable: " + output);
        assertTrue(output.lines().anyMatch(line -> line.contains("unreadable")), "the server's is not readable: " + output);
        // The server serves on with the token it was given (the executor's own client uses it).
        assertEquals("2\n", executor.execute(CodeBlock.python("print(1 + 1)")).output());
    }
}
