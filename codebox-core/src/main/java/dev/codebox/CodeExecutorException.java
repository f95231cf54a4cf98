package dev.codebox;

import java.util.Objects;

/**
 * The executor cannot run code at all: its environment is missing or broken (no Docker engine, an
 * image that cannot be pulled, a kernel that cannot start or died). Code that merely fails gives a
 * {@link CodeResult} instead. {@link #reason()} says which, for programs that react to it; the
 * message says it for people.
 */
public class CodeExecutorException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Why the executor cannot run code. */
    public enum Reason {
        /** The Docker engine or the Jupyter server does not answer, or refuses a request. */
        ENGINE_UNREACHABLE,
        /** The image is not there and cannot be pulled. */
        IMAGE_UNAVAILABLE,
        /** The container, its runner, the kernel or the server did not come up (or came up broken). */
        START_FAILED,
        /** The container is paused; unpause it. */
        PAUSED,
        /** The local sandbox (bubblewrap) cannot work here; the message says why and how to fix it. */
        SANDBOX_UNAVAILABLE,
        /** The kernel died or its connection broke; {@code restart()} starts a fresh one. */
        KERNEL_DIED,
        /** The functions module could not be set up (pip, or the module does not import). */
        FUNCTIONS_FAILED,
        /** What answered in the runner's place is not the runner: its socket was replaced, or it broke the protocol. */
        UNTRUSTED_PEER,
        /** The work dir or output dir cannot be created or used. */
        WORK_DIR,
        /** The calling thread was interrupted while waiting. */
        INTERRUPTED,
        /** A pool has {@code maxSize} executors in use and none was stopped within its {@code acquireTimeout}. */
        POOL_EXHAUSTED,
        /** Anything else; the message says what. */
        OTHER
    }

    private final Reason reason;

    public CodeExecutorException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public CodeExecutorException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** An exception of reason {@link Reason#OTHER}. */
    public CodeExecutorException(String message) {
        this(Reason.OTHER, message);
    }

    /** An exception of reason {@link Reason#OTHER}. */
    public CodeExecutorException(String message, Throwable cause) {
        this(Reason.OTHER, message, cause);
    }

    /** Why the executor cannot run code. */
    public Reason reason() {
        return reason;
    }
}
