package dev.codebox.runner.internal;

import dev.codebox.testing.ScriptResources;
import org.junit.jupiter.api.Test;

/** The scripts codebox-runner ships parse. */
class ScriptResourcesTest {

    @Test
    void runnerAndMainScriptParse() throws Exception {
        ScriptResources.assertPythonParses(RunnerProgram.class, "runner.py");
        ScriptResources.assertShellParses(RunnerProgram.class, "container_main.sh");
    }
}
