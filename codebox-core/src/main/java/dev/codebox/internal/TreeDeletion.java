package dev.codebox.internal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import java.util.UUID;

/**
 * Deletes directory trees that code made, and may still be changing: every entry is reached from
 * an open directory (never by a path that code could redirect through a link or a swapped
 * directory), links are removed and never followed, and however deep the code nested its
 * directories at most {@value #MAX_OPEN_DEPTH} are open at once.
 */
public final class TreeDeletion {

    /** Directories open at once; one deeper is moved up into the root and deleted by a later pass. */
    static final int MAX_OPEN_DEPTH = 64;
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    private static final Set<PosixFilePermission> OWNER_ALL = EnumSet.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);

    private TreeDeletion() {
    }

    /**
     * Deletes {@code root} and everything in it; nothing when it does not exist, the link itself when
     * it is one. Directories the code left without the owner's permissions are given them first.
     *
     * @throws IOException when an entry cannot be deleted (what was deleted before stays deleted)
     */
    public static void delete(Path root) throws IOException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(root, BasicFileAttributes.class, NOFOLLOW);
        } catch (NoSuchFileException e) {
            return;
        }
        if (!attributes.isDirectory()) {
            Files.deleteIfExists(root);
            return;
        }
        ownerMayEnter(Files.getFileAttributeView(root, PosixFileAttributeView.class, NOFOLLOW));
        boolean movedUp;
        do {
            try (DirectoryStream<Path> stream = Files.newDirectoryStream(root)) {
                if (!(stream instanceof SecureDirectoryStream<Path> top)) {
                    throw new IOException("cannot delete " + root + " safely: this platform has no secure directory streams");
                }
                movedUp = deleteContents(top, top, 1);
            }
        } while (movedUp);
        Files.delete(root);
    }

    /**
     * Deletes what {@code dir} holds, entries as they are read (a directory of millions costs no
     * memory); true when directories too deep were moved up into {@code top} instead.
     */
    private static boolean deleteContents(SecureDirectoryStream<Path> dir, SecureDirectoryStream<Path> top, int depth)
            throws IOException {
        boolean movedUp = false;
        for (Path path : dir) {
            Path entry = path.getFileName();
            BasicFileAttributes attributes;
            try {
                attributes = dir.getFileAttributeView(entry, BasicFileAttributeView.class, NOFOLLOW).readAttributes();
            } catch (NoSuchFileException e) {
                continue; // deleted meanwhile
            }
            if (!attributes.isDirectory()) {
                dir.deleteFile(entry);
            } else if (depth >= MAX_OPEN_DEPTH) {
                dir.move(entry, top, Path.of(".codebox-deep-" + UUID.randomUUID()));
                movedUp = true;
            } else {
                ownerMayEnter(dir.getFileAttributeView(entry, PosixFileAttributeView.class, NOFOLLOW));
                try (SecureDirectoryStream<Path> child = dir.newDirectoryStream(entry, NOFOLLOW)) {
                    movedUp |= deleteContents(child, top, depth + 1);
                }
                dir.deleteDirectory(entry);
            }
        }
        return movedUp;
    }

    /** Gives the owner read, write and search permission on a directory the code may have locked. */
    private static void ownerMayEnter(PosixFileAttributeView view) throws IOException {
        if (view == null) {
            return;
        }
        Set<PosixFilePermission> permissions = view.readAttributes().permissions();
        if (!permissions.containsAll(OWNER_ALL)) {
            permissions.addAll(OWNER_ALL);
            view.setPermissions(permissions);
        }
    }
}
