package dev.codebox.internal;

import dev.codebox.ExecutorConfigBuilder;
import java.time.Duration;
import java.util.Objects;

/** Checks of configuration values shared by the executors' configurations. */
public final class Settings {


    private Settings() {
    }

    /**
     * @return {@code timeout}
     * @throws IllegalArgumentException when it is shorter than one second
     */
    public static Duration requireTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("timeout must be at least 1 second, was " + timeout);
        }
        return timeout;
    }

    /**
     * @return {@code maxOutputBytes}
     * @throws IllegalArgumentException when it is below {@link ExecutorConfigBuilder#MIN_MAX_OUTPUT_BYTES}
     */
    public static int requireMaxOutputBytes(int maxOutputBytes) {
        if (maxOutputBytes < ExecutorConfigBuilder.MIN_MAX_OUTPUT_BYTES) {
            throw new IllegalArgumentException("maxOutputBytes must be at least "
                    + ExecutorConfigBuilder.MIN_MAX_OUTPUT_BYTES + ", was " + maxOutputBytes);
        }
        return maxOutputBytes;
    }
}
