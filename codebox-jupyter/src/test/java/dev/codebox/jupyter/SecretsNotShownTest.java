package dev.codebox.jupyter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.jupyter.internal.kernel.ConnectionInfo;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** Tokens and kernel keys never appear in a toString (and so in logs or messages built from one). */
class SecretsNotShownTest {

    @Test
    void theServerTokenIsHidden() {
        RemoteJupyterConfig config = RemoteJupyterConfig.builder(URI.create("http://127.0.0.1:8888/"))
                .token("s3cr3t-t0ken").build();
        assertFalse(config.toString().contains("s3cr3t-t0ken"), config.toString());
        assertTrue(config.toString().contains("token=(hidden)"), config.toString());
        assertTrue(RemoteJupyterConfig.builder(URI.create("http://127.0.0.1:8888/")).build().toString().contains("token=none"));
    }

    @Test
    void theKernelKeyIsHidden() {
        ConnectionInfo info = ConnectionInfo.allocate();
        assertFalse(info.toString().contains(info.key()), info.toString());
    }

    @Test
    void configurationsAreMadeOnlyByTheirBuilders() {
        assertEquals(0, LocalJupyterConfig.class.getConstructors().length);
        assertEquals(0, RemoteJupyterConfig.class.getConstructors().length);
        assertEquals(RemoteJupyterConfig.builder(URI.create("http://127.0.0.1:8888/")).token("t").build(),
                RemoteJupyterConfig.builder(URI.create("http://127.0.0.1:8888/")).token("t").build());
    }
}
