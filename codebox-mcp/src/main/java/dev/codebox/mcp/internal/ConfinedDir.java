package dev.codebox.mcp.internal;

import dev.codebox.internal.TreeDeletion;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * File operations on a session's work dir that code running in the session cannot redirect. Code
 * can create symbolic links and swap directories at any moment, so paths are never resolved by the
 * kernel from the top: each component is opened relative to its already-open parent with
 * {@code O_NOFOLLOW} ({@link SecureDirectoryStream}), and a link anywhere on the way is refused, even
 * one that points inside. A file is written under a fresh name and renamed into place, so the write
 * never lands on a file the code prepared. Directories are never created: the code makes them.
 *
 * <p>Left open: a regular file swapped for a FIFO between the check and the open of a download can
 * block that call until the session is closed.
 */
final class ConfinedDir {

    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    private static final int MAX_PATH_LENGTH = 4096;

    /** An entry of {@link #list}. */
    record Entry(String path, String type, long bytes) {
    }

    /** The entries of a listing, and whether the entry limit cut it short. */
    record Listing(List<Entry> entries, boolean truncated) {
    }

    private final Path root;

    ConfinedDir(Path root) {
        this.root = root;
    }

    Path root() {
        return root;
    }

    /** Writes {@code content} to {@code path}, replacing a regular file of that name; returns the size. */
    long write(String path, byte[] content) {
        List<String> names = components(path, false);
        String name = names.get(names.size() - 1);
        try (SecureDirectoryStream<Path> dir = openDir(names.subList(0, names.size() - 1), path)) {
            BasicFileAttributes existing = attributes(dir, name);
            if (existing != null && existing.isDirectory()) {
                throw new ToolException(path + " is a directory");
            }
            if (existing != null && existing.isSymbolicLink()) {
                throw new ToolException(path + " is a symbolic link; links are neither followed nor replaced");
            }
            Path temp = Path.of(".codebox-upload-" + UUID.randomUUID() + ".tmp");
            Set<OpenOption> create = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, NOFOLLOW);
            try (SeekableByteChannel channel = dir.newByteChannel(temp, create,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")))) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            } catch (IOException | RuntimeException e) {
                deleteQuietly(dir, temp);
                throw e;
            }
            try {
                dir.move(temp, dir, Path.of(name)); // renameat: replaces the entry, follows nothing
            } catch (IOException e) {
                deleteQuietly(dir, temp);
                throw e;
            }
            return content.length;
        } catch (FileAlreadyExistsException e) {
            throw new ToolException("cannot write " + path + ": the directory changed while writing; try again");
        } catch (IOException e) {
            throw new ToolException("cannot write " + path + ": " + reason(e));
        }
    }

    /**
     * The content of the regular file {@code path}.
     *
     * @throws ToolException when it is missing, not a regular file, a link, or larger than {@code maxBytes}
     */
    byte[] read(String path, long maxBytes) {
        List<String> names = components(path, false);
        String name = names.get(names.size() - 1);
        try (SecureDirectoryStream<Path> dir = openDir(names.subList(0, names.size() - 1), path)) {
            BasicFileAttributes attributes = attributes(dir, name);
            if (attributes == null) {
                throw new ToolException("no file " + path);
            }
            if (attributes.isSymbolicLink()) {
                throw new ToolException(path + " is a symbolic link; links are not followed");
            }
            if (!attributes.isRegularFile()) {
                throw new ToolException(path + " is not a regular file");
            }
            if (attributes.size() > maxBytes) {
                throw new ToolException(path + " has " + attributes.size() + " bytes, more than the limit of " + maxBytes);
            }
            try (SeekableByteChannel channel = dir.newByteChannel(Path.of(name), Set.of(StandardOpenOption.READ, NOFOLLOW))) {
                ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(maxBytes + 1, Math.max(attributes.size() + 1, 8192)));
                while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
                    // fill
                }
                if (buffer.position() > maxBytes) {
                    throw new ToolException(path + " grew beyond the limit of " + maxBytes + " bytes while being read");
                }
                byte[] content = new byte[buffer.position()];
                buffer.flip().get(content);
                return content;
            }
        } catch (IOException e) {
            throw new ToolException("cannot read " + path + ": " + reason(e));
        }
    }

    /** The entries under directory {@code path} ("" or "." for the root), depth first, at most {@code limit}. */
    Listing list(String path, int limit) {
        List<String> names = components(path, true);
        List<Entry> entries = new ArrayList<>();
        try (SecureDirectoryStream<Path> dir = openDir(names, path)) {
            boolean complete = walk(dir, String.join("/", names), entries, limit);
            return new Listing(entries, !complete);
        } catch (IOException e) {
            throw new ToolException("cannot list " + path + ": " + reason(e));
        }
    }

    /** Deletes the directory and everything in it; links are removed, never followed, at any depth. */
    void deleteTree() throws IOException {
        TreeDeletion.delete(root);
    }

    private static boolean walk(SecureDirectoryStream<Path> dir, String prefix, List<Entry> entries, int limit)
            throws IOException {
        // More than the listing can take are not read: code may have made millions.
        for (String name : names(dir, limit - entries.size() + 1)) {
            if (entries.size() >= limit) {
                return false;
            }
            BasicFileAttributes attributes = attributes(dir, name);
            if (attributes == null) {
                continue; // deleted meanwhile
            }
            String path = prefix.isEmpty() ? name : prefix + "/" + name;
            String type = attributes.isSymbolicLink() ? "symlink"
                    : attributes.isDirectory() ? "directory"
                    : attributes.isRegularFile() ? "file" : "other";
            entries.add(new Entry(path, type, attributes.isRegularFile() ? attributes.size() : 0));
            if (attributes.isDirectory()) {
                try (SecureDirectoryStream<Path> child = dir.newDirectoryStream(Path.of(name), NOFOLLOW)) {
                    if (!walk(child, path, entries, limit)) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /** Opens the directory {@code names} below the root, one component at a time, refusing links. */
    private SecureDirectoryStream<Path> openDir(List<String> names, String path) throws IOException {
        BasicFileAttributes rootAttributes = Files.readAttributes(root, BasicFileAttributes.class, NOFOLLOW);
        if (!rootAttributes.isDirectory()) {
            throw new ToolException("the session's work dir is gone");
        }
        SecureDirectoryStream<Path> dir = secure(Files.newDirectoryStream(root));
        try {
            for (String name : names) {
                BasicFileAttributes attributes = attributes(dir, name);
                if (attributes == null) {
                    throw new ToolException("no directory " + name + " on the way to " + path
                            + " (directories are not created by this tool: create them with code)");
                }
                if (attributes.isSymbolicLink()) {
                    throw new ToolException(path + " goes through the symbolic link " + name + "; links are not followed");
                }
                if (!attributes.isDirectory()) {
                    throw new ToolException(name + " on the way to " + path + " is not a directory");
                }
                SecureDirectoryStream<Path> child = dir.newDirectoryStream(Path.of(name), NOFOLLOW);
                dir.close();
                dir = child;
            }
            return dir;
        } catch (IOException | RuntimeException e) {
            dir.close();
            throw e;
        }
    }

    /** lstat of {@code name} in {@code dir}, or null when there is no such entry. */
    private static BasicFileAttributes attributes(SecureDirectoryStream<Path> dir, String name) throws IOException {
        try {
            return dir.getFileAttributeView(Path.of(name), BasicFileAttributeView.class, NOFOLLOW).readAttributes();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** The names of the first {@code max} entries read from {@code dir}, in order. */
    private static TreeSet<String> names(SecureDirectoryStream<Path> dir, int max) {
        TreeSet<String> names = new TreeSet<>();
        for (Path entry : dir) {
            if (names.size() >= max) {
                break;
            }
            names.add(entry.getFileName().toString());
        }
        return names;
    }

    private static SecureDirectoryStream<Path> secure(DirectoryStream<Path> stream) throws IOException {
        if (stream instanceof SecureDirectoryStream<Path> secure) {
            return secure;
        }
        stream.close();
        throw new IllegalStateException("this platform has no secure directory streams (openat); file tools are unavailable");
    }

    private static void deleteQuietly(SecureDirectoryStream<Path> dir, Path name) {
        try {
            dir.deleteFile(name);
        } catch (IOException ignored) {
            // already gone
        }
    }

    /**
     * The components of a path relative to the root.
     *
     * @throws ToolException for an absolute path, {@code ..}, a NUL character, or (unless
     *     {@code rootAllowed}) a path naming the root itself
     */
    static List<String> components(String path, boolean rootAllowed) {
        if (path == null) {
            throw new ToolException("a path is required");
        }
        if (path.length() > MAX_PATH_LENGTH || path.indexOf('\0') >= 0) {
            throw new ToolException("invalid path");
        }
        if (path.startsWith("/")) {
            throw new ToolException("absolute paths are not allowed: give a path relative to the session's work dir, not " + path);
        }
        List<String> names = new ArrayList<>();
        for (String name : path.split("/")) {
            if (name.isEmpty() || name.equals(".")) {
                continue;
            }
            if (name.equals("..")) {
                throw new ToolException("'..' is not allowed in paths: " + path + " must stay inside the session's work dir");
            }
            names.add(name);
        }
        if (names.isEmpty() && !rootAllowed) {
            throw new ToolException("the path names no file: " + path);
        }
        return names;
    }

    private static String reason(IOException e) {
        String message = e.getMessage();
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (message != null && message.contains("Too many levels of symbolic links")) {
            return "it is a symbolic link; links are not followed";
        }
        return message == null ? e.getClass().getSimpleName() : message;
    }
}
