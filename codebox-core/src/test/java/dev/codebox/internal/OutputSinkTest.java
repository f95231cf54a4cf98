package dev.codebox.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.OutputListener;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class OutputSinkTest {

    @Test
    void keepsEverythingUnderTheCap() {
        OutputSink sink = new OutputSink(1024, OutputListener.NONE);
        sink.write("hello ");
        sink.write("world");
        assertEquals("hello world", sink.text());
        assertEquals(0, sink.droppedBytes());
    }

    @Test
    void keepsHeadAndTailAndCountsWhatItDrops() {
        OutputSink sink = new OutputSink(256, OutputListener.NONE);
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            String piece = String.format("%04d;", i);
            all.append(piece);
            sink.write(piece);
        }
        String text = sink.text();
        assertEquals(5000, sink.totalBytes());
        assertEquals(5000 - 256, sink.droppedBytes());
        assertTrue(text.startsWith(all.substring(0, 128)), text);
        assertTrue(text.endsWith(all.substring(5000 - 128)), text);
        assertTrue(text.contains("\n[... 4744 bytes of output dropped ...]\n"), text);
    }

    @Test
    void oneHugeWriteKeepsItsTail() {
        OutputSink sink = new OutputSink(256, OutputListener.NONE);
        byte[] big = new byte[10_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) ('a' + i % 26);
        }
        sink.write(big, 0, big.length);
        String text = sink.text();
        String expectedTail = new String(big, big.length - 128, 128, StandardCharsets.US_ASCII);
        assertTrue(text.endsWith(expectedTail), text);
    }

    @Test
    void cutsOnCharacterBoundaries() {
        OutputSink sink = new OutputSink(256, OutputListener.NONE);
        for (int i = 0; i < 500; i++) {
            sink.write("é€");
        }
        String text = sink.text();
        assertFalse(text.contains("\uFFFD"), text);
        assertTrue(text.matches("(?s)[é€]+\n\\[\\.\\.\\. \\d+ bytes of output dropped \\.\\.\\.\\]\n[é€]+"), text);
        long marked = Long.parseLong(text.replaceAll("(?s).*\\[\\.\\.\\. (\\d+) bytes.*", "$1"));
        long keptBytes = text.replaceAll("(?s)\n\\[.*\\]\n", "").getBytes(StandardCharsets.UTF_8).length;
        assertEquals(sink.totalBytes(), keptBytes + marked);
    }

    @Test
    void invalidUtf8BecomesReplacementCharacters() {
        OutputSink sink = new OutputSink(1024, OutputListener.NONE);
        sink.write(new byte[] {'o', 'k', (byte) 0xff, (byte) 0xc3}, 0, 4);
        assertEquals("ok\uFFFD\uFFFD", sink.text());
    }

    @Test
    void writeLineStartsANewLineOnlyWhenNeeded() {
        OutputSink sink = new OutputSink(1024, OutputListener.NONE);
        sink.writeLine("first");
        sink.write("partial");
        sink.writeLine("Timeout");
        assertEquals("first\npartial\nTimeout\n", sink.text());
    }

    @Test
    void listenerSeesEveryByteAndSealStopsWrites() {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        OutputSink sink = new OutputSink(256, seen::write);
        for (int i = 0; i < 100; i++) {
            sink.write("0123456789");
        }
        sink.seal();
        sink.write("late");
        assertEquals(1000, seen.size());
        assertEquals(1000, sink.totalBytes());
    }

    @Test
    void refusesTinyCaps() {
        assertThrows(IllegalArgumentException.class, () -> new OutputSink(10, OutputListener.NONE));
    }
}
