package dev.codebox.jupyter.internal.kernel;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.locks.LockSupport;
import org.zeromq.SocketType;
import org.zeromq.ZMQ;

/**
 * Pings the kernel's heartbeat port every second from a thread of its own. The kernel counts as
 * lost when it answered once and then stayed silent for {@value #LOST_AFTER_MILLIS} ms (ipykernel
 * answers from a thread of its own, so busy code does not delay it). The thread is never
 * interrupted: an interrupt closes JeroMQ's selectors under it; it checks a flag every 100 ms.
 */
final class Heartbeat implements Runnable {

    static final long LOST_AFTER_MILLIS = 5000;
    private static final long PERIOD_MILLIS = 1000;
    private static final int SLICE_MILLIS = 100;
    private static final byte[] PING = "ping".getBytes(StandardCharsets.US_ASCII);

    private final ZmqTransport transport;
    private final int port;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long lastAnswer;

    Heartbeat(ZmqTransport transport, int port, String kernelName) {
        this.transport = transport;
        this.port = port;
        this.thread = new Thread(this, "codebox-heartbeat-" + kernelName);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Whether the kernel stopped answering. */
    boolean lost() {
        long last = lastAnswer;
        return last != 0 && System.nanoTime() - last > LOST_AFTER_MILLIS * 1_000_000;
    }

    @Override
    public void run() {
        ZMQ.Socket socket = newSocket();
        try {
            while (running) {
                long sent = System.nanoTime();
                socket.send(PING);
                if (awaitAnswer(socket)) {
                    lastAnswer = System.nanoTime();
                    while (running && System.nanoTime() - sent < PERIOD_MILLIS * 1_000_000) {
                        LockSupport.parkNanos(SLICE_MILLIS * 1_000_000L);
                    }
                } else {
                    // A REQ socket without its answer cannot send again: start over with a new one.
                    transport.destroy(socket);
                    socket = newSocket();
                }
            }
        } finally {
            transport.destroy(socket);
        }
    }

    private ZMQ.Socket newSocket() {
        ZMQ.Socket socket = transport.connect(SocketType.REQ, port);
        socket.setReceiveTimeOut(SLICE_MILLIS);
        return socket;
    }

    private boolean awaitAnswer(ZMQ.Socket socket) {
        long deadline = System.nanoTime() + PERIOD_MILLIS * 1_000_000;
        while (running && System.nanoTime() < deadline) {
            if (socket.recv() != null) {
                return true;
            }
        }
        return false;
    }

    /** Stops pinging and waits for the thread to close its socket. */
    void stop() {
        running = false;
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
