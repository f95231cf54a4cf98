package dev.codebox.internal;

import dev.codebox.functions.FunctionsFile;
import dev.codebox.local.LocalCommandLineExecutor;
import dev.codebox.testing.ScriptResources;
import org.junit.jupiter.api.Test;

/** The scripts codebox-core ships parse. */
class ScriptResourcesTest {

    @Test
    void pythonAndShellResourcesParse() throws Exception {
        ScriptResources.assertPythonParses(FunctionsFile.class, "check_syntax.py");
        ScriptResources.assertPythonParses(FunctionsSetup.class, "functions_setup.py");
        ScriptResources.assertShellParses(LocalCommandLineExecutor.class, "standby.sh");
        ScriptResources.assertPythonParses(LocalCommandLineExecutor.class, "forkserver.py");
        ScriptResources.assertShellParses(Watchdog.class, "watchdog.sh");
    }
}
