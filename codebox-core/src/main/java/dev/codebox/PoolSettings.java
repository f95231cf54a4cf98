package dev.codebox;

import java.time.Duration;
import java.util.Objects;

/**
 * Immutable settings of an {@link ExecutorPool}. Build them with {@link #builder()};
 * {@link #defaults()} has every default:
 * <ul>
 *   <li>{@code minReady}: 2 executors kept started and waiting (0 to 64);
 *   <li>{@code maxStarting}: 2 executors started at once while the pool refills (1 to 16);
 *   <li>{@code idleTimeout}: 10 minutes; when no executor was acquired for that long (counted from
 *       the last {@code acquire()}, or from when the last waiting one was ready, if later), the
 *       waiting ones are removed and the pool refills at the next {@code acquire()} (at least 1 second);
 *   <li>{@code maxSize}: 0, no limit; else the most executors of the pool alive at once: waiting,
 *       starting, and handed over but not yet stopped (at least {@code minReady}, at most 4096). The
 *       pool then refills only below it, and {@code acquire()} at the limit waits until an executor
 *       of the pool stops;
 *   <li>{@code acquireTimeout}: 60 seconds, how long {@code acquire()} waits at {@code maxSize}
 *       before it throws {@link CodeExecutorException} with reason {@code POOL_EXHAUSTED}.
 * </ul>
 */
public final class PoolSettings {

    private final int minReady;
    private final int maxStarting;
    private final Duration idleTimeout;
    private final int maxSize;
    private final Duration acquireTimeout;

    private PoolSettings(int minReady, int maxStarting, Duration idleTimeout, int maxSize, Duration acquireTimeout) {
        if (minReady < 0 || minReady > 64) {
            throw new IllegalArgumentException("minReady must be between 0 and 64: " + minReady);
        }
        if (maxStarting < 1 || maxStarting > 16) {
            throw new IllegalArgumentException("maxStarting must be between 1 and 16: " + maxStarting);
        }
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        if (idleTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("idleTimeout must be at least 1 second: " + idleTimeout);
        }
        if (maxSize < 0 || maxSize > 4096 || (maxSize > 0 && maxSize < minReady)) {
            throw new IllegalArgumentException("maxSize must be 0 (no limit) or between minReady (" + minReady
                    + ") and 4096: " + maxSize);
        }
        Objects.requireNonNull(acquireTimeout, "acquireTimeout");
        if (acquireTimeout.isNegative()) {
            throw new IllegalArgumentException("acquireTimeout must not be negative: " + acquireTimeout);
        }
        this.minReady = minReady;
        this.maxStarting = maxStarting;
        this.idleTimeout = idleTimeout;
        this.maxSize = maxSize;
        this.acquireTimeout = acquireTimeout;
    }

    /** The settings with every default. */
    public static PoolSettings defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The {@code minReady} setting; its default is in the class description. */
    public int minReady() {
        return minReady;
    }

    /** The {@code maxStarting} setting; its default is in the class description. */
    public int maxStarting() {
        return maxStarting;
    }

    /** The {@code idleTimeout} setting; its default is in the class description. */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** The {@code maxSize} setting (0: no limit); its default is in the class description. */
    public int maxSize() {
        return maxSize;
    }

    /** The {@code acquireTimeout} setting; its default is in the class description. */
    public Duration acquireTimeout() {
        return acquireTimeout;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PoolSettings that && that.minReady == minReady && that.maxStarting == maxStarting
                && that.idleTimeout.equals(idleTimeout) && that.maxSize == maxSize && that.acquireTimeout.equals(acquireTimeout);
    }

    @Override
    public int hashCode() {
        return Objects.hash(minReady, maxStarting, idleTimeout, maxSize, acquireTimeout);
    }

    @Override
    public String toString() {
        return "PoolSettings[minReady=" + minReady + ", maxStarting=" + maxStarting + ", idleTimeout=" + idleTimeout
                + ", maxSize=" + maxSize + ", acquireTimeout=" + acquireTimeout + "]";
    }

    /** Builds {@link PoolSettings}; values are checked by {@link #build()}. */
    public static final class Builder {
        private int minReady = 2;
        private int maxStarting = 2;
        private Duration idleTimeout = Duration.ofMinutes(10);
        private int maxSize;
        private Duration acquireTimeout = Duration.ofSeconds(60);

        private Builder() {
        }

        public Builder minReady(int minReady) {
            this.minReady = minReady;
            return this;
        }

        public Builder maxStarting(int maxStarting) {
            this.maxStarting = maxStarting;
            return this;
        }

        public Builder idleTimeout(Duration idleTimeout) {
            this.idleTimeout = idleTimeout;
            return this;
        }

        public Builder maxSize(int maxSize) {
            this.maxSize = maxSize;
            return this;
        }

        public Builder acquireTimeout(Duration acquireTimeout) {
            this.acquireTimeout = acquireTimeout;
            return this;
        }

        /** @throws IllegalArgumentException when a value is out of range */
        public PoolSettings build() {
            return new PoolSettings(minReady, maxStarting, idleTimeout, maxSize, acquireTimeout);
        }
    }
}
