package dev.codebox.commandline;

import dev.codebox.output.OutputSink;
import java.time.Duration;
import java.util.Objects;

/** Checks of configuration values shared by the executors' configurations. */
public final class Settings {

    /** The default time each block may run: 60 seconds. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

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
     * @throws IllegalArgumentException when it is below {@link OutputSink#MIN_MAX_BYTES}
     */
    public static int requireMaxOutputBytes(int maxOutputBytes) {
        if (maxOutputBytes < OutputSink.MIN_MAX_BYTES) {
            throw new IllegalArgumentException("maxOutputBytes must be at least "
                    + OutputSink.MIN_MAX_BYTES + ", was " + maxOutputBytes);
        }
        return maxOutputBytes;
    }
}
