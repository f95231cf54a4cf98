package dev.codebox.kubernetes.internal;

import dev.codebox.runner.internal.RunnerStream;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.ExecListener;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runner container's stdin and stdout through the API server's attach call (one WebSocket):
 * it reaches the pod wherever the API does, and outlives no block: a new attachment resumes the
 * same runner. fabric8 bounds what it buffers from the socket (it asks for more only as the output
 * is read), so a runner that floods stdout is held back instead of filling the heap. The
 * container's stderr is logged, and its tail kept for messages.
 */
final class PodAttachStream implements RunnerStream {

    private static final Logger LOG = LoggerFactory.getLogger(PodAttachStream.class);
    private static final int STDERR_TAIL_CHARS = 8 * 1024;
    private static final long OPEN_MILLIS = 15_000;

    private final String pod;
    private final ExecWatch watch;
    private final InputStream stdout;
    private final OutputStream stdin;
    private final StderrTail stderr;
    private final byte[] readBuffer = new byte[64 * 1024];
    private volatile boolean closed;

    private PodAttachStream(String pod, ExecWatch watch, StderrTail stderr) {
        this.pod = pod;
        this.watch = watch;
        this.stdout = watch.getOutput();
        this.stdin = watch.getInput();
        this.stderr = stderr;
    }

    /**
     * Attaches to the runner container of {@code pod}.
     *
     * @throws IOException when the API server does not open the stream within 15 s, or refuses it
     */
    static PodAttachStream attach(KubernetesClient client, String namespace, String pod) throws IOException {
        CompletableFuture<Void> open = new CompletableFuture<>();
        StderrTail stderr = new StderrTail(pod);
        ExecWatch watch = client.pods().inNamespace(namespace).withName(pod).inContainer(PodTemplate.CONTAINER)
                .redirectingInput()
                .redirectingOutput()
                .writingError(stderr)
                .usingListener(new ExecListener() {
                    @Override
                    public void onOpen() {
                        open.complete(null);
                    }

                    @Override
                    public void onFailure(Throwable t, Response failureResponse) {
                        open.completeExceptionally(t);
                    }

                    @Override
                    public void onClose(int code, String reason) {
                        open.completeExceptionally(new IOException("closed: " + reason));
                    }
                })
                .attach();
        try {
            open.get(OPEN_MILLIS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            watch.close();
            throw new IOException("the API server refused to attach to pod " + pod + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            watch.close();
            throw new IOException("the API server did not open the attach stream of pod " + pod + " within "
                    + OPEN_MILLIS / 1000 + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            watch.close();
            throw new java.io.InterruptedIOException("interrupted while attaching to pod " + pod);
        }
        return new PodAttachStream(pod, watch, stderr);
    }

    @Override
    public int read(ByteBuffer into) throws IOException {
        int n = stdout.read(readBuffer, 0, Math.min(readBuffer.length, into.remaining()));
        if (n > 0) {
            into.put(readBuffer, 0, n);
        }
        return n;
    }

    @Override
    public void write(ByteBuffer from) throws IOException {
        if (closed) {
            throw new IOException("the attach stream of pod " + pod + " is closed");
        }
        byte[] bytes = new byte[from.remaining()];
        from.get(bytes);
        synchronized (stdin) {
            stdin.write(bytes);
            stdin.flush();
        }
    }

    @Override
    public void close() {
        closed = true;
        watch.close();
    }

    @Override
    public String describe() {
        return "the attach stream of pod " + pod;
    }

    /** The last lines the container wrote to stderr. */
    String stderrTail() {
        return stderr.tail();
    }

    /** Logs each stderr line and keeps the last {@value #STDERR_TAIL_CHARS} characters. */
    private static final class StderrTail extends OutputStream {
        private final String pod;
        private final StringBuilder tail = new StringBuilder();
        private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();

        StderrTail(String pod) {
            this.pod = pod;
        }

        @Override
        public synchronized void write(int b) {
            if (b == '\n' || line.size() >= 4096) {
                String text = line.toString(StandardCharsets.UTF_8);
                line.reset();
                LOG.debug("pod {}: {}", pod, text);
                tail.append(text).append('\n');
                if (tail.length() > STDERR_TAIL_CHARS) {
                    tail.delete(0, tail.length() - STDERR_TAIL_CHARS);
                }
            } else {
                line.write(b);
            }
        }

        synchronized String tail() {
            return (tail + line.toString(StandardCharsets.UTF_8)).strip();
        }
    }
}
