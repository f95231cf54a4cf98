package dev.codebox.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codebox.local.LocalCommandLineExecutor;
import dev.codebox.local.LocalExecutorConfig;
import dev.codebox.testing.TestPython;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.service.AiServices;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The tool wired the way an application wires it: an {@link AiServices} assistant whose chat model
 * asks for {@code execute_code}. No model runs here, so a scripted model plays its part: it asks for
 * the tool when it sees the user's question, then answers with what the tool returned. LangChain4j
 * does the rest (the tool's specification from its annotations, the call, the result message).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AiServicesToolCallTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    interface Assistant {
        String chat(String question);
    }

    /** Asks for execute_code once, then repeats the tool's result as its answer. */
    static final class ScriptedModel implements ChatModel {
        final List<ChatRequest> requests = new ArrayList<>();

        @Override
        public ChatResponse doChat(ChatRequest request) {
            requests.add(request);
            ChatMessage last = request.messages().get(request.messages().size() - 1);
            if (last instanceof ToolExecutionResultMessage result) {
                return ChatResponse.builder().aiMessage(AiMessage.from("The tool said: " + result.text())).build();
            }
            ToolExecutionRequest call = ToolExecutionRequest.builder().id("call-1").name("execute_code")
                    .arguments("{\"language\": \"python\", \"code\": \"print(6 * 7)\"}").build();
            return ChatResponse.builder().aiMessage(AiMessage.from(call)).build();
        }
    }

    @Test
    void anAssistantRunsCodeThroughTheTool() throws Exception {
        ScriptedModel model = new ScriptedModel();
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(
                LocalExecutorConfig.builder().python(TestPython.path()).build())) {
            Assistant assistant = AiServices.builder(Assistant.class)
                    .chatModel(model)
                    .tools(new CodeExecutionTool(executor))
                    .build();
            String answer = assistant.chat("What is six times seven? Compute it.");

            assertTrue(answer.startsWith("The tool said: "), answer);
            JsonNode result = JSON.readTree(answer.substring("The tool said: ".length()));
            assertEquals(0, result.get("exitCode").asInt(), answer);
            assertEquals("42\n", result.get("output").asText(), answer);
            assertEquals(2, model.requests.size());
            assertTrue(model.requests.get(0).toolSpecifications().stream()
                    .anyMatch(tool -> tool.name().equals("execute_code")), "the model was offered execute_code");
        }
    }
}
