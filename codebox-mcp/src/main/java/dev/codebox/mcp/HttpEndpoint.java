package dev.codebox.mcp;

import java.net.URI;

/** A running streamable HTTP endpoint of {@link CodeboxMcpServer}; {@link #close()} stops it. */
public interface HttpEndpoint extends AutoCloseable {

    /** The endpoint's URL, such as {@code http://127.0.0.1:8808/mcp}, with the port actually bound. */
    URI uri();

    /** Blocks until the endpoint is closed. */
    void awaitClose() throws InterruptedException;

    /** Stops listening; open connections are closed. The server's sessions stay (close the server for that). */
    @Override
    void close();
}
