package dev.codebox.local;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The environment local code gets: scrubbed of credential-looking variables on request, and
 * reduced to a handful of variables in the sandbox.
 */
final class Environments {

    /**
     * The names removed by {@code scrubEnvironment(true)}, as glob patterns matched without regard
     * to case: what AutoGen's {@code sandbox=True} filters, and more.
     */
    static final List<String> CREDENTIAL_PATTERNS = List.of(
            "*_KEY", "*_KEYS", "*_KEY_ID", "*APIKEY*", "*API_KEY*", "*_TOKEN", "*_TOKENS", "*TOKEN_*",
            "*_SECRET", "*_SECRETS", "*SECRET_*", "*PASSWORD*", "*PASSWD*", "*_PASS", "*_PWD",
            "*CREDENTIAL*", "*_AUTH", "*_PAT", "*_DSN", "*CONNECTION_STRING*",
            "AWS_*", "AZURE_*", "GOOGLE_APPLICATION_CREDENTIALS", "GCLOUD_*",
            "SSH_AUTH_SOCK", "GPG_AGENT_INFO", "KUBECONFIG", "DOCKER_CONFIG", "NETRC");

    /** The variables of this machine a sandboxed block keeps (when set); HOME and PATH are set anew. */
    static final List<String> SANDBOX_KEPT = List.of("LANG", "LC_ALL", "LC_CTYPE", "TERM", "TZ");

    private static final Pattern CREDENTIALS = Pattern.compile(CREDENTIAL_PATTERNS.stream()
            .map(glob -> glob.replace("*", ".*")).reduce((a, b) -> a + "|" + b).orElseThrow(),
            Pattern.CASE_INSENSITIVE);

    private Environments() {
    }

    /** Whether {@code name} looks like it holds a credential. */
    static boolean isCredential(String name) {
        return CREDENTIALS.matcher(name.toUpperCase(Locale.ROOT)).matches();
    }

    /** {@code environment} without its credential-looking variables. */
    static Map<String, String> scrubbed(Map<String, String> environment) {
        Map<String, String> kept = new LinkedHashMap<>();
        environment.forEach((name, value) -> {
            if (!isCredential(name)) {
                kept.put(name, value);
            }
        });
        return kept;
    }

    /**
     * The environment of a sandboxed block: {@code PATH} (a virtual environment's bin dir first),
     * {@code HOME} set to the work dir, {@link #SANDBOX_KEPT} from this machine, then the
     * variables the configuration names, which win.
     */
    static Map<String, String> sandboxed(Map<String, String> machine, Path workDir, String path,
            Map<String, String> configured) {
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("PATH", path);
        environment.put("HOME", workDir.toString());
        SANDBOX_KEPT.forEach(name -> {
            if (machine.containsKey(name)) {
                environment.put(name, machine.get(name));
            }
        });
        environment.putAll(configured);
        return environment;
    }
}
