package dev.codebox.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codebox.testing.TestEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code -e jupyter} end to end, with Debian's python3 kernelspec (skipped without it, failed on CI). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JupyterCliTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @BeforeAll
    static void requireKernel() {
        TestEnvironment.require(Files.isRegularFile(Path.of("/usr/share/jupyter/kernels/python3/kernel.json")),
                "no python3 kernelspec in /usr/share/jupyter (run scripts/setup-env.sh)");
    }

    @Test
    void runSharesStateBetweenBlocksAndListsSavedPlots() throws Exception {
        Path outputs = dir.resolve("outputs");
        Files.writeString(dir.resolve("reply.md"), "```python\nx = 41\n```\n"
                + "```python\nimport matplotlib.pyplot as plt\nplt.plot([1, 2], [x, x + 1])\nplt.show()\nprint(x + 1)\n```\n");
        CliProcess cli = CliProcess.run(dir, "", "run", "-e", "jupyter", "--json", "--output-dir", outputs.toString(), "reply.md");
        assertEquals(0, cli.exitCode(), cli.stderr());
        JsonNode result = JSON.readTree(cli.stdout());
        String output = result.get("output").asText();
        assertTrue(output.startsWith("--- block 1 (python) ---\n--- block 2 (python) ---\n"), output);
        assertTrue(output.endsWith("42\n"), output);
        assertEquals(1, result.get("outputFiles").size(), result.toString());
        Path png = Path.of(result.get("outputFiles").get(0).asText());
        assertTrue(png.startsWith(outputs.toRealPath()), png.toString());
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(Files.readAllBytes(png), 4));
    }

    @Test
    void execReportsErrorsLikeOtherExecutors() throws Exception {
        CliProcess cli = CliProcess.run(dir, "raise ValueError('boom')", "exec", "-e", "jupyter", "-l", "python",
                "--output-dir", dir.toString(), "-");
        assertEquals(1, cli.exitCode());
        assertTrue(cli.stdout().contains("ValueError: boom"), cli.stdout());
        assertFalse(cli.stdout().contains("\u001B"), cli.stdout());
    }

    @Test
    void functionsAreImportableInTheKernelAndNoEmptyOutputDirIsLeft() throws Exception {
        Files.writeString(dir.resolve("tools.py"), "def double(x: int) -> int:\n    \"\"\"Twice x.\"\"\"\n    return 2 * x\n");
        Files.writeString(dir.resolve("reply.md"), "```python\nfrom functions import double\nprint(double(21))\n```\n");
        Path temp = Path.of(System.getProperty("java.io.tmpdir"));
        Set<Path> before = outputDirsIn(temp);
        CliProcess cli = CliProcess.run(dir, "", "run", "-e", "jupyter", "--work-dir", dir.toString(),
                "--functions", "tools.py", "reply.md");
        assertEquals(0, cli.exitCode(), cli.stderr());
        assertEquals("42\n", cli.stdout());
        assertEquals(before, outputDirsIn(temp), "an unused output dir was left in " + temp);
    }

    @Test
    void aFiftyMegabytePlotPassesThroughASixtyFourMegabyteHeap() throws Exception {
        String code = "import os\nfrom IPython.display import Image, display\n"
                + "display(Image(data=b'\\x89PNG\\r\\n\\x1a\\n' + os.urandom(50 << 20), format='png'))\nprint('shown')";
        CliProcess cli = CliProcess.start(List.of("-Xmx64m"), dir, code, "exec", "-e", "jupyter", "-l", "python", "--json",
                "--output-dir", dir.toString(), "-");
        cli.await();
        assertEquals(0, cli.exitCode(), cli.stderr());
        JsonNode result = JSON.readTree(cli.stdout());
        assertEquals("<IPython.core.display.Image object>\nshown\n", result.get("output").asText());
        assertEquals(1, result.get("outputFiles").size(), result.toString());
        Path png = Path.of(result.get("outputFiles").get(0).asText());
        assertEquals((50L << 20) + 8, Files.size(png));
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(Files.readAllBytes(png), 4));
    }

    @Test
    void restartBetweenBlocksGivesEachBlockAFreshKernel() throws Exception {
        Files.writeString(dir.resolve("reply.md"), "```python\nx = 1\nprint('set')\n```\n```python\nprint('x' in globals())\n```\n");
        CliProcess cli = CliProcess.run(dir, "", "run", "-e", "jupyter", "--output-dir", dir.toString(),
                "--restart-between-blocks", "reply.md");
        assertEquals(0, cli.exitCode(), cli.stderr());
        assertEquals("--- block 1 (python) ---\nset\n--- block 2 (python) ---\nFalse\n", cli.stdout());
        CliProcess same = CliProcess.run(dir, "", "run", "-e", "jupyter", "--output-dir", dir.toString(), "reply.md");
        assertEquals("--- block 1 (python) ---\nset\n--- block 2 (python) ---\nTrue\n", same.stdout());
    }

    @Test
    void functionsWithoutAWorkDirLeaveNoOutputDir() throws Exception {
        Files.writeString(dir.resolve("tools.py"), "def double(x: int) -> int:\n    return 2 * x\n");
        Files.writeString(dir.resolve("reply.md"), "```python\nfrom functions import double\nprint(double(21))\n```\n");
        Path temp = Path.of(System.getProperty("java.io.tmpdir"));
        Set<Path> before = outputDirsIn(temp);
        CliProcess cli = CliProcess.run(dir, "", "run", "-e", "jupyter", "--functions", "tools.py", "reply.md");
        assertEquals(0, cli.exitCode(), cli.stderr());
        assertEquals("42\n", cli.stdout());
        assertEquals(before, outputDirsIn(temp), "the output dir holding only functions.py was left in " + temp);
    }

    @Test
    void anOutputDirThatCannotBeCreatedIsAOneLineError() throws Exception {
        Files.writeString(dir.resolve("file"), "");
        CliProcess cli = CliProcess.run(dir, "print(1)", "exec", "-e", "jupyter", "-l", "python",
                "--output-dir", dir.resolve("file/sub").toString(), "-");
        assertEquals(3, cli.exitCode(), cli.stderr());
        assertEquals(1, cli.stderr().lines().count(), cli.stderr());
        assertTrue(cli.stderr().contains("cannot create the output dir"), cli.stderr());
    }

    @Test
    void aKernelThatDiesStillGivesJsonWithTheOutputBefore() throws Exception {
        CliProcess cli = CliProcess.run(dir, "import os, time\nprint('before', flush=True)\ntime.sleep(0.5)\nos._exit(3)", "exec", "-e", "jupyter",
                "-l", "python", "--json", "--output-dir", dir.toString(), "-");
        assertEquals(1, cli.exitCode(), cli.stderr());
        JsonNode result = JSON.readTree(cli.stdout());
        String output = result.get("output").asText();
        assertTrue(output.startsWith("before\n"), output);
        assertTrue(output.contains("restart() starts a fresh kernel"), output);
    }

    private static Set<Path> outputDirsIn(Path temp) throws Exception {
        try (Stream<Path> entries = Files.list(temp)) {
            return entries.filter(p -> p.getFileName().toString().startsWith("codebox-jupyter-")).collect(Collectors.toSet());
        }
    }

    @Test
    void badJupyterOptionsAreUsageErrors() throws Exception {
        String[][] cases = {
            {"exec", "-e", "jupyter", "--kernel", "", "-l", "python", "-"},
            {"exec", "-e", "jupyter", "--jupyter-url", "not a url", "-l", "python", "-"},
            {"exec", "-e", "docker-jupyter", "--jupyter-url", "http://127.0.0.1:1/", "-l", "python", "-"},
            {"exec", "-e", "jupyter", "--python", "/usr/bin/python3", "-l", "python", "-"},
        };
        for (String[] args : cases) {
            CliProcess cli = CliProcess.run(dir, "", args);
            assertEquals(2, cli.exitCode(), String.join(" ", args) + ": " + cli.stderr());
            assertEquals(1, cli.stderr().lines().count(), String.join(" ", args) + ": " + cli.stderr());
        }
    }
}
