package dev.codebox.local;

import dev.codebox.CodeBlock;
import dev.codebox.testing.TestPython;

/**
 * A program for {@link LocalSandboxTest}: runs one block that prints some variables of its
 * environment, with {@code scrubEnvironment(true)} (argument {@code scrub}) or in the sandbox
 * (argument {@code sandbox}), in a JVM whose environment the test set.
 */
public final class PrintEnvironment {

    private PrintEnvironment() {
    }

    public static void main(String[] args) {
        LocalExecutorConfig.Builder config = LocalExecutorConfig.builder().python(TestPython.path());
        if (args[0].equals("sandbox")) {
            config.sandbox(SandboxPolicy.defaults());
        } else {
            config.scrubEnvironment(true);
        }
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(config.build())) {
            System.out.print(executor.execute(CodeBlock.python("import os\nprint(*(os.environ.get(name) for name in"
                    + " ['FAKE_API_KEY', 'AWS_SECRET_ACCESS_KEY', 'DB_PASSWORD', 'GITHUB_TOKEN', 'HARMLESS_VAR']))")).output().strip());
        }
    }
}
