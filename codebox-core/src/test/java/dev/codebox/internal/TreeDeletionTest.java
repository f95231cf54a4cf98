package dev.codebox.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Deleting trees that code made, and may still be changing. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TreeDeletionTest {

    @TempDir
    Path temp;

    private Path outside() throws IOException {
        Path outside = Files.createDirectories(temp.resolve("outside"));
        for (int i = 0; i < 20; i++) {
            Files.writeString(outside.resolve("f" + i), "kept");
        }
        return outside;
    }

    private static long entries(Path dir) throws IOException {
        try (var entries = Files.list(dir)) {
            return entries.count();
        }
    }

    private static long openDescriptors() throws IOException {
        try (var open = Files.list(Path.of("/proc/self/fd"))) {
            return open.count();
        }
    }

    @Test
    void aChainTwentyThousandDirectoriesDeepWithALinkOutIsDeletedAndTheLinksTargetKept() throws Exception {
        Path root = Files.createDirectories(temp.resolve("root"));
        Path outside = outside();
        // Deeper than a path can name: made the way code would, one relative step at a time.
        Process mkdirs = new ProcessBuilder("/usr/bin/python3", "-c", "import os, sys\n"
                + "for i in range(20000):\n"
                + "    os.mkdir('d')\n"
                + "    os.chdir('d')\n"
                + "    if i == 10000:\n"
                + "        os.symlink(sys.argv[1], 'out')\n"
                + "open('bottom', 'w').write('x')", outside.toString())
                .directory(root.toFile()).inheritIO().start();
        assertEquals(0, mkdirs.waitFor());
        long descriptors = openDescriptors();
        TreeDeletion.delete(root);
        assertFalse(Files.exists(root));
        assertEquals(20, entries(outside));
        assertEquals(descriptors, openDescriptors(), "a directory was left open");
    }

    @Test
    void directoriesTheCodeLockedAreDeleted() throws Exception {
        Path root = Files.createDirectories(temp.resolve("root"));
        Path locked = Files.createDirectories(root.resolve("a/locked"));
        Files.writeString(locked.resolve("f"), "x");
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
        Files.setPosixFilePermissions(root.resolve("a"), PosixFilePermissions.fromString("r-x------"));
        TreeDeletion.delete(root);
        assertFalse(Files.exists(root));
    }

    @Test
    void aDirectorySwappedForALinkWhileTheTreeIsDeletedNeverLeadsOutside() throws Exception {
        Path outside = outside();
        for (int round = 0; round < 100; round++) {
            Path root = Files.createDirectories(temp.resolve("root" + round));
            Path sub = Files.createDirectories(root.resolve("sub"));
            for (int i = 0; i < 20; i++) {
                Files.writeString(sub.resolve("f" + i), "x");
            }
            AtomicBoolean deleting = new AtomicBoolean(true);
            Thread swapper = new Thread(() -> {
                Path aside = root.resolve("aside");
                while (deleting.get()) {
                    try {
                        Files.move(sub, aside, StandardCopyOption.ATOMIC_MOVE);
                        Files.createSymbolicLink(sub, outside);
                        Files.delete(sub);
                        Files.move(aside, sub, StandardCopyOption.ATOMIC_MOVE);
                    } catch (IOException e) {
                        // the deletion took it meanwhile
                    }
                }
            });
            swapper.start();
            try {
                TreeDeletion.delete(root);
            } catch (IOException e) {
                // an entry vanished under it: a second pass below finishes
            } finally {
                deleting.set(false);
                swapper.join();
            }
            TreeDeletion.delete(root);
            assertFalse(Files.exists(root));
            assertEquals(20, entries(outside), "a file outside was deleted in round " + round);
        }
    }
}
