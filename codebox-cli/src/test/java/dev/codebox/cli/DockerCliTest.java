package dev.codebox.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import dev.codebox.docker.internal.DockerEngine;
import dev.codebox.testing.TestEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code codebox exec|run -e docker} and {@code codebox docker prune} against the real engine. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DockerCliTest {

    private static final String IMAGE = "codebox/python:3";
    private static DockerClient client;

    @TempDir
    Path dir;

    @BeforeAll
    static void engine() {
        try {
            client = DockerEngine.connect();
            client.inspectImageCmd(IMAGE).exec();
        } catch (RuntimeException e) {
            String message = "Docker CLI tests need a running engine and the image " + IMAGE
                    + " (run scripts/setup-env.sh): " + e.getMessage();
            TestEnvironment.unavailable(message, e);
        }
    }

    @AfterAll
    static void close() throws Exception {
        if (client != null) {
            client.close();
        }
    }

    private static List<Container> containersOf(long pid) {
        return client.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(DockerEngine.LABEL_OWNER_PID, Long.toString(pid))).exec();
    }

    @Test
    void everyContainerOptionOfTheLibraryIsReachable() throws Exception {
        String name = "codebox-cli-options-" + ProcessHandle.current().pid();
        Path work = dir.resolve("work");
        Files.writeString(dir.resolve("reply.md"), "```sh\ncat init.txt\ngetent hosts db\necho \"$GREETING\"\n```\n");
        CliProcess cli = CliProcess.run(dir, "", "run", "-e", "docker", "--image", IMAGE,
                "--init-command", "echo initialised > /workspace/init.txt", "--extra-host", "db:10.1.2.3",
                "--env", "GREETING=hello there", "--container-name", name, "--no-auto-remove",
                "--work-dir", work.toString(), "--bind-dir", work.toString(), "--keep-code-files", "reply.md");
        try {
            assertEquals(0, cli.exitCode(), cli.stderr());
            assertEquals("initialised\n10.1.2.3        db\nhello there\n", cli.stdout());
            Container kept = client.listContainersCmd().withShowAll(true).withNameFilter(List.of(name)).exec().get(0);
            assertTrue(kept.getState().equals("exited"), kept.getState());
            try (var files = Files.list(work)) {
                assertTrue(files.anyMatch(file -> file.getFileName().toString().startsWith("tmp_code_")), "code file kept");
            }
        } finally {
            client.removeContainerCmd(name).withForce(true).exec();
        }
    }

    @Test
    void badContainerOptionsAreUsageErrors() throws Exception {
        for (String[] args : new String[][] {{"--extra-host", "nocolon"}, {"--env", "=x"}, {"--env", "NOEQUALS"}}) {
            CliProcess cli = CliProcess.run(dir, "print(1)", "exec", "-e", "docker", "--image", IMAGE, "-l", "python",
                    args[0], args[1], "-");
            assertEquals(2, cli.exitCode(), String.join(" ", args) + ": " + cli.stderr());
            assertEquals(1, cli.stderr().lines().count(), cli.stderr());
        }
    }

    @Test
    void execRunsInAContainerThatIsRemovedAtTheEnd() throws Exception {
        CliProcess cli = CliProcess.run(dir, "import os\nprint('in', os.getcwd(), sorted(os.listdir('/sys/class/net')))",
                "exec", "-e", "docker", "--image", IMAGE, "-l", "python");
        assertEquals(0, cli.exitCode(), cli.stderr());
        assertEquals("in /workspace ['lo']\n", cli.stdout());
        assertTrue(containersOf(cli.process.pid()).isEmpty(), "a container is left");
    }

    @Test
    void runSharesOneContainerAndTheWorkDirBetweenBlocks() throws Exception {
        Path work = dir.resolve("work");
        String message = "```python\nopen('note.txt', 'w').write('from block 1')\n```\n"
                + "```sh\ncat note.txt; echo; ps -eo args | grep -c '[c]odebox-runner\\|[p]ython3 -c'\n```\n";
        CliProcess cli = CliProcess.run(dir, message, "run", "-e", "docker", "--image", IMAGE,
                "--work-dir", work.toString(), "--memory", "256m", "--cpus", "0.5", "--pids", "64",
                "--volume", dir + ":/host:ro", "--", "-");
        assertEquals(0, cli.exitCode(), cli.stderr());
        assertTrue(cli.stdout().contains("from block 1"), cli.stdout());
        assertEquals("from block 1", Files.readString(work.resolve("note.txt")));
    }

    @Test
    void dockerJupyterTakesItsImageAndLimitsFromTheContainerOptions() throws Exception {
        Path outputs = dir.resolve("outputs");
        Files.writeString(dir.resolve("reply.md"), "```python\nx = 41\n```\n```python\nprint(x + 1)\n```\n"
                + "```python\nimport os\nfor v2, v1 in [('memory.max', 'memory/memory.limit_in_bytes'), ('pids.max', 'pids/pids.max')]:\n"
                + "    print(open('/sys/fs/cgroup/' + (v2 if os.path.exists('/sys/fs/cgroup/' + v2) else v1)).read().strip())\n```\n");
        CliProcess cli = CliProcess.run(dir, "", "run", "-e", "docker-jupyter", "--image", "codebox/jupyter:3",
                "--memory", "300m", "--pids", "77", "--output-dir", outputs.toString(), "reply.md");
        assertEquals(0, cli.exitCode(), cli.stderr());
        assertEquals("--- block 1 (python) ---\n--- block 2 (python) ---\n42\n--- block 3 (python) ---\n314572800\n77\n",
                cli.stdout());
        assertTrue(containersOf(cli.process.pid()).isEmpty(), "the Jupyter server container outlived codebox");

        CliProcess missing = CliProcess.run(dir, "print(1)", "exec", "-e", "docker-jupyter", "--image", "codebox/no-such-image:0",
                "-l", "python", "-");
        assertEquals(3, missing.exitCode(), missing.stderr());
        assertTrue(missing.stderr().contains("codebox/no-such-image:0"), missing.stderr());
        assertTrue(containersOf(missing.process.pid()).isEmpty());
    }

    @Test
    void badDockerOptionsAreUsageErrors() throws Exception {
        for (String[] args : List.of(
                new String[] {"--volume", "no-container-path"},
                new String[] {"--memory", "lots"},
                new String[] {"--gpus", "some"})) {
            String[] command = new String[args.length + 5];
            System.arraycopy(new String[] {"exec", "-e", "docker", "-l", "python"}, 0, command, 0, 5);
            System.arraycopy(args, 0, command, 5, args.length);
            CliProcess cli = CliProcess.run(dir, "print(1)", command);
            assertEquals(Main.USAGE, cli.exitCode(), String.join(" ", args) + ": " + cli.stderr());
            assertTrue(cli.stderr().contains("invalid " + args[0]), cli.stderr());
        }
    }

    @Test
    void doctorSaysWhereTheEngineIsAndWhetherItSharesTheWorkDir() throws Exception {
        CliProcess local = CliProcess.run(dir, "", "doctor", "--image", IMAGE);
        assertEquals(0, local.exitCode(), local.stderr());
        assertTrue(local.stdout().contains("\nwork dir shared with the engine: yes"), local.stdout());
        assertTrue(local.stdout().contains("\nAUTO uses: transport UNIX_SOCKET, work dir BIND (a block ran: python 3."), local.stdout());
        String remote = "tcp://127.0.0.1:" + System.getenv().getOrDefault("CODEBOX_REMOTE_ENGINE_PORT", "23750");
        CliProcess other = CliProcess.run(dir, "", "doctor", "--image", IMAGE, "--docker-host", remote);
        assertEquals(0, other.exitCode(), other.stderr());
        assertTrue(other.stdout().contains("docker:  engine ") && other.stdout().contains(" at " + remote + " (from the configuration"),
                other.stdout());
        assertTrue(other.stdout().contains("\nwork dir shared with the engine: no: the Docker engine at " + remote), other.stdout());
        assertTrue(other.stdout().contains("\nAUTO uses: transport ATTACH, work dir COPY (a block ran: python 3."), other.stdout());
    }

    @Test
    void pruneRemovesTheContainerOfAKilledProgram() throws Exception {
        CliProcess cli = CliProcess.start(dir, "import time\nprint('running', flush=True)\ntime.sleep(60)",
                "exec", "-e", "docker", "--image", IMAGE, "-l", "python");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!cli.stdout().contains("running") && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        List<Container> left = containersOf(cli.process.pid());
        assertEquals(1, left.size(), cli.stderr());
        cli.process.destroyForcibly(); // SIGKILL: no shutdown hook runs
        cli.process.waitFor(10, TimeUnit.SECONDS);
        String name = left.get(0).getNames()[0].substring(1);

        CliProcess prune = CliProcess.run(dir, "", "docker", "prune");
        assertEquals(0, prune.exitCode(), prune.stderr());
        // Other programs (the Jupyter executor prunes at start) may have removed it first.
        assertTrue(prune.stdout().contains("removed " + name + "\n") || !prune.stdout().contains(name), prune.stdout());
        assertTrue(containersOf(cli.process.pid()).isEmpty());
    }
}
