package dev.codebox.jupyter.session;

import dev.codebox.CodeExecutorException;

/** The kernel died or its connection broke; the executor needs {@code restart()}. */
public final class KernelFailedException extends CodeExecutorException {

    private static final long serialVersionUID = 1L;

    public KernelFailedException(String message) {
        super(message);
    }

    public KernelFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
