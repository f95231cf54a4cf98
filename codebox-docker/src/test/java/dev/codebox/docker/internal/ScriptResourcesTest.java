package dev.codebox.docker.internal;

import dev.codebox.testing.ScriptResources;
import org.junit.jupiter.api.Test;

/** The scripts codebox-docker ships parse. */
class ScriptResourcesTest {

    @Test
    void pythonAndShellResourcesParse() throws Exception {
        ScriptResources.assertShellParses(SharedDir.class, "shared_check.sh");
    }
}
