package dev.codebox.jupyter;

import dev.codebox.testing.ScriptResources;
import org.junit.jupiter.api.Test;

/** The scripts codebox-jupyter ships parse. */
class ScriptResourcesTest {

    @Test
    void pythonResourcesParse() {
        ScriptResources.assertPythonParses(PythonSetup.class, "python_setup.py", "display_limit.py");
    }
}
