package dev.codebox.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvironmentsTest {

    @Test
    void credentialLookingNamesAreRecognised() {
        for (String name : List.of("OPENAI_API_KEY", "FAKE_API_KEY", "openai_api_key", "GITHUB_TOKEN", "HF_TOKEN",
                "AWS_ACCESS_KEY_ID", "AWS_SESSION_TOKEN", "AZURE_CLIENT_SECRET", "DB_PASSWORD", "PGPASSWORD",
                "MYSQL_PWD", "SENTRY_DSN", "GOOGLE_APPLICATION_CREDENTIALS", "SSH_AUTH_SOCK", "KUBECONFIG",
                "ANTHROPIC_API_KEY", "NPM_TOKEN", "CLIENT_SECRET", "DATABASE_CONNECTION_STRING")) {
            assertTrue(Environments.isCredential(name), name);
        }
        for (String name : List.of("PATH", "HOME", "LANG", "HARMLESS_VAR", "CLASSPATH", "PYTHONPATH", "KEYBOARD",
                "TERM", "VIRTUAL_ENV", "JAVA_HOME")) {
            assertFalse(Environments.isCredential(name), name);
        }
    }

    @Test
    void theSandboxKeepsOnlyAFewVariablesAndWhatTheConfigurationNames() {
        Map<String, String> environment = Environments.sandboxed(
                Map.of("LANG", "C.UTF-8", "USER", "me", "OPENAI_API_KEY", "k", "TERM", "xterm"),
                Path.of("/work"), "/usr/bin:/bin", Map.of("MY_TOKEN", "given on purpose"));
        assertEquals(Map.of("PATH", "/usr/bin:/bin", "HOME", "/work", "LANG", "C.UTF-8", "TERM", "xterm",
                "MY_TOKEN", "given on purpose"), environment);
    }
}
