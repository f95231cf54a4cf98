package dev.codebox.docker.internal;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The container's stdin and stdout through the Engine API's attach call (a hijacked HTTP
 * connection), which reaches the runner wherever the API does: a remote engine over TCP, TLS or
 * SSH, Docker Desktop, Podman, Colima. The container's stderr is kept apart: its last
 * {@value #STDERR_TAIL_BYTES} bytes explain a runner that did not come up, and each line is logged.
 *
 * <p>Both directions are bounded, so a runner that floods stdout blocks the engine connection
 * (backpressure) instead of filling the heap. Stdout goes through a fixed ring buffer: docker-java
 * hands it over in pieces of at most 1 KiB, and copying each into an array of its own would churn
 * the heap by the size of the output.
 */
final class AttachStream implements RunnerStream {

    private static final Logger LOG = LoggerFactory.getLogger(AttachStream.class);
    private static final int RING_BYTES = 1 << 20;
    /** Chunks of at most 256 KiB (plus a header) on their way to stdin. */
    private static final int QUEUED_CHUNKS = 16;
    private static final int STDERR_TAIL_BYTES = 16 * 1024;
    private static final long ATTACH_MILLIS = 10_000;
    private static final byte[] END = new byte[0];

    private final String container;
    private final Ring fromContainer = new Ring(RING_BYTES);
    private final Stdin toContainer = new Stdin();
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
        stream.callback = client.attachContainerCmd(id).withStdIn(stream.toContainer).withStdOut(true)
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
        byte[] chunk = new byte[from.remaining()];
        from.get(chunk);
        toContainer.add(chunk);
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
                fromContainer.put(payload); // waits while the reader is behind, which holds back the engine connection
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

        /** Copies all of {@code data} in, waiting for room; drops it once the ring ended. */
        synchronized void put(byte[] data) throws InterruptedException {
            int offset = 0;
            while (offset < data.length) {
                while (count == bytes.length && !ended) {
                    wait();
                }
                if (ended) {
                    return;
                }
                int end = (start + count) % bytes.length;
                int length = Math.min(data.length - offset, Math.min(bytes.length - count, bytes.length - end));
                System.arraycopy(data, offset, bytes, end, length);
                count += length;
                offset += length;
                notifyAll();
            }
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

    /** What docker-java copies to the container's stdin: chunks as they are written, then the end. */
    private static final class Stdin extends InputStream {

        private final BlockingQueue<byte[]> chunks = new ArrayBlockingQueue<>(16);
        private volatile boolean ended;
        private byte[] current = END;
        private int position;

        void add(byte[] chunk) throws IOException {
            try {
                while (!chunks.offer(chunk, 100, TimeUnit.MILLISECONDS)) {
                    if (ended) {
                        throw new IOException("the attach stream is closed");
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while writing to the attach stream");
            }
        }

        void end() {
            ended = true;
            chunks.clear();
            chunks.offer(END);
        }

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
            while (position == current.length) {
                if (ended && chunks.isEmpty()) {
                    return -1;
                }
                try {
                    current = chunks.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return -1;
                }
                position = 0;
                if (current == END) {
                    chunks.offer(END);
                    return -1;
                }
            }
            int n = Math.min(length, current.length - position);
            System.arraycopy(current, position, into, offset, n);
            position += n;
            return n;
        }

        @Override
        public int available() {
            return current.length - position;
        }
    }
}
