package dev.codebox.local;

import dev.codebox.CodeBlock;
import dev.codebox.testing.TestPython;
import java.time.Duration;

/**
 * A program for {@link LocalKilledJvmTest}: starts a local executor, prints its work dir, then runs
 * a long block (argument: the shell code) until it is killed.
 */
public final class RunAndWait {

    private RunAndWait() {
    }

    public static void main(String[] args) {
        LocalCommandLineExecutor executor = new LocalCommandLineExecutor(LocalExecutorConfig.builder()
                .python(TestPython.path()).timeout(Duration.ofMinutes(10)).build());
        executor.start();
        System.out.println(executor.workDir());
        System.out.flush();
        executor.execute(CodeBlock.bash(args[0]));
    }
}
