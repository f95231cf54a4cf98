package dev.codebox.jupyter.internal.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codebox.CodeBlock;
import dev.codebox.CodeExecutorException;
import dev.codebox.CodeResult;
import dev.codebox.functions.FunctionModule;
import dev.codebox.functions.PythonFunction;
import dev.codebox.jupyter.JupyterCodeExecutor;
import dev.codebox.jupyter.RemoteJupyterConfig;
import dev.codebox.jupyter.internal.protocol.Json;
import dev.codebox.testing.JupyterServerProcess;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The remote executor against a Jupyter Server process on this machine (Debian's jupyter-server). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RemoteJupyterExecutorTest {

    private static final String TOKEN = "test-token-" + System.nanoTime();
    private static JupyterServerProcess server;
    private static URI url;

    @TempDir
    static Path root;

    private JupyterCodeExecutor executor;

    @BeforeAll
    static void startServer() throws Exception {
        server = JupyterServerProcess.start(root, TOKEN);
        url = server.url();
    }

    @AfterAll
    static void stopServer() throws InterruptedException {
        if (server != null) {
            server.close();
        }
    }

    @AfterEach
    void stop() {
        if (executor != null) {
            executor.stop();
        }
    }

    private RemoteJupyterConfig.Builder config() {
        return RemoteJupyterConfig.builder(url).token(TOKEN).timeout(Duration.ofSeconds(2));
    }

    @Test
    void keepsStateSurvivesATimeoutAndDeletesItsKernelAtStop() throws IOException {
        executor = JupyterCodeExecutor.remote(config().build());
        assertEquals(0, executor.execute(CodeBlock.python("x = 41")).exitCode());
        CodeResult timedOut = executor.execute(CodeBlock.python("import time\nprint('before', flush=True)\ntime.sleep(30)"));
        assertEquals(CodeResult.EXIT_TIMEOUT, timedOut.exitCode());
        assertEquals("before\nTimeout\n", timedOut.output());
        CodeResult result = executor.execute(CodeBlock.python("from IPython.display import HTML, display\nx += 1\ndisplay(HTML('<i>x</i>'))\nx"));
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().endsWith("42\n"), result.output());
        assertEquals("<i>x</i>", Files.readString(result.outputFiles().get(0)));
        assertEquals(1, kernels().size());
        executor.stop();
        assertEquals(0, kernels().size());
    }

    @Test
    void theServersKernelWritesAndImportsTheFunctionsModule() throws IOException {
        FunctionModule module = FunctionModule.of(PythonFunction.builder("def cube(x):\n    return math.pow(x, 3)\n")
                .imports("math").build()).named("remote_tools");
        executor = JupyterCodeExecutor.remote(config().functions(module).build());
        assertEquals("8.0\n", executor.execute(CodeBlock.python("from remote_tools import cube\nprint(cube(2))")).output());
        assertEquals(module.source(), Files.readString(root.resolve("remote_tools.py")), "written in the kernel's directory");
    }

    @Test
    void restartRestartsTheSameKernelThroughTheServer() {
        FunctionModule module = FunctionModule.of(PythonFunction.builder("def double(x):\n    return 2 * x\n").build())
                .named("restart_tools");
        executor = JupyterCodeExecutor.remote(config().functions(module).build());
        assertEquals(0, executor.execute(CodeBlock.python("x = 1")).exitCode());
        String id = kernels().get(0).path("id").asText();
        executor.restart();
        assertEquals("False 4\n", executor.execute(CodeBlock.python(
                "from restart_tools import double\nprint('x' in globals(), double(2))")).output());
        assertEquals(1, kernels().size());
        assertEquals(id, kernels().get(0).path("id").asText(), "the same kernel, restarted");
    }

    @Test
    void aHugeMessageIsDroppedAsItArrivesAndAHugeWriteArrivesInSlices() {
        executor = JupyterCodeExecutor.remote(config().timeout(Duration.ofSeconds(60)).build());
        // Code that goes around the kernel's set-up and sends one message of 50 M characters.
        CodeResult forged = executor.execute(CodeBlock.python("k = get_ipython().kernel\n"
                + "k.session.send(k.iopub_socket, 'stream', {'name': 'stdout', 'text': 'A' * (50 << 20)})\n"
                + "print('after')"));
        assertEquals(0, forged.exitCode(), forged.output());
        assertTrue(forged.output().matches("(?s)codebox: a message of the kernel of \\d+ characters was dropped \\(at most "
                + WebSocketTransport.MAX_MESSAGE_CHARS + " are taken\\)\nafter\n"), forged.output());
        // One write larger than that limit, through the set-up: capped like any output, nothing dropped.
        CodeResult huge = executor.execute(CodeBlock.python("import sys\nsys.stdout.write('x' * (45 << 20))\nprint()\nprint('end')"));
        assertEquals(0, huge.exitCode(), huge.output());
        assertTrue(huge.output().contains("bytes of output dropped"), huge.output().substring(0, 200));
        assertTrue(huge.output().endsWith("x\nend\n"), "the tail is kept");
        assertEquals("ok\n", executor.execute(CodeBlock.python("print('ok')")).output());
    }

    @Test
    void wrongTokenIsAClearError() {
        executor = JupyterCodeExecutor.remote(config().token("wrong").build());
        CodeExecutorException error = assertThrows(CodeExecutorException.class, executor::start);
        assertTrue(error.getMessage().contains("HTTP 403 (wrong token?)"), error.getMessage());
    }

    @Test
    void unknownKernelIsAClearError() {
        executor = JupyterCodeExecutor.remote(config().kernelName("julia-1.9").build());
        CodeExecutorException error = assertThrows(CodeExecutorException.class, executor::start);
        assertTrue(error.getMessage().contains("has no kernel named 'julia-1.9'; it has: python3"), error.getMessage());
        assertEquals(0, kernels().size());
    }

    private static JsonNode kernels() {
        String body = server.get("api/kernels");
        if (body == null) {
            throw new IllegalStateException("the Jupyter server did not answer GET api/kernels");
        }
        return Json.parse(body);
    }
}
