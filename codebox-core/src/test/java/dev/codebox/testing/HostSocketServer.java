package dev.codebox.testing;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Unix socket on the host that counts the connections it gets: the target of a link that hostile
 * code puts where codebox expects its own socket. A test asserts the count stays 0.
 */
public final class HostSocketServer implements AutoCloseable {

    private final Path path;
    private final ServerSocketChannel server;
    private final AtomicInteger accepted = new AtomicInteger();

    private HostSocketServer(Path path, ServerSocketChannel server) {
        this.path = path;
        this.server = server;
    }

    /** Listens on a new socket in a new temporary directory. */
    public static HostSocketServer start() throws IOException {
        Path path = Files.createTempDirectory("codebox-host-socket-").resolve("other.sock");
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        HostSocketServer started = new HostSocketServer(path, server);
        Thread acceptor = new Thread(started::accept, "host-socket-server");
        acceptor.setDaemon(true);
        acceptor.start();
        return started;
    }

    private void accept() {
        try {
            while (true) {
                server.accept().close();
                accepted.incrementAndGet();
            }
        } catch (IOException closed) {
            // the test is over
        }
    }

    public Path path() {
        return path;
    }

    /** How many connections it got. */
    public int accepted() {
        return accepted.get();
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(path);
        Files.deleteIfExists(path.getParent());
    }
}
