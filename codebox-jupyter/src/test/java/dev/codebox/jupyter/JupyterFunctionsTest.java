package dev.codebox.jupyter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.CodeBlock;
import dev.codebox.CodeExecutorException;
import dev.codebox.CodeResult;
import dev.codebox.functions.FunctionModule;
import dev.codebox.functions.PythonFunction;
import dev.codebox.testing.Processes;
import dev.codebox.testing.TestEnvironment;
import dev.codebox.testing.TestPython;
import dev.codebox.testing.Wheels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Functions with requirements in a local kernel. Requirements need a kernel whose Python accepts pip
 * installs: the tests make a kernelspec running a virtual environment that sees Debian's ipykernel
 * (--system-site-packages); its path in the command line also tells whether a kernel was left behind.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class JupyterFunctionsTest {

    private static final PythonFunction GREET = PythonFunction.builder("""
            def greet(name: str) -> str:
                \"""Greets NAME.\"""
                return textwrap.shorten("hello " + name, width=40)
            """).imports("textwrap").build();

    @TempDir
    static Path shared;

    private static Path venv;
    private static Path kernelData;

    private JupyterCodeExecutor executor;

    @TempDir
    Path workDir;

    @BeforeAll
    static void venvKernel() throws Exception {
        TestKernels.python();
        venv = shared.resolve("venv");
        Process process = new ProcessBuilder(TestPython.path().toString(), "-m", "venv", "--system-site-packages", venv.toString())
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        TestEnvironment.require(process.waitFor() == 0, "python3 -m venv failed (is python3-venv installed?): " + output);
        kernelData = shared.resolve("data");
        Path spec = Files.createDirectories(kernelData.resolve("kernels/venv"));
        Files.writeString(spec.resolve("kernel.json"), "{\"argv\": [\"" + venv.resolve("bin/python")
                + "\", \"-m\", \"ipykernel_launcher\", \"-f\", \"{connection_file}\"], \"display_name\": \"venv\", \"language\": \"python\"}");
    }

    @AfterEach
    void stop() {
        if (executor != null) {
            executor.stop();
        }
    }

    private static LocalJupyterConfig.Builder venvKernelConfig() {
        return TestKernels.python().kernelDataDirs(List.of(kernelData)).kernelName("venv").timeout(Duration.ofSeconds(30));
    }

    @Test
    void theModuleIsWrittenAndImportedInTheKernelWithoutLeavingNames() throws Exception {
        executor = JupyterCodeExecutor.local(TestKernels.python().workDir(workDir).functions(FunctionModule.of(GREET)).build());
        CodeResult result = executor.execute(CodeBlock.python(
                "from functions import greet\nprint(greet('kernel'))\nimport sys\n"
                        + "print('functions' in sys.modules, [n for n in globals() if n.startswith('_codebox')])"));
        assertEquals("hello kernel\nTrue []\n", result.output());
        assertEquals(FunctionModule.of(GREET).source(), Files.readString(workDir.resolve("functions.py")));
        executor.restart();
        assertEquals("hello again\n", executor.execute(CodeBlock.python("from functions import greet\nprint(greet('again'))")).output());
    }

    @Test
    void aRequirementFromALocalWheelIsInstalledWithTheKernelsPython() throws Exception {
        Path wheel = Wheels.build(shared.resolve("dist"), "codebox_kernel_probe", "1.0", "SOURCE = 'wheel'\n");
        PythonFunction source = PythonFunction.builder("def source() -> str:\n    return codebox_kernel_probe.SOURCE\n")
                .imports("codebox_kernel_probe").requirements(wheel.toString()).build();
        executor = JupyterCodeExecutor.local(venvKernelConfig().functions(FunctionModule.of(source, GREET).named("tools")).build());
        CodeResult result = executor.execute(CodeBlock.python(
                "from tools import source\nimport codebox_kernel_probe, sys\nprint(source(), codebox_kernel_probe.__file__.startswith(sys.prefix))"));
        assertEquals("wheel True\n", result.output());
        try (Stream<Path> files = Files.walk(venv.resolve("lib"))) {
            assertTrue(files.anyMatch(file -> file.getFileName().toString().equals("codebox_kernel_probe")), "installed in the venv");
        }
    }

    @Test
    void aBrokenFunctionFailsStartWithTheTracebackAndStopsTheKernel() throws Exception {
        PythonFunction broken = PythonFunction.builder("def f():\n    return codebox_absent.x\n").imports("codebox_absent").build();
        executor = JupyterCodeExecutor.local(venvKernelConfig().workDir(workDir).functions(FunctionModule.of(broken)).build());
        CodeExecutorException e = assertThrows(CodeExecutorException.class, executor::start);
        assertTrue(e.getMessage().startsWith("functions failed to load: Traceback (most recent call last):"), e.getMessage());
        assertTrue(e.getMessage().endsWith("ModuleNotFoundError: No module named 'codebox_absent'"), e.getMessage());
        assertTrue(executor.outputDir().isEmpty(), "not started");
        assertEquals(List.of(), Processes.awaitGone(venv.toString(), Duration.ofSeconds(10)), "the kernel is gone");
        assertFalse(Files.exists(workDir.resolve("functions.py")), "the module file is removed");
    }

    @Test
    void aMissingRequirementFailsStartWithPipsMessage() throws Exception {
        Path missing = shared.resolve("dist/codebox_nowhere-1.0-py3-none-any.whl");
        PythonFunction function = PythonFunction.builder("def f():\n    return 1\n").requirements(missing.toString()).build();
        executor = JupyterCodeExecutor.local(venvKernelConfig().functions(FunctionModule.of(function)).build());
        CodeExecutorException e = assertThrows(CodeExecutorException.class, executor::start);
        assertTrue(e.getMessage().startsWith("pip install failed: "), e.getMessage());
        assertTrue(e.getMessage().contains("No such file or directory: '" + missing + "'"), e.getMessage());
        assertEquals(List.of(), Processes.awaitGone(venv.toString(), Duration.ofSeconds(10)), "the kernel is gone");
    }

    @Test
    void debiansKernelPythonRefusesPipAndSaysSo() {
        PythonFunction function = PythonFunction.builder("def f():\n    return 1\n").requirements("codebox-anything").build();
        executor = JupyterCodeExecutor.local(TestKernels.python().functions(FunctionModule.of(function)).build());
        CodeExecutorException e = assertThrows(CodeExecutorException.class, executor::start);
        assertTrue(e.getMessage().startsWith("pip install failed: "), e.getMessage());
        assertTrue(e.getMessage().contains("externally-managed-environment"), e.getMessage());
    }
}
