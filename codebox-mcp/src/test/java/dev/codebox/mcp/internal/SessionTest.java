package dev.codebox.mcp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.CodeBlock;
import dev.codebox.local.LocalCommandLineExecutor;
import dev.codebox.local.LocalExecutorConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A session's close against an execution that was about to start. */
class SessionTest {

    @TempDir
    Path temp;

    @Test
    void anExecutionThatRestartedAClosedSessionsExecutorIsClosedAgainWhenItEnds() throws Exception {
        Path workDir = Files.createDirectories(temp.resolve("s"));
        LocalCommandLineExecutor executor = new LocalCommandLineExecutor(LocalExecutorConfig.builder().workDir(workDir).build());
        Session session = new Session("s-1", "owner", "local", Optional.empty(), List.of("sh"), executor, new ConfinedDir(workDir));

        assertTrue(session.beginUse());
        session.close(); // lands between the check and the execution
        assertEquals("x\n", executor.execute(CodeBlock.bash("echo x")).output(), "the executor starts again");
        session.endUse();

        assertFalse(executor.isStarted(), "closed again");
        assertFalse(Files.exists(workDir), "the work dir is deleted again");
        assertFalse(session.beginUse(), "a closed session takes no more executions");
    }
}
