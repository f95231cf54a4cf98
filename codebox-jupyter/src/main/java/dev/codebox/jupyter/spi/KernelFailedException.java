package dev.codebox.jupyter.spi;

import dev.codebox.CodeExecutorException;

/** The kernel died or its connection broke; the executor needs {@code restart()}. */
public final class KernelFailedException extends CodeExecutorException {

    private static final long serialVersionUID = 1L;

    /** A kernel that died or lost its connection ({@link Reason#KERNEL_DIED}). */
    public KernelFailedException(String message) {
        super(Reason.KERNEL_DIED, message);
    }

    /** A kernel that died or lost its connection ({@link Reason#KERNEL_DIED}). */
    public KernelFailedException(String message, Throwable cause) {
        super(Reason.KERNEL_DIED, message, cause);
    }

    /** A kernel that failed for {@code reason} (a kernel that never became ready: {@link Reason#START_FAILED}). */
    public KernelFailedException(Reason reason, String message) {
        super(reason, message);
    }
}
