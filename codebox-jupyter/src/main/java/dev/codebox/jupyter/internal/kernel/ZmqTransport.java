package dev.codebox.jupyter.internal.kernel;

import dev.codebox.jupyter.internal.protocol.ProtocolException;
import dev.codebox.jupyter.internal.protocol.Signer;
import dev.codebox.jupyter.internal.protocol.WireCodec;
import dev.codebox.jupyter.spi.Channel;
import dev.codebox.jupyter.spi.JupyterMessage;
import dev.codebox.jupyter.spi.KernelFailedException;
import dev.codebox.jupyter.spi.KernelTransport;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * The ZeroMQ channels of a local kernel (JeroMQ): DEALER sockets for shell, control and stdin, a SUB
 * socket for iopub. {@link #receive} waits in the calling thread, so a reply reaches the executing
 * thread without a hop through another thread.
 *
 * <p>It waits in a blocking receive on the channel the caller awaits (iopub until the kernel is idle,
 * then shell until the reply came) and looks at the other channels without blocking after each
 * wake-up and every {@value #CHECK_OTHERS_MILLIS} ms. Polling the sockets' wake-up channels (JeroMQ's poller,
 * {@code ZMQ_FD}) is not used: the SUB socket's channel stays readable after its messages were read,
 * so a poller spins, costing more CPU than the kernel spends on a round trip.
 *
 * <p>Every socket is used under its own lock: shell, stdin and iopub by the executing thread, control
 * also by threads that interrupt or stop the kernel.
 */
final class ZmqTransport implements KernelTransport {

    // The kernel binds its ports a while after it starts: retry connecting often, not every 100 ms.
    private static final Logger LOG = LoggerFactory.getLogger(ZmqTransport.class);
    private static final int RECONNECT_MILLIS = 10;
    private static final Channel[] RECEIVED = {Channel.IOPUB, Channel.SHELL, Channel.STDIN};

    private final ZContext context = new ZContext(1);
    private final Map<Channel, ZMQ.Socket> sockets = new EnumMap<>(Channel.class);
    /** Longest wait on the awaited channel before the others are looked at again. */
    static final int CHECK_OTHERS_MILLIS = 10;
    private final WireCodec codec;
    private volatile boolean closed;

    ZmqTransport(ConnectionInfo info) {
        codec = new WireCodec(new Signer(info.key()));
        sockets.put(Channel.SHELL, connect(SocketType.DEALER, info.shellPort()));
        sockets.put(Channel.CONTROL, connect(SocketType.DEALER, info.controlPort()));
        sockets.put(Channel.STDIN, connect(SocketType.DEALER, info.stdinPort()));
        ZMQ.Socket iopub = connect(SocketType.SUB, info.iopubPort());
        iopub.subscribe(new byte[0]);
        sockets.put(Channel.IOPUB, iopub);
    }

    /** A new socket of this transport's context, connected to a kernel port (the heartbeat's). */
    ZMQ.Socket connect(SocketType type, int port) {
        ZMQ.Socket socket = context.createSocket(type);
        socket.setLinger(0);
        socket.setReconnectIVL(RECONNECT_MILLIS);
        socket.connect(ConnectionInfo.address(port));
        return socket;
    }

    void destroy(ZMQ.Socket socket) {
        socket.close();
    }

    @Override
    public void send(JupyterMessage message) {
        byte[][] frames = codec.encode(message);
        ZMQ.Socket socket = sockets.get(message.channel());
        synchronized (socket) {
            checkOpen();
            for (int i = 0; i < frames.length; i++) {
                socket.send(frames[i], i < frames.length - 1 ? ZMQ.SNDMORE : 0);
            }
        }
    }

    @Override
    public JupyterMessage receive(long timeoutMillis, Channel awaited) {
        Channel blocking = awaited == Channel.SHELL ? Channel.SHELL : Channel.IOPUB;
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (true) {
            JupyterMessage message = poll();
            if (message != null) {
                return message;
            }
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return null;
            }
            List<byte[]> frames = receiveFrames(sockets.get(blocking), (int) Math.min(left, CHECK_OTHERS_MILLIS));
            if (frames != null) {
                message = decoded(blocking, frames);
                if (message != null) {
                    return message;
                }
            }
        }
    }

    private JupyterMessage poll() {
        for (Channel channel : RECEIVED) {
            List<byte[]> frames = receiveFrames(sockets.get(channel), 0);
            if (frames != null) {
                JupyterMessage message = decoded(channel, frames);
                if (message != null) {
                    return message;
                }
            }
        }
        return null;
    }

    /**
     * The message of {@code frames}, or null for one that is not a message of the kernel's session
     * (unsigned, incomplete, not JSON): code in the kernel can send anything on its sockets, and
     * that must not end the execution that reads them.
     */
    private JupyterMessage decoded(Channel channel, List<byte[]> frames) {
        try {
            return codec.decode(channel, frames);
        } catch (ProtocolException e) {
            LOG.warn("ignoring a malformed message on the kernel's {} channel: {}", channel.wireName(), e.getMessage());
            return null;
        }
    }

    /** The frames of the next message, waiting at most {@code timeoutMillis} (0: not at all), or {@code null}. */
    private List<byte[]> receiveFrames(ZMQ.Socket socket, int timeoutMillis) {
        synchronized (socket) {
            checkOpen();
            try {
                byte[] first;
                if (timeoutMillis == 0) {
                    first = socket.recv(ZMQ.DONTWAIT);
                } else {
                    socket.setReceiveTimeOut(timeoutMillis);
                    first = socket.recv(0);
                }
                if (first == null) {
                    return null;
                }
                List<byte[]> frames = new ArrayList<>(8);
                frames.add(first);
                while (socket.hasReceiveMore()) {
                    frames.add(socket.recv());
                }
                return frames;
            } catch (RuntimeException e) {
                throw failed(e);
            }
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new KernelFailedException("the connection to the kernel is closed");
        }
    }

    private KernelFailedException failed(RuntimeException e) {
        return new KernelFailedException("the connection to the kernel broke: " + e, e);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        // Take every socket's lock so that no send or receive is under way while the context closes.
        synchronized (sockets.get(Channel.SHELL)) {
            synchronized (sockets.get(Channel.CONTROL)) {
                synchronized (sockets.get(Channel.STDIN)) {
                    synchronized (sockets.get(Channel.IOPUB)) {
                        closed = true;
                    }
                }
            }
        }
        context.close();
    }
}
