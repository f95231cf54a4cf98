package dev.codebox.cli;

/** A usage error: printed as one line on stderr, exit status 2. */
public final class UsageException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }
}
