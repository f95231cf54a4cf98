package dev.codebox;

/**
 * The executor cannot run code at all: its environment is missing or broken (no Docker engine, an
 * image that cannot be pulled, a kernel that cannot start or died). Code that merely fails gives a
 * {@link CodeResult} instead.
 */
public class CodeExecutorException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public CodeExecutorException(String message) {
        super(message);
    }

    public CodeExecutorException(String message, Throwable cause) {
        super(message, cause);
    }
}
