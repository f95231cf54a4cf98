package dev.codebox.internal;

import dev.codebox.local.LocalCommandLineExecutor;

/** The source of the Python fork server, for the backends that run it elsewhere (the Docker runner). */
public final class ForkServerScript {

    private static final String SOURCE = Resources.read(LocalCommandLineExecutor.class, "forkserver.py");

    private ForkServerScript() {
    }

    public static String source() {
        return SOURCE;
    }
}
