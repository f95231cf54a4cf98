package dev.codebox.springai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codebox.local.LocalCommandLineExecutor;
import dev.codebox.local.LocalExecutorConfig;
import dev.codebox.testing.TestPython;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.model.tool.ToolCallingManager;
import org.springframework.ai.model.tool.ToolExecutionResult;
import org.springframework.ai.tool.definition.ToolDefinition;

/**
 * The tool used the way a Spring AI application uses it: {@code ChatClient...tools(new
 * CodeboxTools(executor))}. No model runs here, so a scripted chat model plays its part as Spring
 * AI's own models do: it asks for {@code execute_code}, has Spring AI's {@link ToolCallingManager}
 * run the call, and answers with the tool's response.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CodeboxToolsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static final class ScriptedModel implements ChatModel {
        final ToolCallingManager tools = ToolCallingManager.builder().build();
        final List<List<ToolDefinition>> offered = new ArrayList<>();

        @Override
        public ChatOptions getDefaultOptions() {
            return ToolCallingChatOptions.builder().build();
        }

        @Override
        public ChatOptions getOptions() {
            return getDefaultOptions();
        }

        @Override
        public ChatResponse call(Prompt prompt) {
            offered.add(tools.resolveToolDefinitions((ToolCallingChatOptions) prompt.getOptions()));
            AssistantMessage call = AssistantMessage.builder().content("")
                    .toolCalls(List.of(new AssistantMessage.ToolCall("call-1", "function", "execute_code",
                            "{\"code\": \"print(6 * 7)\"}")))
                    .build();
            ChatResponse asked = new ChatResponse(List.of(new Generation(call)));
            ToolExecutionResult executed = tools.executeToolCalls(prompt, asked);
            List<Message> history = executed.conversationHistory();
            ToolResponseMessage response = (ToolResponseMessage) history.get(history.size() - 1);
            String answer = "The tool said: " + response.getResponses().get(0).responseData();
            return new ChatResponse(List.of(new Generation(new AssistantMessage(answer))));
        }
    }

    @Test
    void aChatClientRunsCodeThroughTheTool() throws Exception {
        ScriptedModel model = new ScriptedModel();
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(
                LocalExecutorConfig.builder().python(TestPython.path()).build())) {
            String answer = ChatClient.create(model).prompt()
                    .user("What is six times seven? Compute it.")
                    .tools(new CodeboxTools(executor))
                    .call()
                    .content();

            assertTrue(answer.startsWith("The tool said: {"), answer + " / " + model.offered.get(0).get(0).inputSchema());
            JsonNode result = JSON.readTree(answer.substring("The tool said: ".length()));
            assertEquals(0, result.get("exitCode").asInt(), answer);
            assertEquals("42\n", result.get("output").asText(), answer);
            assertEquals(1, model.offered.get(0).size());
            ToolDefinition definition = model.offered.get(0).get(0);
            assertEquals("execute_code", definition.name());
            JsonNode schema = JSON.readTree(definition.inputSchema());
            assertEquals(List.of("code"), JSON.convertValue(schema.get("required"), List.class), definition.inputSchema());
        }
    }

    @Test
    void failingCodeIsAResultNotAnError() {
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(
                LocalExecutorConfig.builder().python(TestPython.path()).build())) {
            CodeboxTools.Result result = new CodeboxTools(executor).executeCode("exit 3", "bash");
            assertEquals(3, result.exitCode());
            assertEquals(1, new CodeboxTools(executor).toolCallbacks().length);
        }
    }
}
