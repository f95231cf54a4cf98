package dev.codebox.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Reads the scripts codebox ships as resources (Python and shell code never lives in Java strings).
 * Not meant for applications.
 */
public final class Resources {

    private Resources() {
    }

    /**
     * The UTF-8 text of resource {@code name}, relative to {@code owner}'s package.
     *
     * @throws IllegalStateException when the jar lacks it (a broken build)
     */
    public static String read(Class<?> owner, String name) {
        try (InputStream in = owner.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the jar of " + owner.getName());
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + name + " from the jar of " + owner.getName(), e);
        }
    }
}
