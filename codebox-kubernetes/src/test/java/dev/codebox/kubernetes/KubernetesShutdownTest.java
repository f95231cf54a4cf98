package dev.codebox.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The JVM shutdown hook: a program that exits without stopping its executor leaves no pod. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KubernetesShutdownTest {

    @Test
    void podIsDeletedWhenTheProgramExits() throws Exception {
        TestCluster.client();
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ExitWithoutStop.class.getName())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String name = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(process.waitFor(90, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue());
        assertTrue(name.startsWith("codebox-"), name);
        assertNull(TestCluster.client().pods().inNamespace(TestCluster.NAMESPACE).withName(name).get(),
                "the pod outlived its program");
    }
}
