package dev.codebox.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.CodeBlock;
import dev.codebox.CodeExecutorException;
import dev.codebox.CodeResult;
import dev.codebox.functions.FunctionModule;
import dev.codebox.functions.PythonFunction;
import dev.codebox.testing.TempEntries;
import dev.codebox.testing.TestPython;
import dev.codebox.testing.Wheels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Functions with requirements on the local executor, with real interpreters and a real pip. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class LocalFunctionsTest {

    private static final PythonFunction TO_JSON = PythonFunction.builder("""
            def to_json(value, indent: int | None = None) -> str:
                \"""Serialises VALUE as JSON.\"""
                return json.dumps(value, indent=indent, sort_keys=True)
            """).imports("json").build();

    @TempDir
    Path temp;

    @Test
    void generatedCodeImportsTheFunctionsFromTheModule() {
        LocalExecutorConfig config = LocalExecutorConfig.builder().python(TestPython.path())
                .functions(FunctionModule.of(TO_JSON).named("tools")).build();
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(config)) {
            CodeResult result = executor.execute(CodeBlock.python("from tools import to_json\nprint(to_json({'b': 1, 'a': [2]}))"));
            assertEquals("{\"a\": [2], \"b\": 1}\n", result.output());
            assertTrue(Files.isRegularFile(executor.workDir().resolve("tools.py")));
            assertEquals(List.of("tools.py"), fileNames(executor.workDir()).stream()
                    .filter(name -> !name.equals("__pycache__")).toList(), "the set-up script is gone");
            assertTrue(result.outputFiles().isEmpty(), "the module is not an output: " + result.outputFiles());
        }
    }

    @Test
    void aRequirementBuiltByTheTestIsInstalledIntoTheVirtualEnvironment() throws Exception {
        Path venv = VirtualEnvs.create(temp.resolve("venv"));
        Path wheel = Wheels.build(temp.resolve("dist"), "codebox_answer", "1.0", "def answer():\n    return 42\n");
        PythonFunction answer = PythonFunction.builder("""
                def doubled_answer() -> int:
                    \"""Twice the answer.\"""
                    return 2 * codebox_answer.answer()
                """).imports("codebox_answer").requirements(wheel.toString()).build();
        LocalExecutorConfig config = LocalExecutorConfig.builder().virtualEnv(venv)
                .functions(answer, TO_JSON).build();
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(config)) {
            executor.start();
            assertTrue(Files.isDirectory(venv.resolve("lib")) && isInstalled(venv, "codebox_answer"), "installed into the venv");
            CodeResult result = executor.execute(CodeBlock.python("from functions import doubled_answer, to_json\nprint(to_json(doubled_answer()))"));
            assertEquals("84\n", result.output());
            executor.restart(); // a new temp work dir: the module is written again, pip finds the requirement satisfied
            assertEquals("84\n", executor.execute(CodeBlock.python("from functions import doubled_answer\nprint(doubled_answer())")).output());
        }
    }

    @Test
    void aBrokenFunctionFailsStartWithTheTracebackAndLeavesNothingBehind() throws Exception {
        PythonFunction broken = PythonFunction.builder("def f():\n    return codebox_not_a_module.x\n")
                .imports("codebox_not_a_module").build();
        Path workDir = temp.resolve("work");
        LocalCommandLineExecutor executor = new LocalCommandLineExecutor(LocalExecutorConfig.builder()
                .python(TestPython.path()).workDir(workDir).functions(broken).build());
        CodeExecutorException e = assertThrows(CodeExecutorException.class, executor::start);
        assertEquals(CodeExecutorException.Reason.FUNCTIONS_FAILED, e.reason());
        assertTrue(e.getMessage().startsWith("functions failed to load: Traceback (most recent call last):"), e.getMessage());
        assertTrue(e.getMessage().contains("functions.py\", line 2, in <module>"), e.getMessage());
        assertTrue(e.getMessage().endsWith("ModuleNotFoundError: No module named 'codebox_not_a_module'"), e.getMessage());
        assertFalse(executor.isStarted());
        assertEquals(List.of(), fileNames(workDir).stream().filter(name -> !name.equals("__pycache__")).toList());
        assertThrows(CodeExecutorException.class, () -> executor.execute(CodeBlock.python("print(1)")),
                "execute starts again, and fails again");
    }

    @Test
    void aMissingRequirementFailsStartWithPipsMessageAndRemovesTheTempWorkDir() throws Exception {
        Path venv = VirtualEnvs.create(temp.resolve("venv"));
        Path missing = temp.resolve("dist/codebox_missing-1.0-py3-none-any.whl");
        PythonFunction function = PythonFunction.builder("def f():\n    return 1\n").requirements(missing.toString()).build();
        Set<Path> before = TempEntries.ofThisJvm();
        LocalCommandLineExecutor executor = new LocalCommandLineExecutor(LocalExecutorConfig.builder()
                .virtualEnv(venv).functions(function).build());
        CodeExecutorException e = assertThrows(CodeExecutorException.class, executor::start);
        assertTrue(e.getMessage().startsWith("pip install failed: "), e.getMessage());
        assertTrue(e.getMessage().contains("No such file or directory: '" + missing + "'"), e.getMessage());
        assertFalse(executor.isStarted());
        Set<Path> left = TempEntries.ofThisJvm();
        left.removeAll(before);
        assertTrue(left.stream().noneMatch(dir -> Files.exists(dir.resolve("functions.py"))), "left behind: " + left);
    }

    @Test
    void systemPythonRefusesPipAndSaysSo() {
        PythonFunction function = PythonFunction.builder("def f():\n    return 1\n").requirements("codebox-anything").build();
        LocalCommandLineExecutor executor = new LocalCommandLineExecutor(LocalExecutorConfig.builder()
                .python(TestPython.path()).functions(function).build());
        CodeExecutorException e = assertThrows(CodeExecutorException.class, executor::start);
        assertTrue(e.getMessage().startsWith("pip install failed: "), e.getMessage());
        assertTrue(e.getMessage().contains("externally-managed-environment") || e.getMessage().contains("No module named pip"),
                e.getMessage());
    }

    private static boolean isInstalled(Path venv, String module) throws IOException {
        try (Stream<Path> files = Files.walk(venv.resolve("lib"))) {
            return files.anyMatch(file -> file.getFileName().toString().equals(module));
        }
    }

    private static List<String> fileNames(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(file -> file.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void stopCancelsAnExecutionThatWaitsForTheStart() throws Exception {
        Path lib = Files.createDirectories(temp.resolve("lib"));
        Files.writeString(lib.resolve("codebox_slow.py"), "import time\ntime.sleep(3)\n");
        PythonFunction slow = PythonFunction.builder("def slow():\n    return codebox_slow\n").imports("codebox_slow").build();
        LocalCommandLineExecutor executor = new LocalCommandLineExecutor(LocalExecutorConfig.builder()
                .python(TestPython.path()).environment("PYTHONPATH", lib.toString()).functions(slow).build());
        try {
            // The first execution starts the executor: the functions set-up takes 3 s, holding it.
            CompletableFuture<Object> starting = CompletableFuture.supplyAsync(() -> {
                try {
                    return executor.execute(CodeBlock.python("print('first')"));
                } catch (CodeExecutorException stopped) {
                    return stopped;
                }
            });
            Thread.sleep(500);
            CompletableFuture<CodeResult> waiting = CompletableFuture.supplyAsync(
                    () -> executor.execute(CodeBlock.python("print('ran after stop')")));
            Thread.sleep(500);
            executor.stop();
            CodeResult result = waiting.get(30, TimeUnit.SECONDS);
            assertEquals(CodeResult.EXIT_CANCELLED, result.exitCode(), result.output());
            assertFalse(result.output().contains("ran after stop"), result.output());
            starting.get(30, TimeUnit.SECONDS);
            assertFalse(executor.isStarted(), "stop() was not undone by the waiting execution");
        } finally {
            executor.close();
        }
    }
}
