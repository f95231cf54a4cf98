package dev.codebox.internal.pipeline;

import dev.codebox.spi.Runner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The file operations of {@link Runner} done directly on a host directory, for runners whose code
 * runs as this JVM's user with this JVM's file system (the local executor): a symbolic link can
 * give such code nothing it does not have already, so checking each path component before the
 * write is enough. Runners whose code runs behind a privilege boundary must not use this: they
 * write on the code's side of it (the Docker runner writes inside the container).
 */
public final class HostWorkDir {

    private static final FileAttribute<Set<PosixFilePermission>> CODE_FILE_PERMISSIONS =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--"));
    private static final Set<OpenOption> NEW_FILE =
            Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);

    private HostWorkDir() {
    }

    /** See {@link Runner#writeFile}. */
    public static boolean write(Path workDir, String relativeName, byte[] content, boolean reuseSameSize)
            throws IOException {
        Path file = workDir.resolve(relativeName);
        Path dir = workDir;
        for (Path part : workDir.relativize(file.getParent() == null ? workDir : file.getParent())) {
            if (part.toString().isEmpty()) {
                continue;
            }
            dir = dir.resolve(part);
            if (Files.isSymbolicLink(dir)) {
                return false;
            }
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(dir);
            } else if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                return false;
            }
        }
        BasicFileAttributes existing = attributes(file);
        if (existing != null && existing.isSymbolicLink()) {
            Files.delete(file); // replaced, never followed
            existing = null;
        }
        if (existing == null ? createNew(file, content)
                : reuseSameSize && existing.isRegularFile() && existing.size() == content.length) {
            return true;
        }
        Path temp = Files.createTempFile(dir, ".codebox-", ".tmp", CODE_FILE_PERMISSIONS);
        try {
            // WRITE without TRUNCATE_EXISTING: truncating the new file makes ext4 flush it at rename.
            Files.write(temp, content, StandardOpenOption.WRITE);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        return true;
    }

    /** The attributes of {@code file} itself (a link is not followed), or null when there is none. */
    private static BasicFileAttributes attributes(Path file) throws IOException {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /**
     * Writes a file that does not exist yet in place: one exclusive create (which never follows a
     * link) instead of a temp file, its reopening and a rename, a third of a block's own work on
     * the JVM's side. A partial file is removed when the write fails. False when a file of that
     * name appeared meanwhile (the caller then replaces it).
     */
    private static boolean createNew(Path file, byte[] content) throws IOException {
        SeekableByteChannel out;
        try {
            out = Files.newByteChannel(file, NEW_FILE, CODE_FILE_PERMISSIONS);
        } catch (FileAlreadyExistsException e) {
            return false;
        }
        try (out) {
            ByteBuffer buffer = ByteBuffer.wrap(content);
            while (buffer.hasRemaining()) {
                out.write(buffer);
            }
        } catch (IOException e) {
            Files.deleteIfExists(file);
            throw e;
        }
        return true;
    }

    /** {@code relativeNames} resolved in {@code workDir}: {@link Runner#exportFiles} where the work dir is this machine's. */
    public static List<Path> resolve(Path workDir, List<String> relativeNames) {
        return relativeNames.stream().map(workDir::resolve).toList();
    }

    /** See {@link Runner#deleteFiles}. */
    public static void delete(Path workDir, List<String> relativeNames) throws IOException {
        for (String name : relativeNames) {
            Files.deleteIfExists(workDir.resolve(name)); // unlink: a link is removed, not followed
        }
    }

    /** See {@link Runner#listFiles}. */
    public static Optional<Map<String, String>> list(Path workDir, int limit) throws IOException {
        Map<String, String> stamps = new HashMap<>();
        try {
            Files.walkFileTree(workDir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile()) {
                        stamps.put(workDir.relativize(file).toString(), attrs.lastModifiedTime().toMillis() + ":"
                                + attrs.lastModifiedTime().toInstant().getNano() + ":" + attrs.size());
                    }
                    return stamps.size() > limit ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return stamps.size() > limit ? Optional.empty() : Optional.of(stamps);
    }
}
