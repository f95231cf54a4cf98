package dev.codebox.jupyter.docker;

import dev.codebox.testing.ScriptResources;
import org.junit.jupiter.api.Test;

/** The scripts codebox-jupyter-docker ships parse. */
class ScriptResourcesTest {

    @Test
    void pythonResourcesParse() throws Exception {
        ScriptResources.assertPythonParses(DockerJupyterServer.class, "jupyter_server.py");
    }
}
