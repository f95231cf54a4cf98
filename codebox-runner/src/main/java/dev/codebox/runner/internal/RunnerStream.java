package dev.codebox.runner.internal;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The one byte stream between the JVM and the runner in a container: a connection to the runner's
 * Unix socket, or the container's attach stream through the Engine API ({@link AttachStream}).
 * {@link RunnerConnection} multiplexes every request over it. Reads happen in one thread; writes
 * (serialised by the caller) and {@link #close()} may come from any other.
 */
public interface RunnerStream extends AutoCloseable {

    /** Reads what is there into {@code into} (at least one byte); -1 at the end of the stream. */
    public int read(ByteBuffer into) throws IOException;

    /** Writes all of {@code from}. */
    public void write(ByteBuffer from) throws IOException;

    /** Ends the stream; a blocked {@link #read} returns -1 or throws. Does not throw. */
    @Override
    public void close();

    /** The stream in words, for messages: {@code the Unix socket /tmp/...}. */
    public String describe();

    /**
     * A connection to the Unix socket at {@code path}, after checking with {@code lstat} that it is
     * a socket of {@code expectedOwner} (never following a link code may have put there).
     *
     * @throws RunnerConnection.UntrustedSocketException when it is not such a socket
     * @throws IOException when nobody listens there
     */
    public static RunnerStream unixSocket(Path path, Optional<Integer> expectedOwner) throws IOException {
        UnixSockets.requireSocket(path, expectedOwner);
        SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(path));
        return new RunnerStream() {
            @Override
            public int read(ByteBuffer into) throws IOException {
                return channel.read(into);
            }

            @Override
            public void write(ByteBuffer from) throws IOException {
                while (from.hasRemaining()) {
                    channel.write(from);
                }
            }

            @Override
            public void close() {
                try {
                    channel.close();
                } catch (IOException e) {
                    // nothing left to release
                }
            }

            @Override
            public String describe() {
                return "the Unix socket " + path;
            }
        };
    }
}
