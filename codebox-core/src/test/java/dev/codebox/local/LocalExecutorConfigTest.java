package dev.codebox.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LocalExecutorConfigTest {

    @Test
    void onlyTheBuilderMakesOne() {
        assertEquals(0, LocalExecutorConfig.class.getConstructors().length, "a public constructor would freeze the settings");
        LocalExecutorConfig config = LocalExecutorConfig.builder().timeout(Duration.ofSeconds(5))
                .workDir(Path.of("/tmp/w")).environment("A", "1").build();
        assertEquals(config, config.toBuilder().build());
        assertEquals(config.hashCode(), config.toBuilder().build().hashCode());
        assertEquals(Duration.ofSeconds(5), config.timeout());
        assertThrows(IllegalArgumentException.class, () -> LocalExecutorConfig.builder().timeout(Duration.ofMillis(10)).build());
        LocalExecutorConfig spawning = config.toBuilder().pythonServer(false).pythonForkServer(false).build();
        assertEquals(spawning, spawning.toBuilder().build(), "toBuilder keeps the python server settings");
        assertNotEquals(config, spawning);
        assertTrue(config.pythonServer() && config.pythonForkServer(), "both on by default");
    }

    @Test
    void toStringNamesEnvironmentVariablesButNotTheirValues() {
        String text = LocalExecutorConfig.builder().environment("OPENAI_API_KEY", "sk-s3cret").build().toString();
        assertTrue(text.contains("OPENAI_API_KEY"), text);
        assertFalse(text.contains("sk-s3cret"), text);
    }
}
