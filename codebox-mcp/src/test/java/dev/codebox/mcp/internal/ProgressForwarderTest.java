package dev.codebox.mcp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Streamed output is cut only between UTF-8 characters. */
class ProgressForwarderTest {

    @Test
    void completePrefixStopsBeforeAnUnfinishedCharacter() {
        byte[] text = "aé€😀".getBytes(StandardCharsets.UTF_8); // 1 + 2 + 3 + 4 bytes
        assertEquals(text.length, ProgressForwarder.completeUtf8Prefix(text));
        for (int cut = 0; cut <= text.length; cut++) {
            byte[] prefix = Arrays.copyOf(text, cut);
            int complete = ProgressForwarder.completeUtf8Prefix(prefix);
            String decoded = new String(prefix, 0, complete, StandardCharsets.UTF_8);
            assertEquals(decoded.getBytes(StandardCharsets.UTF_8).length, complete, "cut at " + cut);
            assertEquals(-1, decoded.indexOf('\uFFFD'), "cut at " + cut);
        }
        assertEquals(0, ProgressForwarder.completeUtf8Prefix(new byte[0]));
    }
}
