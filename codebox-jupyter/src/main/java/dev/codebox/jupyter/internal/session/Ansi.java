package dev.codebox.jupyter.internal.session;

import java.util.regex.Pattern;

/** Removes ANSI escape sequences (the colours of IPython tracebacks). */
final class Ansi {

    private static final Pattern ESCAPES = Pattern.compile("\u001B(?:\\[[0-?]*[ -/]*[@-~]|[@-Z\\\\-_])");

    private Ansi() {
    }

    static String strip(String text) {
        return text.indexOf('\u001B') < 0 ? text : ESCAPES.matcher(text).replaceAll("");
    }
}
