package dev.codebox.internal.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The work dir's file operations on a real directory that code has filled with links. */
class HostWorkDirTest {

    @TempDir
    Path temp;

    private Path work;
    private Path outside;

    @BeforeEach
    void dirs() throws Exception {
        work = Files.createDirectory(temp.resolve("work"));
        outside = Files.createDirectory(temp.resolve("outside"));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private List<Path> outsideFiles() throws Exception {
        try (Stream<Path> files = Files.list(outside)) {
            return files.toList();
        }
    }

    @Test
    void writesCreateMissingDirectoriesAndReplaceAtomicallyWithNoTempFileLeft() throws Exception {
        assertTrue(HostWorkDir.write(work, "a/b/x.py", bytes("print(1)"), false));
        assertEquals("print(1)", Files.readString(work.resolve("a/b/x.py")));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(work.resolve("a/b/x.py"))));
        assertTrue(HostWorkDir.write(work, "a/b/x.py", bytes("print(22)"), false));
        assertEquals("print(22)", Files.readString(work.resolve("a/b/x.py")));
        assertTrue(HostWorkDir.write(work, "a/b/x.py", bytes("print(33)"), true), "same size, reused");
        assertEquals("print(22)", Files.readString(work.resolve("a/b/x.py")));
        try (Stream<Path> files = Files.list(work.resolve("a/b"))) {
            assertEquals(List.of(work.resolve("a/b/x.py")), files.toList());
        }
        try (Stream<Path> files = Files.list(work)) {
            assertEquals(List.of(work.resolve("a")), files.toList(), "no directory left under a temp name");
        }
    }

    @Test
    void aLinkOnTheWayIsRefusedAndALinkAtTheNameIsReplaced() throws Exception {
        Files.createSymbolicLink(work.resolve("up"), outside);
        Files.createDirectory(work.resolve("d"));
        Files.createSymbolicLink(work.resolve("d/deeper"), outside);
        for (String name : List.of("up/x.py", "up/new/x.py", "d/deeper/x.py")) {
            assertFalse(HostWorkDir.write(work, name, bytes("planted"), false), name);
        }
        for (String name : List.of("../outside/x.py", "/x.py", "a/../../x.py", "")) {
            assertFalse(HostWorkDir.write(work, name, bytes("planted"), false), name);
        }
        Path target = Files.writeString(outside.resolve("target.py"), "kept");
        Files.createSymbolicLink(work.resolve("link.py"), target);
        Files.createSymbolicLink(work.resolve("dangling.py"), outside.resolve("dangling.py"));
        assertTrue(HostWorkDir.write(work, "link.py", bytes("kept"), true), "a link is never reused, whatever its target's size");
        assertTrue(HostWorkDir.write(work, "dangling.py", bytes("new"), false));
        assertFalse(Files.isSymbolicLink(work.resolve("link.py")));
        assertEquals("kept", Files.readString(work.resolve("link.py")));
        assertEquals("new", Files.readString(work.resolve("dangling.py")));
        assertEquals("kept", Files.readString(target));
        assertEquals(List.of(target), outsideFiles());
    }

    @Test
    void deletesRemoveLinksAndNeverGoThroughThem() throws Exception {
        Path target = Files.writeString(outside.resolve("x.py"), "kept");
        Files.createSymbolicLink(work.resolve("up"), outside);
        Files.createSymbolicLink(work.resolve("link.py"), target);
        Files.writeString(work.resolve("mine.py"), "mine");
        HostWorkDir.delete(work, List.of("up/x.py", "link.py", "mine.py", "missing.py", "../outside/x.py"));
        assertEquals(List.of(target), outsideFiles());
        assertFalse(Files.exists(work.resolve("link.py"), LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(work.resolve("mine.py")));
        assertTrue(Files.isSymbolicLink(work.resolve("up")));
    }

    @Test
    void listingsStopAtTheLimitOfDirectoriesToo() throws Exception {
        for (int i = 0; i < 11; i++) {
            Files.createDirectories(work.resolve("empty" + i));
        }
        Files.writeString(work.resolve("top.txt"), "t");
        assertEquals(Optional.empty(), HostWorkDir.list(work, 10), "eleven empty directories are more than ten");
        assertEquals(Set.of("top.txt"), HostWorkDir.list(work, 11).orElseThrow().keySet());
    }

    @Test
    void listingsShowRegularFilesOnlyAndStopAtTheLimit() throws Exception {
        Files.writeString(outside.resolve("secret.txt"), "no");
        Files.createSymbolicLink(work.resolve("up"), outside);
        Files.createSymbolicLink(work.resolve("link.txt"), outside.resolve("secret.txt"));
        Files.createDirectories(work.resolve("a/b"));
        Files.writeString(work.resolve("a/b/c.txt"), "c");
        Files.writeString(work.resolve("top.txt"), "t");
        Optional<Map<String, String>> listed = HostWorkDir.list(work, 10);
        assertEquals(Set.of("a/b/c.txt", "top.txt"), listed.orElseThrow().keySet());
        assertEquals(Optional.empty(), HostWorkDir.list(work, 1));
        String before = listed.get().get("top.txt");
        Files.writeString(work.resolve("top.txt"), "tt");
        assertFalse(before.equals(HostWorkDir.list(work, 10).orElseThrow().get("top.txt")), "a changed file changes its stamp");
        assertEquals(Optional.of(Map.of()), HostWorkDir.list(temp.resolve("gone"), 10), "a work dir the code deleted");
    }

    @Test
    void listingsGoNoDeeperThanTheBound() throws Exception {
        Path deep = work;
        for (int i = 0; i <= HostWorkDir.MAX_DEPTH; i++) {
            deep = deep.resolve("d");
        }
        Files.createDirectories(deep);
        Files.writeString(deep.resolve("too-deep.txt"), "x");
        Files.writeString(deep.getParent().resolve("deepest.txt"), "x");
        Set<String> names = HostWorkDir.list(work, 1000).orElseThrow().keySet();
        assertEquals(1, names.size(), names.toString());
        assertTrue(names.iterator().next().endsWith("/deepest.txt"), names.toString());
    }
}
