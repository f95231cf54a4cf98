package dev.codebox.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codebox.functions.PythonFunction;
import dev.codebox.local.LocalCommandLineExecutor;
import dev.codebox.local.LocalExecutorConfig;
import dev.codebox.testing.TestPython;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.agent.tool.ToolSpecifications;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.service.tool.DefaultToolExecutor;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Calls the tool as LangChain4j's AI services do: specification from the annotations, JSON arguments in. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CodeExecutionToolTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private LocalCommandLineExecutor executor;
    private CodeExecutionTool tool;

    @BeforeEach
    void start() {
        executor = new LocalCommandLineExecutor(LocalExecutorConfig.builder().python(TestPython.path())
                .functions(PythonFunction.builder("def shout(text: str) -> str:\n    return text.upper() + '!'\n").build())
                .build());
        tool = new CodeExecutionTool(executor);
    }

    @AfterEach
    void stop() {
        executor.close();
    }

    @Test
    void theSpecificationNamesTheToolAndItsParameters() {
        List<ToolSpecification> specifications = ToolSpecifications.toolSpecificationsFrom(tool);
        assertEquals(1, specifications.size());
        ToolSpecification specification = specifications.get(0);
        assertEquals("execute_code", specification.name());
        assertTrue(specification.description().startsWith("Runs code and returns its exit code and its output"),
                specification.description());
        JsonObjectSchema parameters = specification.parameters();
        assertEquals(List.of("language", "code"), List.copyOf(parameters.properties().keySet()));
        assertEquals(List.of("language", "code"), parameters.required());
    }

    @Test
    void aCallReturnsTheExitCodeAndTheOutputAsJson() throws Exception {
        JsonNode result = call(Map.of("language", "python", "code", "from functions import shout\nprint(shout('hi'))"));
        assertEquals(0, result.get("exitCode").asInt());
        assertEquals("HI!\n", result.get("output").asText());
        assertFalse(result.get("timedOut").asBoolean());
        assertTrue(result.get("outputFiles").isArray());
    }

    @Test
    void failingCodeIsAResultWithItsExitCode() throws Exception {
        JsonNode result = call(Map.of("language", "sh", "code", "echo oops >&2\nexit 3"));
        assertEquals(3, result.get("exitCode").asInt());
        assertEquals("oops\n", result.get("output").asText());
        JsonNode unknown = call(Map.of("language", "cobol", "code", "DISPLAY 'HI'."));
        assertEquals(1, unknown.get("exitCode").asInt());
        assertEquals("unknown language cobol\n", unknown.get("output").asText());
    }

    @Test
    void callsShareTheWorkDirAndTheToolLeavesTheExecutorOpen() throws Exception {
        assertEquals(0, call(Map.of("language", "python", "code", "open('note.txt', 'w').write('kept')")).get("exitCode").asInt());
        assertEquals("kept", call(Map.of("language", "bash", "code", "cat note.txt")).get("output").asText());
        assertTrue(executor.isStarted());
    }

    @Test
    void theEngineReturnsOutputOrTheExitCodeAndOutput() {
        CodeboxExecutionEngine engine = new CodeboxExecutionEngine(executor);
        assertEquals("42\n", engine.execute("print(6 * 7)"));
        String failure = engine.execute("raise ValueError('bad')");
        assertTrue(failure.startsWith("exit code 1\nTraceback"), failure);
        assertTrue(failure.endsWith("ValueError: bad\n"), failure);
        assertEquals("sh\n", new CodeboxExecutionEngine(executor, "sh").execute("echo sh"));
    }

    /** As LangChain4j's ToolService: one executor per @Tool method, chosen by the specification's name. */
    private JsonNode call(Map<String, String> arguments) throws Exception {
        Method method = Arrays.stream(CodeExecutionTool.class.getDeclaredMethods())
                .filter(m -> m.isAnnotationPresent(Tool.class))
                .filter(m -> ToolSpecifications.toolSpecificationFrom(m).name().equals("execute_code"))
                .findFirst().orElseThrow();
        ToolExecutionRequest request = ToolExecutionRequest.builder()
                .id("call-1")
                .name("execute_code")
                .arguments(JSON.writeValueAsString(arguments))
                .build();
        String text = new DefaultToolExecutor(tool, method).execute(request, "memory-1");
        return JSON.readTree(text);
    }
}
