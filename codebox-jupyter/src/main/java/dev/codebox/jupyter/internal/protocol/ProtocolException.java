package dev.codebox.jupyter.internal.protocol;

/** A message that breaks the Jupyter messaging protocol: bad signature, missing frames, bad JSON. */
public final class ProtocolException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ProtocolException(String message) {
        super(message);
    }

    public ProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
