package dev.codebox.mcp.internal;

/** A request the server refuses; its message becomes the text of an {@code isError} tool result. */
final class ToolException extends RuntimeException {

    ToolException(String message) {
        super(message, null, false, false);
    }
}
