package dev.codebox.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.internal.TempDirs;
import dev.codebox.kubernetes.KubernetesPods;
import dev.codebox.kubernetes.TestCluster;
import dev.codebox.testing.Processes;
import dev.codebox.testing.TestPython;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code codebox exec|run|mcp -e kubernetes}, {@code codebox kubernetes prune} and the doctor's
 * Kubernetes line against the real cluster of scripts/setup-kubernetes.sh (kubeconfig
 * {@code /var/lib/codebox-k8s/kubeconfig} or {@code CODEBOX_TEST_KUBECONFIG}, namespace
 * {@code codebox-test}, the image {@code codebox/python:3} loaded into it: see TestCluster).
 * Without the cluster the tests are skipped, except with {@code CI=true}, where they fail. No test
 * may leave a pod behind.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CliKubernetesTest {

    private static final String NAMESPACE = TestCluster.NAMESPACE;
    private static final String IMAGE = TestCluster.IMAGE;
    private static final Path KUBECONFIG = TestCluster.KUBECONFIG;

    /** The test cluster's client, once a test has asked for it. */
    private static KubernetesClient client;

    @TempDir
    Path dir;

    /** The processes whose pods must be gone after the test: this JVM and every codebox it started. */
    private final List<Long> owners = new ArrayList<>(List.of(ProcessHandle.current().pid()));

    /** A client of the test cluster; skips (or fails under CI) the calling test without one. */
    private static synchronized KubernetesClient cluster() {
        client = TestCluster.client();
        return client;
    }

    @AfterEach
    void noPodIsLeft() throws Exception {
        if (client == null) {
            return;
        }
        List<String> left = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        do {
            left.clear();
            for (long pid : owners) {
                podsOf(pid).forEach(pod -> left.add(pod.getMetadata().getName()));
            }
            if (!left.isEmpty()) {
                Thread.sleep(200);
            }
        } while (!left.isEmpty() && System.nanoTime() < deadline);
        for (String name : left) {
            client.pods().inNamespace(NAMESPACE).withName(name).withGracePeriod(0).delete();
        }
        assertEquals(List.of(), left, "pods left by the test (deleted now)");
    }

    private static List<Pod> podsOf(long pid) {
        return client.pods().inNamespace(NAMESPACE).withLabel(KubernetesPods.LABEL_OWNER_PID, Long.toString(pid))
                .list().getItems();
    }

    /** The arguments that put the executor of {@code command} on the test cluster. */
    private static String[] onCluster(String command, String... more) {
        List<String> args = new ArrayList<>(List.of(command, "-e", "kubernetes", "--kubeconfig", KUBECONFIG.toString(),
                "--namespace", NAMESPACE, "--image", IMAGE, "--image-pull-policy", "Never"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    /** Runs codebox to its end, remembering its pid to look for its pods. */
    private CliProcess codebox(String stdin, String... args) throws Exception {
        CliProcess cli = CliProcess.start(dir, stdin, args);
        owners.add(cli.process.pid());
        cli.await();
        return cli;
    }

    @Test
    void execRunsABlockInAPodAndPrintsItsOutput() throws Exception {
        cluster();
        CliProcess cli = codebox("import os, sys\nprint('in', os.getcwd(), os.getuid(), sys.version_info[0])",
                onCluster("exec", "-l", "python"));
        assertEquals(0, cli.exitCode(), cli.stderr());
        assertEquals("in /workspace 1000 3\n", cli.stdout());
    }

    @Test
    void execExitsWithTheExitCodeOfTheCode() throws Exception {
        cluster();
        CliProcess cli = codebox("import sys\nprint('before', flush=True)\nsys.exit(3)", onCluster("exec", "-l", "python"));
        assertEquals(3, cli.exitCode(), cli.stderr());
        assertEquals("before\n", cli.stdout());
        assertFalse(cli.stderr().contains("codebox exec:"), "the code's exit code is no error of codebox: " + cli.stderr());
    }

    @Test
    void runPassesEnvLimitsAndInitCommandAndMirrorsTheWorkDir() throws Exception {
        cluster();
        Path work = dir.resolve("work");
        String message = "```python\nimport os\nopen('note.txt', 'w').write(os.environ['X'] + ' ' + os.environ['Y'])\n```\n"
                + "```sh\ncat init.txt\ncat note.txt; echo\ncat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes\n"
                + "cat /sys/fs/cgroup/cpu.max 2>/dev/null || cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us\n"
                + "awk '$2 == \"/\" {split($4, o, \",\"); print o[1]}' /proc/mounts\n```\n";
        CliProcess cli = codebox(message, onCluster("run", "--env", "X=1", "--env", "Y=a=b", "--memory", "256m", "--cpus", "0.5",
                "--init-command", "echo initialised > init.txt", "--work-dir-size", "64m", "--work-dir", work.toString(), "-"));
        assertEquals(0, cli.exitCode(), cli.stderr());
        // 256 MiB; 0.5 CPU is a quota of 50 ms per 100 ms period (cgroup v2: "50000 100000"); the root is read-only.
        assertTrue(cli.stdout().matches("--- block 1 \\(python\\) ---\n--- block 2 \\(sh\\) ---\ninitialised\n1 a=b\n" + (256L << 20)
                + "\n50000( 100000)?\nro\n"), cli.stdout());
        assertEquals("1 a=b", Files.readString(work.resolve("note.txt")), "the host work dir mirrors the pod's");
    }

    @Test
    void mcpServesSessionsInPodsAndDeletesThemWhenTheClientGoes() throws Exception {
        cluster();
        Path temp = Files.createDirectories(dir.resolve("tmp"));
        String marker = UUID.randomUUID().toString();
        String[] options = onCluster("mcp");
        List<String> command = McpCliTest.serverCommand(temp, marker, List.of(options).subList(1, options.length).toArray(String[]::new));
        ServerParameters parameters = ServerParameters.builder(command.get(0))
                .args(command.subList(1, command.size()))
                .env(Map.of("CODEBOX_PYTHON", TestPython.path().toString(), "CODEBOX_MCP_TOKEN", "secret-0123456789abcdef"))
                .build();
        McpSyncClient mcp = McpClient.sync(new StdioClientTransport(parameters,
                        new JacksonMcpJsonMapper(new com.fasterxml.jackson.databind.ObjectMapper())))
                .requestTimeout(Duration.ofSeconds(90)).build();
        try {
            mcp.initialize();
            Processes.withMarker(marker).forEach(process -> owners.add(process.pid()));
            McpSchema.CallToolResult result = mcp.callTool(new McpSchema.CallToolRequest("execute_code",
                    Map.of("code", "import os\nprint(os.getcwd(), os.environ.get('CODEBOX_MCP_TOKEN'))")));
            assertEquals("/workspace None\n", ((Map<?, ?>) result.structuredContent()).get("output"), result.toString());

            // A session's files reach its pod while it runs, and come back from it.
            String id = (String) ((Map<?, ?>) mcp.callTool(new McpSchema.CallToolRequest("create_session", Map.of()))
                    .structuredContent()).get("session_id");
            mcp.callTool(new McpSchema.CallToolRequest("execute_code", Map.of("session_id", id, "code", "print('started')")));
            mcp.callTool(new McpSchema.CallToolRequest("upload_file", Map.of("session_id", id, "path", "n.txt", "text", "7")));
            McpSchema.CallToolResult read = mcp.callTool(new McpSchema.CallToolRequest("execute_code", Map.of("session_id", id,
                    "code", "import subprocess\nprint(open('n.txt').read())\n"
                            + "subprocess.Popen(['sh', '-c', 'sleep 0.3; printf later > late.txt'], start_new_session=True,"
                            + " stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)")));
            assertEquals("7\n", ((Map<?, ?>) read.structuredContent()).get("output"), read.toString());
            Thread.sleep(1000); // late.txt is written after the execution ended: only a copy out finds it
            McpSchema.CallToolResult late = mcp.callTool(new McpSchema.CallToolRequest("download_file",
                    Map.of("session_id", id, "path", "late.txt")));
            assertEquals("later", ((Map<?, ?>) late.structuredContent()).get("text"), late.toString());

            // A sparse file costs the code nothing: its download is refused without copying it.
            mcp.callTool(new McpSchema.CallToolRequest("execute_code", Map.of("session_id", id,
                    "code", "import os\nwith open('big.bin', 'wb') as f:\n    os.truncate(f.fileno(), 1 << 40)")));
            McpSchema.CallToolResult big = mcp.callTool(new McpSchema.CallToolRequest("download_file",
                    Map.of("session_id", id, "path", "big.bin")));
            assertTrue(big.isError(), big.toString());
            assertTrue(big.content().toString().contains("big.bin is larger than the download limit"), big.toString());
        } finally {
            mcp.closeGracefully();
        }
        assertEquals(List.of(), Processes.awaitGone(marker, Duration.ofSeconds(30)), "the server outlived its client");
        try (Stream<Path> entries = Files.list(temp)) {
            assertEquals(List.of(), entries.filter(path -> path.getFileName().toString().startsWith("codebox-mcp-")).toList());
        }
    }

    @Test
    void pruneOfACleanNamespaceHasNothingToDelete() throws Exception {
        cluster();
        String[] prune = {"kubernetes", "prune", "--kubeconfig", KUBECONFIG.toString(), "--namespace", NAMESPACE};
        codebox("", prune); // pods a crashed earlier run may have left
        CliProcess cli = codebox("", prune);
        assertEquals(0, cli.exitCode(), cli.stderr());
        assertEquals("no pods to delete in namespace " + NAMESPACE + "\n", cli.stdout());
    }

    @Test
    void pruneDeletesThePodOfAKilledProgram() throws Exception {
        cluster();
        CliProcess cli = CliProcess.start(dir, "import time\nprint('running', flush=True)\ntime.sleep(120)",
                onCluster("exec", "-l", "python"));
        owners.add(cli.process.pid());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!cli.stdout().contains("running") && cli.process.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(cli.stdout().contains("running"), cli.stderr());
        List<Pod> left = podsOf(cli.process.pid());
        assertEquals(1, left.size(), cli.stderr());
        cli.process.destroyForcibly(); // SIGKILL: no shutdown hook deletes the pod
        cli.process.waitFor(10, TimeUnit.SECONDS);
        // Nor its host mirror of /workspace, which the next codebox program reaps once it is a minute
        // old (TempDirs); the suite must not depend on one starting that late.
        removeTempDirsOf(cli.process.pid());
        String name = left.get(0).getMetadata().getName();

        CliProcess prune = codebox("", "kubernetes", "prune", "--kubeconfig", KUBECONFIG.toString(), "--namespace", NAMESPACE);
        assertEquals(0, prune.exitCode(), prune.stderr());
        // Another program pruning the namespace at the same time may have deleted it first.
        assertTrue(prune.stdout().contains("deleted " + name + "\n") || !prune.stdout().contains(name), prune.stdout());
        assertTrue(prune.stdout().matches("(?s).*(deleted \\d+ pods? in namespace|no pods to delete in namespace) " + NAMESPACE + "\n"),
                prune.stdout());
        assertEquals(List.of(), podsOf(cli.process.pid()));
    }

    private static void removeTempDirsOf(long pid) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(Path.of(System.getProperty("java.io.tmpdir")),
                "codebox-" + pid + "-*")) {
            entries.forEach(TempDirs::deleteRecursively);
        }
    }

    @Test
    void anUnreachableClusterExitsWith3AndSaysSo() throws Exception {
        Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), "apiVersion: v1\nkind: Config\n"
                + "clusters:\n- name: nowhere\n  cluster:\n    server: https://127.0.0.1:1\n    insecure-skip-tls-verify: true\n"
                + "users:\n- name: nobody\n  user:\n    token: not-a-token\n"
                + "contexts:\n- name: nowhere\n  context:\n    cluster: nowhere\n    user: nobody\n"
                + "current-context: nowhere\n");
        CliProcess prune = codebox("", "kubernetes", "prune", "--kubeconfig", kubeconfig.toString());
        assertEquals(Main.EXECUTOR_FAILED, prune.exitCode(), prune.stderr());
        assertEquals("", prune.stdout());
        assertEquals("codebox kubernetes prune: the Kubernetes API at https://127.0.0.1:1/ is not reachable: cannot connect\n",
                prune.stderr());

        CliProcess exec = codebox("print(1)", "exec", "-e", "kubernetes", "--kubeconfig", kubeconfig.toString(), "-l", "python");
        assertEquals(Main.EXECUTOR_FAILED, exec.exitCode(), exec.stderr());
        assertEquals("", exec.stdout());
        assertEquals(1, exec.stderr().lines().count(), exec.stderr());
        assertTrue(exec.stderr().startsWith("codebox exec: "), exec.stderr());
        assertFalse(exec.stderr().contains("\tat "), exec.stderr());

        CliProcess missing = codebox("", "kubernetes", "prune", "--kubeconfig", dir.resolve("no-such-file").toString());
        assertEquals(Main.EXECUTOR_FAILED, missing.exitCode(), missing.stderr());
        assertTrue(missing.stderr().contains("the kubeconfig " + dir.resolve("no-such-file") + " is missing or unreadable"),
                missing.stderr());
    }

    @Test
    void doctorReportsTheCluster() throws Exception {
        cluster();
        CliProcess doctor = codebox("", "doctor", "--kubeconfig", KUBECONFIG.toString());
        assertEquals(0, doctor.exitCode(), doctor.stderr());
        assertTrue(doctor.stdout().matches("(?s).*\nkubernetes: server v1\\.\\d+\\.\\S+ at https://\\S+ \\(kubeconfig " + KUBECONFIG
                + ", context \\S+, namespace \\S+\\)\n.*"), doctor.stdout());
    }

    @Test
    void kubernetesOptionsAreChecked() throws Exception {
        String[][] cases = {
            {"--image-pull-policy", "Sometimes", "invalid --image-pull-policy 'Sometimes'"},
            {"--cpus", "-1", "invalid --cpus"},
            {"--memory", "lots", "invalid --memory"},
            {"--env", "NOEQUALS", "invalid --env"},
            {"--sandbox", null, "--sandbox and --scrub-env are for -e local"},
        };
        for (String[] c : cases) {
            List<String> args = new ArrayList<>(List.of("exec", "-e", "kubernetes", "--kubeconfig", dir.resolve("unused").toString(),
                    "-l", "python", c[0]));
            if (c[1] != null) {
                args.add(c[1]);
            }
            CliProcess cli = codebox("print(1)", args.toArray(String[]::new));
            assertEquals(Main.USAGE, cli.exitCode(), String.join(" ", args) + ": " + cli.stderr());
            assertTrue(cli.stderr().contains(c[2]), cli.stderr());
            assertEquals(1, cli.stderr().lines().count(), cli.stderr());
        }
    }
}
