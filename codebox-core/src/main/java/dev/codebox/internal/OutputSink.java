package dev.codebox.internal;

import dev.codebox.ExecutorConfigBuilder;
import dev.codebox.OutputListener;
import dev.codebox.spi.BlockOutput;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * Collects the output of one execution in bounded memory: it keeps the first and the last bytes up
 * to a limit and counts what it drops in between, so code that prints gigabytes costs at most
 * {@code maxBytes} of memory. Every backend writes into one of these, so that the cap, the
 * truncation marker and the decoding rules are the same everywhere.
 *
 * <p>{@link #text()} decodes what was kept as UTF-8, turning invalid bytes into U+FFFD; when bytes
 * were dropped, a marker line {@code [... N bytes of output dropped ...]} stands between head and
 * tail. Every write is also passed, uncapped, to the {@link OutputListener}.
 *
 * <p>Memory is taken as output comes: the head buffer grows from {@value #INITIAL_HEAD_BYTES} bytes
 * and the tail buffer is allocated only when the head is full, so the many executions that print
 * little do not each allocate the whole cap.
 *
 * <p>Thread-safe. After {@link #seal()} further writes are ignored (used when a process that escaped
 * the executor keeps writing after the result was taken).
 */
public final class OutputSink implements BlockOutput {



    /** The head buffer's first size; it doubles as needed up to half the cap. */
    static final int INITIAL_HEAD_BYTES = 8 * 1024;

    private final int headCapacity;
    private final int tailCapacity;
    private byte[] head;
    private byte[] tail;
    private final OutputListener listener;
    private int headLength;
    private long tailWritten;
    private long total;
    private int lastByte = -1;
    private boolean sealed;

    /**
     * @param maxBytes how many bytes of output to keep at most, at least {@value ExecutorConfigBuilder#MIN_MAX_OUTPUT_BYTES}
     * @param listener receives every write as it happens
     * @throws IllegalArgumentException when {@code maxBytes} is below {@value ExecutorConfigBuilder#MIN_MAX_OUTPUT_BYTES}
     */
    public OutputSink(int maxBytes, OutputListener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
        if (maxBytes < ExecutorConfigBuilder.MIN_MAX_OUTPUT_BYTES) {
            throw new IllegalArgumentException(
                    "maxOutputBytes must be at least " + ExecutorConfigBuilder.MIN_MAX_OUTPUT_BYTES + ", was " + maxBytes);
        }
        headCapacity = maxBytes / 2;
        tailCapacity = maxBytes - headCapacity;
        head = new byte[Math.min(INITIAL_HEAD_BYTES, headCapacity)];
    }

    @Override
    public synchronized void write(byte[] bytes, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        if (sealed || length == 0) {
            return;
        }
        listener.onOutput(bytes, offset, length);
        total += length;
        lastByte = bytes[offset + length - 1] & 0xff;
        int toHead = Math.min(length, headCapacity - headLength);
        if (toHead > 0) {
            growHead(headLength + toHead);
            System.arraycopy(bytes, offset, head, headLength, toHead);
            headLength += toHead;
            offset += toHead;
            length -= toHead;
        }
        if (length == 0) {
            return;
        }
        if (tail == null) {
            tail = new byte[tailCapacity];
        }
        if (length > tailCapacity) {
            offset += length - tailCapacity;
            tailWritten += length - tailCapacity;
            length = tailCapacity;
        }
        while (length > 0) {
            int position = (int) (tailWritten % tailCapacity);
            int chunk = Math.min(length, tailCapacity - position);
            System.arraycopy(bytes, offset, tail, position, chunk);
            tailWritten += chunk;
            offset += chunk;
            length -= chunk;
        }
    }

    /** Makes the head buffer hold at least {@code needed} bytes, doubling it up to its capacity. */
    private void growHead(int needed) {
        if (needed > head.length) {
            int size = head.length;
            while (size < needed) {
                size = (int) Math.min((long) size * 2, headCapacity);
            }
            head = Arrays.copyOf(head, size);
        }
    }

    /** Appends text encoded as UTF-8. */
    public void write(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        write(bytes, 0, bytes.length);
    }

    @Override
    public synchronized void writeLine(String line) {
        if (lastByte >= 0 && lastByte != '\n') {
            write("\n");
        }
        write(line + "\n");
    }

    /** Ignores all later writes. */
    public synchronized void seal() {
        sealed = true;
    }

    /** How many bytes were written in all, kept or not. */
    public synchronized long totalBytes() {
        return total;
    }

    /** How many bytes were dropped between head and tail. */
    public synchronized long droppedBytes() {
        return Math.max(0, total - headCapacity - tailCapacity);
    }

    /** The kept output decoded as UTF-8 (invalid bytes become U+FFFD), with a marker where bytes were dropped. */
    public synchronized String text() {
        int tailLength = (int) Math.min(tailWritten, tailCapacity);
        byte[] tailBytes = new byte[tailLength];
        if (tailLength > 0) {
            int start = (int) ((tailWritten - tailLength) % tailCapacity);
            int firstChunk = Math.min(tailLength, tailCapacity - start);
            System.arraycopy(tail, start, tailBytes, 0, firstChunk);
            System.arraycopy(tail, 0, tailBytes, firstChunk, tailLength - firstChunk);
        }
        long dropped = droppedBytes();
        if (dropped == 0) {
            byte[] all = new byte[headLength + tailLength];
            System.arraycopy(head, 0, all, 0, headLength);
            System.arraycopy(tailBytes, 0, all, headLength, tailLength);
            return new String(all, StandardCharsets.UTF_8);
        }
        // Cut on character boundaries so that truncation itself does not create U+FFFD.
        int headEnd = Utf8.completePrefixLength(head, headLength);
        int tailStart = Utf8.continuationPrefixLength(tailBytes);
        long marked = dropped + (headLength - headEnd) + tailStart;
        return new String(head, 0, headEnd, StandardCharsets.UTF_8)
                + "\n[... " + marked + " bytes of output dropped ...]\n"
                + new String(tailBytes, tailStart, tailLength - tailStart, StandardCharsets.UTF_8);
    }
}
