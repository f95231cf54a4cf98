package dev.codebox.mcp.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The session work dir's file operations never leave it, whatever the code put there. */
class ConfinedDirTest {

    @TempDir
    Path temp;

    private ConfinedDir dir() throws Exception {
        return new ConfinedDir(Files.createDirectories(temp.resolve("work")));
    }

    @Test
    void writesReadsAndListsInsideTheDirectory() throws Exception {
        ConfinedDir dir = dir();
        Files.createDirectories(dir.root().resolve("sub"));
        assertEquals(5, dir.write("sub/a.txt", "hello".getBytes(StandardCharsets.UTF_8)));
        assertEquals(2, dir.write("./b.bin", new byte[] {0, 1}));
        assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8), dir.read("sub//a.txt", 100));
        ConfinedDir.Listing listing = dir.list("", 100);
        assertEquals(List.of("b.bin", "sub", "sub/a.txt"), listing.entries().stream().map(ConfinedDir.Entry::path).toList());
        assertEquals("directory", listing.entries().get(1).type());
        assertFalse(listing.truncated());
        assertTrue(dir.list(".", 2).truncated());
        assertEquals(1, dir.list("sub", 100).entries().size());
    }

    @Test
    void refusesPathsThatLeaveTheDirectory() throws Exception {
        ConfinedDir dir = dir();
        for (String path : List.of("/etc/passwd", "../x", "a/../../x", "", ".", "a\0b")) {
            assertThrows(ToolException.class, () -> dir.write(path, new byte[1]), path);
        }
        assertFalse(Files.exists(temp.resolve("x")));
    }

    @Test
    void neverFollowsOrReplacesLinks() throws Exception {
        ConfinedDir dir = dir();
        Path outside = Files.createDirectories(temp.resolve("outside"));
        Path secret = Files.writeString(outside.resolve("secret.txt"), "secret");
        Files.createSymbolicLink(dir.root().resolve("linked-dir"), outside);
        Files.createSymbolicLink(dir.root().resolve("linked-file"), secret);
        Files.createSymbolicLink(dir.root().resolve("inside-link"), dir.root());

        ToolException throughDir = assertThrows(ToolException.class, () -> dir.write("linked-dir/secret.txt", new byte[1]));
        assertTrue(throughDir.getMessage().contains("symbolic link"), throughDir.getMessage());
        assertThrows(ToolException.class, () -> dir.write("linked-file", new byte[1]));
        assertThrows(ToolException.class, () -> dir.write("inside-link/x", new byte[1]));
        assertThrows(ToolException.class, () -> dir.read("linked-file", 100));
        assertThrows(ToolException.class, () -> dir.read("linked-dir/secret.txt", 100));
        assertThrows(ToolException.class, () -> dir.list("linked-dir", 100));
        assertEquals("secret", Files.readString(secret));
        assertEquals(List.of("secret.txt"), Files.list(outside).map(p -> p.getFileName().toString()).toList());

        ConfinedDir.Listing listing = dir.list("", 100);
        assertTrue(listing.entries().stream().allMatch(entry -> entry.type().equals("symlink")), listing.toString());
    }

    @Test
    void readRefusesWhatIsTooLargeOrNotAFile() throws Exception {
        ConfinedDir dir = dir();
        dir.write("big", new byte[1000]);
        Files.createDirectories(dir.root().resolve("d"));
        assertThrows(ToolException.class, () -> dir.read("big", 999));
        assertEquals(1000, dir.read("big", 1000).length);
        assertThrows(ToolException.class, () -> dir.read("d", 100));
        assertThrows(ToolException.class, () -> dir.read("missing", 100));
        ToolException noParent = assertThrows(ToolException.class, () -> dir.write("new/x.txt", new byte[1]));
        assertTrue(noParent.getMessage().contains("create them with code"), noParent.getMessage());
    }

    @Test
    void deleteTreeRemovesLinksNotTheirTargets() throws Exception {
        ConfinedDir dir = dir();
        Path outside = Files.createDirectories(temp.resolve("keep"));
        Files.writeString(outside.resolve("f"), "kept");
        Files.createDirectories(dir.root().resolve("a/b"));
        Files.writeString(dir.root().resolve("a/b/c"), "x");
        Files.createSymbolicLink(dir.root().resolve("a/out"), outside);
        dir.deleteTree();
        assertFalse(Files.exists(dir.root()));
        assertEquals("kept", Files.readString(outside.resolve("f")));
    }
}
