package dev.codebox.jupyter.spi;

import java.util.Locale;

/** The kernel channels a client talks to (the heartbeat has no messages and is handled apart). */
public enum Channel {
    SHELL, IOPUB, CONTROL, STDIN;

    private final String wireName = name().toLowerCase(Locale.ROOT);

    /** The name used in connection files and websocket messages: {@code shell}, {@code iopub}, ... */
    public String wireName() {
        return wireName;
    }

    /** The channel for a websocket {@code channel} field, or {@code null} when unknown. */
    public static Channel fromWireName(String name) {
        for (Channel channel : values()) {
            if (channel.wireName.equals(name)) {
                return channel;
            }
        }
        return null;
    }
}
