package dev.codebox.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.CodeBlock;
import dev.codebox.local.LocalCommandLineExecutor;
import dev.codebox.local.LocalExecutorConfig;
import dev.codebox.testing.TestPython;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CodeExecutorAgentTest {

    @TempDir
    Path workDir;

    private LocalCommandLineExecutor executor;

    @BeforeEach
    void start() {
        executor = new LocalCommandLineExecutor(LocalExecutorConfig.builder().python(TestPython.path()).workDir(workDir).build());
    }

    @AfterEach
    void stop() {
        executor.close();
    }

    @Test
    void aMessageWithoutAcceptedCodeAsksForAFencedBlock() {
        CodeExecutorAgent agent = CodeExecutorAgent.of(executor);
        for (String message : List.of("I think the answer is 42.", "```javascript\nconsole.log(1)\n```",
                "```bash\necho not accepted by default\n```")) {
            AgentReply reply = agent.reply(message);
            assertEquals(AgentReply.Kind.NO_CODE, reply.kind());
            assertFalse(reply.ran());
            assertTrue(reply.text().contains("fenced block marked with its language (python or sh)"), reply.text());
            assertTrue(reply.text().contains("```python\n"), reply.text());
        }
        assertFalse(executor.isStarted(), "nothing ran");
    }

    @Test
    void outputIsTheReply() {
        AgentReply reply = CodeExecutorAgent.of(executor).reply("Let me compute.\n```python\nprint(6 * 7)\n```\nand\n```sh\necho done\n```");
        assertEquals(AgentReply.Kind.OUTPUT, reply.kind());
        assertEquals("--- block 1 (python) ---\n42\n--- block 2 (sh) ---\ndone\n", reply.text());
        assertEquals(0, reply.result().orElseThrow().exitCode());
    }

    @Test
    void noOutputSaysSoWithTheExitCode() {
        AgentReply reply = CodeExecutorAgent.of(executor).reply("```python\nx = 1\n```");
        assertEquals(AgentReply.Kind.NO_OUTPUT, reply.kind());
        assertTrue(reply.text().startsWith("The script ran but produced no output (exit code 0)."), reply.text());
        AgentReply failedSilently = CodeExecutorAgent.of(executor).reply("```sh\nexit 4\n```");
        assertEquals(AgentReply.Kind.NO_OUTPUT, failedSilently.kind());
        assertTrue(failedSilently.text().contains("(exit code 4)"), failedSilently.text());
    }

    @Test
    void aFailureGivesTheExitCodeAndTheOutput() {
        AgentReply reply = CodeExecutorAgent.of(executor).reply("```py\nprint('before')\nraise SystemExit(3)\n```");
        assertEquals(AgentReply.Kind.ERROR, reply.kind());
        assertEquals("The script ran, then exited with an error (exit code 3), its output was:\nbefore\n", reply.text());
        assertEquals(3, reply.result().orElseThrow().exitCode());
    }

    @Test
    void theApprovalSeesTheBlocksAndCanRefuseWithAReason() {
        List<List<CodeBlock>> reviewed = new ArrayList<>();
        CodeExecutorAgent agent = CodeExecutorAgent.builder(executor).approval(blocks -> {
            reviewed.add(blocks);
            return blocks.stream().anyMatch(block -> block.code().contains("rm "))
                    ? CodeApproval.Decision.deny("it deletes files") : CodeApproval.Decision.approve();
        }).build();
        AgentReply denied = agent.reply("```sh\ntouch made-by-code\nrm -rf data\n```");
        assertEquals(AgentReply.Kind.NOT_APPROVED, denied.kind());
        assertEquals("Code execution was not approved. Reason: it deletes files", denied.text());
        assertFalse(denied.ran());
        assertFalse(Files.exists(workDir.resolve("made-by-code")), "denied code did not run");
        assertEquals(List.of(new CodeBlock("sh", "touch made-by-code\nrm -rf data")), reviewed.get(0));

        AgentReply approved = agent.reply("```python\nprint('fine')\n```");
        assertEquals(AgentReply.Kind.OUTPUT, approved.kind());
        assertEquals("fine\n", approved.text());
        assertEquals(2, reviewed.size());
    }

    @Test
    void acceptedLanguagesCanBeChosen() {
        CodeExecutorAgent agent = CodeExecutorAgent.builder(executor).languages("bash").build();
        assertEquals(List.of("bash"), agent.languages());
        assertEquals("ok\n", agent.reply("```python\nprint('skipped')\n```\n```bash\necho ok\n```").text());
        assertTrue(agent.reply("```python\nprint(1)\n```").text().contains("marked with its language (bash)"));
        assertThrows(IllegalArgumentException.class, () -> CodeExecutorAgent.builder(executor).languages());
    }
}
