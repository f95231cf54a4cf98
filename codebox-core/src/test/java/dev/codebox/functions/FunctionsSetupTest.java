package dev.codebox.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.CodeExecutorException;
import dev.codebox.internal.FunctionsSetup;
import dev.codebox.testing.TestPython;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The kernel flavour of the set-up program, run by a plain interpreter the way a kernel runs a cell. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FunctionsSetupTest {

    /** Runs the program with exec() in a fresh namespace, then prints what names it left. */
    private static final String HARNESS = "import sys\nnamespace = {'__name__': '__main__'}\n"
            + "exec(open(sys.argv[1]).read(), namespace)\n"
            + "print('names:', sorted(name for name in namespace if not name.startswith('__')))\n"
            + "print('loaded:', 'tools' in sys.modules)\n";

    @TempDir
    Path dir;

    @Test
    void theKernelProgramWritesAndImportsTheModuleAndLeavesNoNames() throws Exception {
        FunctionModule module = FunctionModule.of(PythonFunction.builder("def twice(x):\n    return 2 * x\n").imports("math").build())
                .named("tools");
        String output = run(FunctionsSetup.scriptForKernel(module));
        assertEquals("names: []\nloaded: True\n", output);
        assertEquals(module.source(), Files.readString(dir.resolve("tools.py")));
        FunctionsSetup.check(0, output);
    }

    @Test
    void aFailureIsPrintedAndTheModuleFileRemoved() throws Exception {
        FunctionModule module = FunctionModule.of(PythonFunction.of("def broken(x=codebox_undefined):\n    pass\n")).named("tools");
        String output = run(FunctionsSetup.scriptForKernel(module));
        assertTrue(output.endsWith("names: []\nloaded: False\n"), output);
        assertFalse(Files.exists(dir.resolve("tools.py")));
        CodeExecutorException e = assertThrows(CodeExecutorException.class,
                () -> FunctionsSetup.check(0, output.substring(0, output.indexOf("names:"))));
        assertTrue(e.getMessage().startsWith("functions failed to load: Traceback"), e.getMessage());
        assertTrue(e.getMessage().endsWith("NameError: name 'codebox_undefined' is not defined"), e.getMessage());
    }

    private String run(String program) throws Exception {
        Files.writeString(dir.resolve("setup.py.txt"), program);
        Files.writeString(dir.resolve("harness.py"), HARNESS);
        Process process = new ProcessBuilder(TestPython.path().toString(), "harness.py", "setup.py.txt")
                .directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), output);
        return output;
    }
}
