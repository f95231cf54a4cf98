package dev.codebox.internal;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** This machine's environment as code may see it: without codebox's own secrets. */
public final class CodeEnvironment {

    /** Variables that hold codebox's credentials (the MCP server's token); never passed to code. */
    public static final Set<String> CODEBOX_SECRETS = Set.of("CODEBOX_MCP_TOKEN");

    private CodeEnvironment() {
    }

    /** This JVM's environment minus {@link #CODEBOX_SECRETS}. */
    public static Map<String, String> ofMachine() {
        Map<String, String> environment = new HashMap<>(System.getenv());
        environment.keySet().removeAll(CODEBOX_SECRETS);
        return environment;
    }
}
