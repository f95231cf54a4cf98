package dev.codebox.jupyter.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.CodeBlock;
import dev.codebox.CodeExecutorException;
import dev.codebox.functions.FunctionModule;
import dev.codebox.functions.PythonFunction;
import dev.codebox.jupyter.JupyterCodeExecutor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The functions module in a kernel of a Jupyter server in a container (the image's pip is Debian's). */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DockerJupyterFunctionsTest {

    private JupyterCodeExecutor executor;

    @AfterEach
    void stop() {
        if (executor != null) {
            executor.stop();
        }
    }

    @Test
    void theKernelInTheContainerImportsTheFunctions(@TempDir Path dir) throws Exception {
        PythonFunction mean = PythonFunction.builder("def mean(values):\n    return statistics.mean(values)\n")
                .imports("statistics").build();
        executor = DockerJupyter.executor(TestDockerJupyter.config().outputDir(dir).timeout(Duration.ofSeconds(60))
                .functions(FunctionModule.of(mean)).build());
        assertEquals("2\n", executor.execute(CodeBlock.python("from functions import mean\nprint(mean([1, 2, 3]))")).output());
        assertTrue(Files.exists(dir.resolve("functions.py")), "written by the kernel into the bound directory");
    }

    @Test
    void aFailedSetUpLeavesNoContainer() {
        PythonFunction broken = PythonFunction.of("def f(x=codebox_undefined_in_container):\n    return x\n");
        executor = DockerJupyter.executor(TestDockerJupyter.config().functions(FunctionModule.of(broken)).build());
        CodeExecutorException e = assertThrows(CodeExecutorException.class, executor::start);
        assertTrue(e.getMessage().startsWith("functions failed to load: Traceback"), e.getMessage());
        assertTrue(e.getMessage().endsWith("NameError: name 'codebox_undefined_in_container' is not defined"), e.getMessage());
        assertTrue(TestDockerJupyter.containersOfThisJvm().isEmpty(), "the server's container is removed");
        assertFalse(executor.outputDir().isPresent());
    }
}
