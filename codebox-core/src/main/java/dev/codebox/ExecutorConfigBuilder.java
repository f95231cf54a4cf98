package dev.codebox;

import dev.codebox.functions.FunctionModule;
import dev.codebox.functions.PythonFunction;
import java.time.Duration;
import java.util.Objects;

/**
 * What the builders of every executor configuration share: the per-block timeout, the output cap
 * and the functions module, with the same defaults everywhere. Values are checked when the
 * configuration is built.
 *
 * @param <B> the concrete builder, returned by every setter
 */
public abstract class ExecutorConfigBuilder<B extends ExecutorConfigBuilder<B>> {

    /** The time each block may run unless configured, in seconds: 60. */
    public static final long DEFAULT_TIMEOUT_SECONDS = 60;
    /** The time each block may run unless configured: {@value #DEFAULT_TIMEOUT_SECONDS} seconds. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(DEFAULT_TIMEOUT_SECONDS);
    /** The output one execution keeps unless configured: 1 MiB (head and tail). */
    public static final int DEFAULT_MAX_OUTPUT_BYTES = 1 << 20;
    /** The smallest output cap: 256 bytes. */
    public static final int MIN_MAX_OUTPUT_BYTES = 256;

    protected Duration timeout = DEFAULT_TIMEOUT;
    protected int maxOutputBytes = DEFAULT_MAX_OUTPUT_BYTES;
    protected FunctionModule functions = FunctionModule.none();

    protected ExecutorConfigBuilder() {
    }

    /** Time each block may run (default 60 s, at least 1 s). */
    public B timeout(Duration timeout) {
        this.timeout = timeout;
        return self();
    }

    /** How many bytes of output one execution keeps: head and tail (default 1 MiB, at least 256). */
    public B maxOutputBytes(int maxOutputBytes) {
        this.maxOutputBytes = maxOutputBytes;
        return self();
    }

    /** The functions module set up at each start (default {@link FunctionModule#none()}). */
    public B functions(FunctionModule functions) {
        this.functions = Objects.requireNonNull(functions, "functions");
        return self();
    }

    /** These functions in the module {@value FunctionModule#DEFAULT_NAME}. */
    public B functions(PythonFunction... functions) {
        return functions(FunctionModule.of(functions));
    }

    /** This builder as its concrete type, for the setters of subclasses. */
    @SuppressWarnings("unchecked")
    protected final B self() {
        return (B) this;
    }
}
