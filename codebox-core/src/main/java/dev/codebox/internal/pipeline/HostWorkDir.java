package dev.codebox.internal.pipeline;

import dev.codebox.spi.Runner;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The file operations of {@link Runner} done directly on a directory of this JVM's file system: the
 * local executor's work dir (whose code may run in a sandbox that cannot reach the rest of this
 * file system) and the host mirror of a copied container work dir. Code may swap any entry of the
 * work dir for a symbolic link at any moment, so nothing here resolves a path inside it: each
 * directory is opened relative to the one above it without following links (a
 * {@link SecureDirectoryStream}, {@code openat}), and files are created, renamed, deleted and
 * listed relative to the directory opened. Only the work dir itself is opened by its path; it must
 * be a directory the code cannot replace (its parent is not the code's to write).
 */
public final class HostWorkDir {

    private static final FileAttribute<Set<PosixFilePermission>> CODE_FILE_PERMISSIONS =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--"));
    static final int MAX_DEPTH = 128;
    private static final Set<OpenOption> NEW_FILE =
            Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);

    private HostWorkDir() {
    }

    /**
     * See {@link Runner#writeFile}: the content goes to a new file beside the target, renamed over it
     * (which replaces a link at the name, never writes through it).
     *
     * @throws IOException also when the platform cannot open directories relative to each other
     */
    public static boolean write(Path workDir, String relativeName, byte[] content, boolean reuseSameSize)
            throws IOException {
        Optional<Name> parsed = Name.parse(relativeName);
        if (parsed.isEmpty()) {
            return false;
        }
        Path name = parsed.get().file();
        try (Walk walk = Walk.open(workDir)) {
            SecureDirectoryStream<Path> dir = walk.descend(parsed.get().directories(), true);
            if (dir == null) {
                return false;
            }
            BasicFileAttributes existing = attributes(dir, name);
            if (existing != null && reuseSameSize && existing.isRegularFile() && existing.size() == content.length) {
                return true;
            }
            Path temp = createTemp(dir, content);
            try {
                dir.move(temp, dir, name); // renameat: replaces a file or a link at the name
            } catch (IOException e) {
                deleteQuietly(dir, temp);
                throw e;
            }
            return true;
        }
    }

    /** {@code relativeNames} resolved in {@code workDir}: {@link Runner#exportFiles} where the work dir is this machine's. */
    public static List<Path> resolve(Path workDir, List<String> relativeNames) {
        return relativeNames.stream().map(workDir::resolve).toList();
    }

    /**
     * See {@link Runner#deleteFiles}: a link at the name is removed, not followed, and no link on the
     * way to it is followed either. Nothing to do when the code deleted the work dir.
     */
    public static void delete(Path workDir, List<String> relativeNames) throws IOException {
        Optional<Walk> opened = Walk.openIfPresent(workDir);
        if (opened.isEmpty()) {
            return;
        }
        try (Walk walk = opened.get()) {
            for (String relativeName : relativeNames) {
                Optional<Name> name = Name.parse(relativeName);
                SecureDirectoryStream<Path> dir = name.isEmpty() ? null : walk.descend(name.get().directories(), false);
                if (dir != null) {
                    BasicFileAttributes existing = attributes(dir, name.get().file());
                    if (existing != null && !existing.isDirectory()) {
                        try {
                            dir.deleteFile(name.get().file()); // unlinkat
                        } catch (NoSuchFileException e) {
                            // gone meanwhile
                        }
                    }
                }
                walk.closeBelowRoot();
            }
        }
    }

    /**
     * See {@link Runner#listFiles}: links are neither followed nor listed, nor are files more than
     * {@value #MAX_DEPTH} directories deep (each level holds a directory open).
     */
    public static Optional<Map<String, String>> list(Path workDir, int limit) throws IOException {
        Map<String, String> stamps = new HashMap<>();
        Optional<Walk> opened = Walk.openIfPresent(workDir);
        if (opened.isEmpty()) {
            return Optional.of(stamps); // the code deleted it: the next block gets a new one
        }
        try (Walk walk = opened.get()) {
            boolean complete = list(walk.root, "", 0, stamps, limit, new int[] {limit});
            return complete ? Optional.of(stamps) : Optional.empty();
        } catch (DirectoryIteratorException e) {
            throw e.getCause();
        }
    }

    /**
     * Adds the regular files under {@code dir} to {@code stamps}; false once there are more than
     * {@code limit}, or more directories than {@code directoriesLeft} allowed (code can make millions
     * of empty ones).
     */
    private static boolean list(SecureDirectoryStream<Path> dir, String prefix, int depth, Map<String, String> stamps,
            int limit, int[] directoriesLeft) throws IOException {
        List<Path> subdirectories = new ArrayList<>();
        for (Path entry : dir) {
            Path name = entry.getFileName();
            BasicFileAttributes attributes = attributes(dir, name);
            if (attributes == null) {
                continue; // deleted meanwhile
            }
            if (attributes.isRegularFile()) {
                stamps.put(prefix + name, attributes.lastModifiedTime().toMillis() + ":"
                        + attributes.lastModifiedTime().toInstant().getNano() + ":" + attributes.size());
                if (stamps.size() > limit) {
                    return false;
                }
            } else if (attributes.isDirectory() && depth < MAX_DEPTH) {
                if (--directoriesLeft[0] < 0) {
                    return false;
                }
                subdirectories.add(name);
            }
        }
        for (Path name : subdirectories) {
            SecureDirectoryStream<Path> subdirectory;
            try {
                subdirectory = dir.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS);
            } catch (FileSystemException e) {
                continue; // gone, or swapped for something that is not a directory
            }
            try (subdirectory) {
                if (!list(subdirectory, prefix + name + "/", depth + 1, stamps, limit, directoriesLeft)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** A relative name: the directories on the way, each one name, and the file's name. */
    private record Name(List<Path> directories, Path file) {

        /** {@code relativeName} split at {@code /}; empty when it is absolute, leads up or names nothing. */
        static Optional<Name> parse(String relativeName) {
            if (relativeName.startsWith("/")) {
                return Optional.empty();
            }
            List<Path> names = new ArrayList<>();
            for (String part : relativeName.split("/")) {
                if (part.isEmpty() || part.equals(".")) {
                    continue;
                }
                if (part.equals("..") || part.indexOf('\0') >= 0) {
                    return Optional.empty();
                }
                names.add(Path.of(part));
            }
            return names.isEmpty() ? Optional.empty()
                    : Optional.of(new Name(names.subList(0, names.size() - 1), names.get(names.size() - 1)));
        }
    }

    /** The attributes of {@code name} in {@code dir} itself (a link is not followed), or null when there is none. */
    private static BasicFileAttributes attributes(SecureDirectoryStream<Path> dir, Path name) throws IOException {
        try {
            return dir.getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** A new file of {@code content} under a fresh hidden name in {@code dir}. */
    private static Path createTemp(SecureDirectoryStream<Path> dir, byte[] content) throws IOException {
        while (true) {
            Path temp = freshName(".tmp");
            SeekableByteChannel out;
            try {
                out = dir.newByteChannel(temp, NEW_FILE, CODE_FILE_PERMISSIONS);
            } catch (FileAlreadyExistsException e) {
                continue;
            }
            try (out) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
            } catch (IOException e) {
                deleteQuietly(dir, temp);
                throw e;
            }
            return temp;
        }
    }

    /** A hidden name, random enough that code cannot have made it ahead. */
    private static Path freshName(String suffix) {
        return Path.of(".codebox-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()) + suffix);
    }

    private static void deleteQuietly(SecureDirectoryStream<Path> dir, Path name) {
        try {
            dir.deleteFile(name);
        } catch (IOException e) {
            // nothing more to release
        }
    }

    /** The work dir opened, and the directories opened below it on the way to a file. */
    private static final class Walk implements AutoCloseable {
        final SecureDirectoryStream<Path> root;
        private final Path workDir;
        private final List<SecureDirectoryStream<Path>> below = new ArrayList<>();

        private Walk(SecureDirectoryStream<Path> root, Path workDir) {
            this.root = root;
            this.workDir = workDir;
        }

        /** {@link #open}, or empty when the work dir is not there (the code deleted it). */
        static Optional<Walk> openIfPresent(Path workDir) throws IOException {
            try {
                return Optional.of(open(workDir));
            } catch (NoSuchFileException e) {
                return Optional.empty();
            }
        }

        static Walk open(Path workDir) throws IOException {
            DirectoryStream<Path> stream = Files.newDirectoryStream(workDir);
            if (stream instanceof SecureDirectoryStream<Path> secure) {
                return new Walk(secure, workDir);
            }
            stream.close();
            throw new IOException("this platform cannot open a directory relative to another without following"
                    + " links, which the work dir " + workDir + " needs");
        }

        /**
         * The directory at {@code names} below the root, each opened without following a link;
         * null when one of them is a link or not a directory, or is missing and {@code create} is false.
         */
        SecureDirectoryStream<Path> descend(List<Path> names, boolean create) throws IOException {
            SecureDirectoryStream<Path> dir = root;
            for (Path name : names) {
                BasicFileAttributes attributes = attributes(dir, name);
                if (attributes == null) {
                    if (!create) {
                        return null;
                    }
                    makeDirectory(dir, name);
                } else if (!attributes.isDirectory()) {
                    return null;
                }
                try {
                    dir = dir.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS);
                } catch (FileSystemException e) {
                    return null; // swapped for a link or a file since the check
                }
                below.add(dir);
            }
            return dir;
        }

        /**
         * Creates directory {@code name} in {@code dir}. There is no {@code mkdirat} in Java: the
         * directory is made under a fresh name in the work dir itself (the one directory opened by
         * its path) and renamed into place relative to the directory opened.
         */
        private void makeDirectory(SecureDirectoryStream<Path> dir, Path name) throws IOException {
            Path temp = freshName(".dir");
            Files.createDirectory(workDir.resolve(temp));
            try {
                root.move(temp, dir, name);
            } catch (FileSystemException e) {
                // Something took the name meanwhile: opening it tells whether it is a directory.
                root.deleteDirectory(temp);
            }
        }

        /** Closes the directories opened below the root, for the next walk from it. */
        void closeBelowRoot() throws IOException {
            for (SecureDirectoryStream<Path> dir : below) {
                dir.close();
            }
            below.clear();
        }

        @Override
        public void close() throws IOException {
            closeBelowRoot();
            root.close();
        }
    }
}
