package dev.codebox.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.testing.TestPython;
import dev.codebox.testing.Wheels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code codebox functions} and {@code codebox run --functions}, run as a user would. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FunctionsCliTest {

    private static final String TOOLS = """
            import json
            from datetime import date

            GREETING = "hello"


            @staticmethod
            def greet(name: str,
                      punctuation: str = "!") -> str:
                \"""Greets NAME.\"""
                return GREETING + " " + name + punctuation


            def today_json() -> str:
                return json.dumps(str(date(2024, 1, 2)))
            """;

    @TempDir
    Path dir;

    @BeforeEach
    void writeFiles() throws Exception {
        Files.writeString(dir.resolve("tools.py"), TOOLS);
        Files.writeString(dir.resolve("reply.md"), "```python\nfrom functions import greet, today_json\n"
                + "print(greet('codebox'))\nprint(today_json())\n```\n");
    }

    @Test
    void aSyntaxErrorIsReportedWithItsLine() throws Exception {
        Files.writeString(dir.resolve("broken.py"), "import os\n\ndef broken(:\n    pass\n");
        CliProcess cli = CliProcess.run(dir, "", "functions", "broken.py");
        assertEquals(2, cli.exitCode(), cli.stderr());
        assertTrue(cli.stderr().contains("broken.py: line 3: SyntaxError"), cli.stderr());
        assertEquals(1, cli.stderr().lines().count(), cli.stderr());
    }

    @Test
    void functionsPrintsThePromptText() throws Exception {
        CliProcess cli = CliProcess.run(dir, "", "functions", "tools.py");
        assertEquals(0, cli.exitCode(), cli.stderr());
        assertTrue(cli.stdout().contains("module `functions`"), cli.stdout());
        assertTrue(cli.stdout().contains("\nfrom functions import greet, today_json\n"), cli.stdout());
        assertTrue(cli.stdout().contains("```python\ndef greet(name: str,\n          punctuation: str = \"!\") -> str:\n"
                + "    \"\"\"Greets NAME.\"\"\"\n    ...\n\n\ndef today_json() -> str:\n    ...\n```\n"), cli.stdout());
        assertEquals("", cli.stderr());
    }

    @Test
    void functionsHonoursTheModuleName() throws Exception {
        CliProcess cli = CliProcess.run(dir, "", "functions", "--functions-module", "helpers", "tools.py");
        assertEquals(0, cli.exitCode(), cli.stderr());
        assertTrue(cli.stdout().contains("\nfrom helpers import greet, today_json\n"), cli.stdout());
        CliProcess bad = CliProcess.run(dir, "", "functions", "--functions-module", "my-helpers", "tools.py");
        assertEquals(Main.USAGE, bad.exitCode());
        assertTrue(bad.stderr().contains("must be a Python identifier"), bad.stderr());
    }

    @Test
    void runMakesTheFileFunctionsImportable() throws Exception {
        CliProcess cli = CliProcess.run(dir, "", "run", "--functions", "tools.py", "reply.md");
        assertEquals(0, cli.exitCode(), cli.stderr());
        assertEquals("hello codebox!\n\"2024-01-02\"\n", cli.stdout());
    }

    @Test
    void runInstallsARequirementFromALocalWheel() throws Exception {
        Path venv = dir.resolve("venv");
        Process process = new ProcessBuilder(TestPython.path().toString(), "-m", "venv", venv.toString())
                .redirectErrorStream(true).start();
        String venvOutput = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), venvOutput);
        Wheels.build(dir.resolve("dist"), "codebox_cli_probe", "1.0", "VALUE = 'from the wheel'\n");
        Files.writeString(dir.resolve("probe.py"), "import codebox_cli_probe\n\ndef probe():\n    return codebox_cli_probe.VALUE\n");
        Files.writeString(dir.resolve("use.md"), "```python\nfrom functions import probe\nprint(probe())\n```\n");
        CliProcess cli = CliProcess.run(dir, "", "run", "--python", venv.resolve("bin/python").toString(),
                "--functions", "probe.py", "--requirement", "dist/codebox_cli_probe-1.0-py3-none-any.whl", "use.md");
        assertEquals(0, cli.exitCode(), cli.stderr());
        assertEquals("from the wheel\n", cli.stdout());
    }

    @Test
    void aBrokenFunctionsFileIsAnExecutorFailure() throws Exception {
        Files.writeString(dir.resolve("broken.py"), "import codebox_no_such_module\n\ndef f():\n    return 1\n");
        CliProcess cli = CliProcess.run(dir, "", "run", "--functions", "broken.py", "reply.md");
        assertEquals(Main.EXECUTOR_FAILED, cli.exitCode());
        assertTrue(cli.stderr().startsWith("codebox run: functions failed to load: Traceback"), cli.stderr());
        assertTrue(cli.stderr().contains("ModuleNotFoundError: No module named 'codebox_no_such_module'"), cli.stderr());
        assertEquals("", cli.stdout());
    }

    @Test
    void misuseIsAUsageError() throws Exception {
        CliProcess noFunctions = CliProcess.run(dir, "", "run", "--requirement", "numpy", "reply.md");
        assertEquals(Main.USAGE, noFunctions.exitCode());
        assertEquals("codebox run: --requirement needs --functions FILE.py\n", noFunctions.stderr());
        Files.writeString(dir.resolve("empty.py"), "X = 1\n");
        CliProcess empty = CliProcess.run(dir, "", "functions", "empty.py");
        assertEquals(Main.USAGE, empty.exitCode());
        assertTrue(empty.stderr().contains("empty.py: the file defines no top-level function"), empty.stderr());
        CliProcess missing = CliProcess.run(dir, "", "functions", "missing.py");
        assertEquals(Main.USAGE, missing.exitCode());
        assertTrue(missing.stderr().contains("cannot read missing.py: no such file"), missing.stderr());
    }
}
