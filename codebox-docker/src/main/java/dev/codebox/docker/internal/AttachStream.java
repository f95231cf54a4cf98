package dev.codebox.docker.internal;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import dev.codebox.runner.internal.RunnerStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The container's stdin and stdout through the Engine API's attach call (a hijacked HTTP
 * connection), which reaches the runner wherever the API does: a remote engine over TCP or TLS (or a
 * forwarded socket), Docker Desktop, Podman, Colima. The container's stderr is kept apart: its last
 * {@value #STDERR_TAIL_BYTES} bytes explain a runner that did not come up, and each line is logged.
 *
 * <p>Each direction goes through a fixed ring buffer, so a runner that floods stdout blocks the
 * engine connection (backpressure) instead of filling the heap, and the 1 KiB pieces docker-java
 * hands stdout over in are copied without an array each (which would churn the heap by the size of
 * the output).
 */
final class AttachStream implements RunnerStream {

    private static final Logger LOG = LoggerFactory.getLogger(AttachStream.class);
    private static final int RING_BYTES = 1 << 20;
    private static final int STDERR_TAIL_BYTES = 16 * 1024;
    private static final long ATTACH_MILLIS = 10_000;

    private final String container;
    private final Ring fromContainer = new Ring(RING_BYTES);
    private final Ring toContainer = new Ring(RING_BYTES);
    private final StringBuilder stderr = new StringBuilder();
    private volatile boolean closed;
    private volatile String endReason = "the attach stream ended";
    /** Counted down when the engine opened the stream, or refused it (a container being removed). */
    private final CountDownLatch opened = new CountDownLatch(1);
    private volatile Throwable refused;
    private ResultCallback.Adapter<Frame> callback;

    private AttachStream(String container) {
        this.container = container;
    }

    /**
     * Attaches to the stdin, stdout and stderr of container {@code id} (created with its stdin
     * open); attach before starting it to see all it writes.
     *
     * @throws IOException when the engine does not open the stream within 10 s
     */
    static AttachStream attach(DockerClient client, String id, String name) throws IOException {
        AttachStream stream = new AttachStream(name);
        stream.callback = client.attachContainerCmd(id).withStdIn(stream.new StdinReader()).withStdOut(true)
                .withStdErr(true).withFollowStream(true).exec(stream.new Receiver());
        try {
            if (!stream.opened.await(ATTACH_MILLIS, TimeUnit.MILLISECONDS)) {
                stream.close();
                throw new IOException("the engine did not open the attach stream of container " + name
                        + " within " + ATTACH_MILLIS / 1000 + " s");
            }
            if (stream.refused != null) {
                stream.close();
                throw new IOException("the engine refused to attach to container " + name + ": "
                        + DockerEngine.rootMessage(stream.refused), stream.refused);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stream.close();
            throw new InterruptedIOException("interrupted while attaching to container " + name);
        }
        return stream;
    }

    /** The last bytes the container wrote to stderr, for messages. */
    String stderrTail() {
        synchronized (stderr) {
            return stderr.toString().strip();
        }
    }

    @Override
    public int read(ByteBuffer into) throws IOException {
        try {
            return fromContainer.take(into);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading from container " + container);
        }
    }

    @Override
    public void write(ByteBuffer from) throws IOException {
        if (closed) {
            throw new IOException(endReason);
        }
        try {
            if (!toContainer.put(from)) {
                throw new IOException(endReason);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing to container " + container);
        }
    }

    @Override
    public void close() {
        closed = true;
        toContainer.end();
        fromContainer.end();
        if (callback != null) {
            try {
                callback.close();
            } catch (IOException | RuntimeException e) {
                LOG.debug("closing the attach stream of {}: {}", container, e.toString());
            }
        }
    }

    @Override
    public String describe() {
        return "the attach stream of container " + container;
    }

    /** Takes the engine's frames: stdout into the ring (waiting while it is full), stderr into the log. */
    private final class Receiver extends ResultCallback.Adapter<Frame> {

        @Override
        public void onStart(Closeable stream) {
            super.onStart(stream);
            opened.countDown();
        }

        @Override
        public void onNext(Frame frame) {
            // docker-java may hand over its own read buffer, which it fills again: copy before returning.
            byte[] payload = frame.getPayload();
            if (frame.getStreamType() == StreamType.STDERR) {
                String text = new String(payload, StandardCharsets.UTF_8);
                LOG.debug("container {}: {}", container, text.strip());
                synchronized (stderr) {
                    stderr.append(text);
                    if (stderr.length() > STDERR_TAIL_BYTES) {
                        stderr.delete(0, stderr.length() - STDERR_TAIL_BYTES);
                    }
                }
                return;
            }
            if (payload.length == 0 || closed) {
                return;
            }
            try {
                fromContainer.put(ByteBuffer.wrap(payload)); // waits while the reader is behind, which holds back the engine connection
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void onError(Throwable throwable) {
            if (opened.getCount() > 0) {
                refused = throwable;
                opened.countDown();
            }
            endReason = "the attach stream broke: " + DockerEngine.rootMessage(throwable);
            LOG.debug("attach stream of {} broke", container, throwable);
            finish();
        }

        @Override
        public void onComplete() {
            finish();
        }

        private void finish() {
            toContainer.end();
            fromContainer.end();
        }
    }

    /** A fixed ring of bytes between one writer and one reader, then its end. */
    private static final class Ring {

        private final byte[] bytes;
        private int start;
        private int count;
        private boolean ended;

        Ring(int capacity) {
            bytes = new byte[capacity];
        }

        /** Copies all of {@code data} in, waiting for room; false, and the rest dropped, once the ring ended. */
        synchronized boolean put(ByteBuffer data) throws InterruptedException {
            while (data.hasRemaining()) {
                while (count == bytes.length && !ended) {
                    wait();
                }
                if (ended) {
                    return false;
                }
                int end = (start + count) % bytes.length;
                int length = Math.min(data.remaining(), Math.min(bytes.length - count, bytes.length - end));
                data.get(bytes, end, length);
                count += length;
                notifyAll();
            }
            return true;
        }

        /** Moves what is there (waiting for at least one byte) into {@code into}; -1 once ended and empty. */
        synchronized int take(ByteBuffer into) throws InterruptedException {
            while (count == 0 && !ended) {
                wait();
            }
            if (count == 0) {
                return -1;
            }
            int length = Math.min(into.remaining(), Math.min(count, bytes.length - start));
            into.put(bytes, start, length);
            start = (start + length) % bytes.length;
            count -= length;
            notifyAll();
            return length;
        }

        /** Ends the ring: the reader gets what is left, then -1; a waiting writer returns. */
        synchronized void end() {
            ended = true;
            notifyAll();
        }
    }

    /** What docker-java copies to the container's stdin: what {@link #write} put in the ring, then its end. */
    private final class StdinReader extends InputStream {

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] into, int offset, int length) throws IOException {
            if (length == 0) {
                return 0;
            }
            try {
                return toContainer.take(ByteBuffer.wrap(into, offset, length));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while copying to container " + container);
            }
        }
    }
}
