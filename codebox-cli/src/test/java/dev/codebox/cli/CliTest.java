package dev.codebox.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codebox.CodeBlock;
import dev.codebox.CodeExecutor;
import dev.codebox.kubernetes.KubernetesCommandLineExecutor;
import dev.codebox.kubernetes.KubernetesExecutorConfig;
import dev.codebox.local.LocalCommandLineExecutor;
import dev.codebox.local.LocalExecutorConfig;
import dev.codebox.testing.Processes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CliTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void execRunsAFileByItsExtension() throws Exception {
        Files.writeString(dir.resolve("hello.py"), "print('hello from a file')");
        CliProcess cli = CliProcess.run(dir, "", "exec", "hello.py");
        assertEquals(0, cli.exitCode(), cli.stderr());
        assertEquals("hello from a file\n", cli.stdout());
        assertEquals("", cli.stderr());
    }

    @Test
    void execReadsStandardInputWithALanguage() throws Exception {
        CliProcess cli = CliProcess.run(dir, "echo from stdin; exit 7", "exec", "-l", "bash");
        assertEquals(7, cli.exitCode());
        assertEquals("from stdin\n", cli.stdout());
    }

    @Test
    void jsonPrintsExactlyOneObject() throws Exception {
        CliProcess cli = CliProcess.run(dir, "print('json')\nopen('out.txt', 'w').write('x')",
                "exec", "--json", "-l", "python", "--work-dir", dir.toString(), "-");
        assertEquals(0, cli.exitCode(), cli.stderr());
        List<String> lines = cli.stdout().lines().toList();
        assertEquals(1, lines.size(), cli.stdout());
        JsonNode result = JSON.readTree(lines.get(0));
        Set<String> fields = new TreeSet<>();
        result.fieldNames().forEachRemaining(fields::add);
        assertEquals(Set.of("exitCode", "output", "codeFiles", "outputFiles", "timedOut", "cancelled", "durationMs"), fields);
        assertEquals(0, result.get("exitCode").asInt());
        assertEquals("json\n", result.get("output").asText());
        assertEquals(1, result.get("codeFiles").size());
        assertEquals(dir.toRealPath().resolve("out.txt").toString(), result.get("outputFiles").get(0).asText());
        assertFalse(result.get("timedOut").asBoolean());
        assertTrue(result.get("durationMs").isNumber());
    }

    @Test
    void timeoutExitsWith124() throws Exception {
        CliProcess cli = CliProcess.run(dir, "import time\nprint('partial', flush=True)\ntime.sleep(30)",
                "exec", "--json", "--timeout", "1", "-l", "python");
        assertEquals(124, cli.exitCode());
        JsonNode result = JSON.readTree(cli.stdout());
        assertTrue(result.get("timedOut").asBoolean());
        assertEquals("partial\nTimeout\n", result.get("output").asText());
    }

    @Test
    void runExecutesTheBlocksOfAMessageInOneWorkDir() throws Exception {
        Files.writeString(dir.resolve("reply.md"), "First:\n```python\nopen('shared.txt', 'w').write('from python')\nprint('wrote')\n```\n"
                + "Then:\n```bash\ncat shared.txt; echo\n```\n");
        CliProcess cli = CliProcess.run(dir, "", "run", "reply.md");
        assertEquals(0, cli.exitCode(), cli.stderr());
        assertEquals("--- block 1 (python) ---\nwrote\n--- block 2 (bash) ---\nfrom python\n", cli.stdout());
    }

    @Test
    void sandboxOptionsReachTheSandbox() throws Exception {
        String code = "import os\nprint(sorted(os.listdir('/sys/class/net')) if os.path.isdir('/sys/class/net') else 'no net',"
                + " len([p for p in os.listdir('/proc') if p.isdigit()]), 'FAKE_API_KEY' in os.environ)";
        CliProcess sandboxed = CliProcess.run(dir, code, "exec", "-l", "python", "--sandbox", "--sandbox-memory", "512m");
        assertEquals(0, sandboxed.exitCode(), sandboxed.stderr());
        assertEquals("no net 2 False\n", sandboxed.stdout());
        CliProcess memory = CliProcess.run(dir, "x = bytearray(1 << 30)", "exec", "-l", "python", "--sandbox", "--sandbox-memory", "256m");
        assertEquals(1, memory.exitCode(), memory.stderr());
        assertTrue(memory.stdout().endsWith("codebox: the block hit its memory limit (268435456 bytes of address space per process)\n"),
                memory.stdout());
    }

    @Test
    void sandboxOptionsAreCheckedAndDoctorReportsTheSandbox() throws Exception {
        CliProcess withoutSandbox = CliProcess.run(dir, "print(1)", "exec", "-l", "python", "--sandbox-network");
        assertEquals(2, withoutSandbox.exitCode());
        assertTrue(withoutSandbox.stderr().contains("need --sandbox"), withoutSandbox.stderr());
        CliProcess docker = CliProcess.run(dir, "print(1)", "exec", "-e", "docker", "-l", "python", "--sandbox");
        assertEquals(2, docker.exitCode());
        assertTrue(docker.stderr().contains("--sandbox and --scrub-env are for -e local"), docker.stderr());
        CliProcess doctor = CliProcess.run(dir, "", "doctor");
        assertEquals(0, doctor.exitCode(), doctor.stderr());
        assertTrue(doctor.stdout().contains("\nsandbox: works (python: "), doctor.stdout());
    }

    @Test
    void pythonBlocksAreForkedFromTheSecondOnUnlessNoForkServerIsGiven() throws Exception {
        String parent = "import os\nserver = lambda pid: b'fork server' in open('/proc/%s/cmdline' % pid, 'rb').read()\n"
                + "print('forked' if server('self') else 'server-spawned' if server(os.getppid()) else 'spawned')";
        String two = "```python\n" + parent + "\n```\n```sh\necho sh\n```\n```py\n" + parent + "\n```\n";
        String one = "```python\n" + parent + "\n```\n```sh\necho sh\n```\n";
        // Each line of output says whether the block is a fork server's child, an interpreter the
        // server spawned (--no-fork-server), or one the JVM spawned.
        CliProcess forked = CliProcess.run(dir, two, "run", "-");
        assertEquals(List.of("forked", "forked"), origins(forked), forked.stdout() + forked.stderr());
        CliProcess spawned = CliProcess.run(dir, two, "run", "-", "--no-fork-server");
        assertEquals(List.of("server-spawned", "server-spawned"), origins(spawned), spawned.stdout() + spawned.stderr());
        CliProcess restarted = CliProcess.run(dir, two, "run", "-", "--restart-between-blocks");
        assertEquals(List.of("spawned", "spawned"), origins(restarted), restarted.stdout() + restarted.stderr());
        for (String flag : new String[] {"--keep-code-files", "--no-fork-server"}) {
            CliProcess single = CliProcess.run(dir, one, "run", "-", flag);
            assertEquals(List.of("spawned"), origins(single), single.stdout() + single.stderr());
        }
        CliProcess exec = CliProcess.run(dir, parent, "exec", "-l", "python");
        assertEquals("spawned\n", exec.stdout(), exec.stderr());
        CliProcess jupyter = CliProcess.run(dir, "print(1)", "exec", "-e", "jupyter", "-l", "python", "--no-fork-server");
        assertEquals(2, jupyter.exitCode());
        assertTrue(jupyter.stderr().contains("--no-fork-server is for -e local, -e docker and -e kubernetes"), jupyter.stderr());
    }

    @Test
    void anOptionOfAnotherExecutorIsAUsageError() throws Exception {
        CliProcess local = CliProcess.run(dir, "print(1)", "exec", "-l", "python", "--network", "none");
        assertEquals(2, local.exitCode(), local.stderr());
        assertTrue(local.stderr().contains("--network is for -e docker, -e docker-jupyter; -e local does not use it"), local.stderr());
        assertEquals("", local.stdout());
        // Refused before the executor is created: no engine or cluster is asked.
        CliProcess docker = CliProcess.run(dir, "print(1)", "exec", "-e", "docker", "-l", "python", "--namespace", "x");
        assertEquals(2, docker.exitCode(), docker.stderr());
        assertTrue(docker.stderr().contains("--namespace is for -e kubernetes; -e docker does not use it"), docker.stderr());
        CliProcess pods = CliProcess.run(dir, "print(1)", "exec", "-e", "kubernetes", "-l", "python", "--volume", "/a:/b");
        assertEquals(2, pods.exitCode(), pods.stderr());
        assertTrue(pods.stderr().contains("--volume is for -e docker; -e kubernetes does not use it"), pods.stderr());
        CliProcess mcp = CliProcess.run(dir, "", "mcp", "--kube-context", "c");
        assertEquals(2, mcp.exitCode(), mcp.stderr());
        assertTrue(mcp.stderr().contains("--kube-context is for -e kubernetes; -e local does not use it"), mcp.stderr());
    }

    private static List<String> origins(CliProcess cli) {
        return cli.stdout().lines().filter(line -> line.matches("forked|server-spawned|spawned")).toList();
    }

    @Test
    void aForkServerIsWorthItFromTheSecondPythonBlock() {
        CodeBlock python = new CodeBlock("python", "print(1)");
        CodeBlock py = new CodeBlock("py", "print(2)");
        CodeBlock sh = new CodeBlock("sh", "echo 3");
        assertFalse(ExecutionCommand.pythonServerPays(List.of(python), false));
        assertFalse(ExecutionCommand.pythonServerPays(List.of(python, sh, sh), false));
        assertTrue(ExecutionCommand.pythonServerPays(List.of(python, sh, py), false));
        assertFalse(ExecutionCommand.pythonServerPays(List.of(python, py), true), "a restart before every block");
        CommandLine commandLine = Main.commandLine("exec");
        commandLine.parseArgs("exec", "-e", "kubernetes", "-l", "python", "-");
        ExecCommand exec = commandLine.getSubcommands().get("exec").getCommand();
        for (boolean forkServer : new boolean[] {true, false}) {
            CodeExecutor executor = new ExecutorFactory(exec.options, forkServer)
                    .create(ExecutorKind.KUBERNETES, exec.options.functions.module(), Optional.empty(), Optional.empty());
            try {
                assertEquals(forkServer, ((KubernetesCommandLineExecutor) executor).config().pythonForkServer());
            } finally {
                executor.close();
            }
            try (CodeExecutor local = new ExecutorFactory(exec.options, forkServer)
                    .create(ExecutorKind.LOCAL, exec.options.functions.module(), Optional.empty(), Optional.empty())) {
                LocalExecutorConfig config = ((LocalCommandLineExecutor) local).config();
                assertEquals(forkServer, config.pythonServer(), "a local executor starts no resident process unless it pays");
                assertTrue(config.pythonForkServer());
            }
        }
    }

    @Test
    void containerOptionsReachThePodOfKubernetesExecutors() {
        CommandLine commandLine = Main.commandLine("exec");
        commandLine.parseArgs("exec", "-e", "kubernetes", "-l", "python", "--init-command", "touch ready",
                "--work-dir-size", "32m", "--tmp-size", "64m", "--storage-size", "1g", "--memory", "256m", "-");
        ExecCommand exec = commandLine.getSubcommands().get("exec").getCommand();
        CodeExecutor executor = new ExecutorFactory(exec.options, true)
                .create(ExecutorKind.KUBERNETES, exec.options.functions.module(), Optional.empty(), Optional.empty());
        try {
            KubernetesExecutorConfig config = ((KubernetesCommandLineExecutor) executor).config();
            assertEquals(Optional.of("touch ready"), config.initCommand());
            assertEquals(32L << 20, config.workDirSizeLimit().getNumericalAmount().longValueExact());
            assertEquals(64L << 20, config.tmpSizeLimit().getNumericalAmount().longValueExact());
            assertEquals(1L << 30, config.ephemeralStorageLimit().orElseThrow().getNumericalAmount().longValueExact());
        } finally {
            executor.close();
        }
        CommandLine defaults = Main.commandLine("exec");
        defaults.parseArgs("exec", "-e", "kubernetes", "-l", "python", "-");
        ExecCommand plain = defaults.getSubcommands().get("exec").getCommand();
        CodeExecutor unset = new ExecutorFactory(plain.options, true)
                .create(ExecutorKind.KUBERNETES, plain.options.functions.module(), Optional.empty(), Optional.empty());
        try {
            assertEquals(KubernetesExecutorConfig.builder().build().tmpSizeLimit().getNumericalAmount(),
                    ((KubernetesCommandLineExecutor) unset).config().tmpSizeLimit().getNumericalAmount(),
                    "without --tmp-size a pod gets the executor's default /tmp");
        } finally {
            unset.close();
        }
    }

    @Test
    void everyContainerOptionSaysWhichExecutorsUseIt() {
        CommandLine.Model.CommandSpec exec = Main.commandLine("exec").getSubcommands().get("exec").getCommandSpec();
        for (String mixin : List.of("docker", "kubernetes")) {
            for (CommandLine.Model.OptionSpec option : exec.mixins().get("options").mixins().get(mixin).options()) {
                assertTrue(OptionScope.USED_BY.containsKey(option.longestName()), option.longestName() + " of " + mixin);
            }
        }
    }

    @Test
    void localEnvironmentAndKeptCodeFiles() throws Exception {
        Path work = dir.resolve("work");
        CliProcess cli = CliProcess.run(dir, "```bash\necho \"$A-$B\"\n```\n```html\n<p>saved</p>\n```\n", "run",
                "--env", "A=1", "--env", "B=x=y", "--work-dir", work.toString(), "--keep-code-files", "-");
        assertEquals(0, cli.exitCode(), cli.stderr());
        assertTrue(cli.stdout().startsWith("--- block 1 (bash) ---\n1-x=y\n--- block 2 (html) ---\nCode saved to tmp_code_"),
                cli.stdout());
        try (var files = Files.list(work)) {
            assertEquals(2, files.filter(file -> file.getFileName().toString().startsWith("tmp_code_")).count());
        }
        CliProcess deleted = CliProcess.run(dir, "echo hi", "exec", "-l", "bash", "--work-dir", work.toString(), "-");
        assertEquals("hi\n", deleted.stdout());
        try (var files = Files.list(work)) {
            assertEquals(2, files.filter(file -> file.getFileName().toString().startsWith("tmp_code_")).count(),
                    "the default deletes the code file of the run");
        }
    }

    @Test
    void runStopsAtTheFirstFailureAndReturnsItsExitCode() throws Exception {
        CliProcess cli = CliProcess.run(dir, "```bash\nexit 4\n```\n```bash\necho never\n```\n", "run", "-");
        assertEquals(4, cli.exitCode());
        assertFalse(cli.stdout().contains("never"));
    }

    @Test
    void usageErrorsAreOneLineAndExit2() throws Exception {
        Files.writeString(dir.resolve("code.txt"), "x");
        String[][] cases = {
            {"exec", "--no-such-flag"},
            {"exec", "missing.py"},
            {"exec", "code.txt"},
            {"exec", "-e", "nowhere", "-l", "python", "-"},
            {"exec", "--timeout", "0", "-l", "python", "-"},
            {"exec", "--timeout", "soon", "-l", "python", "-"},
            {"run", "-"},
            {"bogus"},
            {},
        };
        for (String[] args : cases) {
            CliProcess cli = CliProcess.run(dir, "", args);
            assertEquals(2, cli.exitCode(), String.join(" ", args) + ": " + cli.stderr());
            assertEquals(1, cli.stderr().lines().count(), String.join(" ", args) + ": " + cli.stderr());
            assertFalse(cli.stderr().contains("Exception"), cli.stderr());
            assertFalse(cli.stderr().contains("\tat "), cli.stderr());
        }
    }

    @Test
    void helpAndVersion() throws Exception {
        for (String flag : List.of("--version", "-V")) {
            CliProcess version = CliProcess.run(dir, "", flag);
            assertEquals(0, version.exitCode());
            assertTrue(version.stdout().matches("codebox \\S+\n"), version.stdout());
        }
        // The top command's model is built by hand (Main.topCommand): its help lists every command.
        CliProcess top = CliProcess.run(dir, "", "--help");
        assertEquals(0, top.exitCode());
        assertTrue(top.stdout().startsWith("Usage: codebox [-hV] [COMMAND]"), top.stdout());
        for (String command : List.of("exec", "run", "functions", "mcp", "docker", "kubernetes", "doctor")) {
            assertTrue(top.stdout().contains("\n  " + command + " "), command + " in " + top.stdout());
        }
        CliProcess none = CliProcess.run(dir, "");
        assertEquals(2, none.exitCode());
        assertEquals("codebox: a command is required: exec, run, functions, mcp, docker, kubernetes or doctor"
                + " (see 'codebox --help')\n", none.stderr());
        for (String command : List.of("exec", "run")) {
            CliProcess help = CliProcess.run(dir, "", command, "--help");
            assertEquals(0, help.exitCode());
            assertTrue(help.stdout().contains("--timeout"), help.stdout());
            assertTrue(help.stdout().contains("--json"), help.stdout());
        }
    }

    @Test
    void sigtermCancelsTheRunAndKillsTheCodesTree() throws Exception {
        assertSignalCancels("TERM");
    }

    @Test
    void sigintCancelsTheRunAndKillsTheCodesTree() throws Exception {
        assertSignalCancels("INT");
    }

    @Test
    void aClosedStdoutStopsTheCodeQuietlyWithTheStatusOfSigpipe() throws Exception {
        // `codebox exec ... | head -n 1`: head exits after the first line, and the code, which would
        // print forever, is stopped: no "internal error", nothing left running.
        String marker = Processes.uniqueSleep();
        CliProcess cli = CliProcess.startPiped(dir, "sleep " + marker + " &\necho first\nwhile :; do echo more; sleep 0.05; done",
                "head -n 1", "exec", "-l", "bash");
        cli.await();
        assertEquals(0, cli.exitCode(), cli.stderr());
        assertEquals("first\n", cli.stdout());
        assertEquals("codebox exited with 141\n", cli.stderr());
        assertTrue(Processes.awaitGone(marker, Duration.ofSeconds(1)).isEmpty(), "the code outlived codebox");
    }

    private void assertSignalCancels(String signal) throws Exception {
        String marker = Processes.uniqueSleep();
        CliProcess cli = CliProcess.start(dir, "sleep " + marker + " &\necho ready\nsleep " + marker, "exec", "-l", "bash");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while ((!cli.stdout().contains("ready") || Processes.withMarker(marker).size() < 2) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(2, Processes.withMarker(marker).size(), "the code should be running: " + cli.stderr());
        new ProcessBuilder("kill", "-" + signal, Long.toString(cli.process.pid())).inheritIO().start().waitFor();
        cli.await();
        assertEquals(125, cli.exitCode(), cli.stderr());
        assertEquals("ready\nCancelled\n", cli.stdout());
        assertTrue(Processes.awaitGone(marker, Duration.ofSeconds(1)).isEmpty(), "the code outlived codebox");
    }
}
