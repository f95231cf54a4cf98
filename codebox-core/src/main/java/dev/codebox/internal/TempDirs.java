package dev.codebox.internal;

import dev.codebox.CodeExecutorException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates and removes the temporary work dirs of executors. */
public final class TempDirs {

    private static final Logger LOG = LoggerFactory.getLogger(TempDirs.class);
    private static final Pattern STALE_NAME = Pattern.compile("codebox-(?:kernel-)?(\\d{1,10})-.*");
    private static final long STALE_MILLIS = 60_000;
    private static boolean reaped;

    private TempDirs() {
    }

    /**
     * A new directory {@code codebox-<pid>-<random>} in the system temp dir (the JVM's pid, so that
     * {@link #reapStale()} can tell whose it is). The first call of a JVM reaps stale ones first.
     */
    public static Path create() {
        reapStale();
        try {
            return Files.createTempDirectory(prefix()).toRealPath();
        } catch (IOException e) {
            throw new CodeExecutorException(CodeExecutorException.Reason.WORK_DIR,
                    "cannot create a temporary directory in " + System.getProperty("java.io.tmpdir") + ": " + e, e);
        }
    }

    /** {@code codebox-<pid of this JVM>-}: the start of the names of this JVM's temporary dirs. */
    private static String prefix() {
        return "codebox-" + ProcessHandle.current().pid() + "-";
    }

    /**
     * Removes, once per JVM, what codebox JVMs that died without cleaning up left in the system temp
     * dir: entries named {@code codebox-<pid>-...} (or {@code codebox-kernel-<pid>-...}) of this
     * user whose JVM is gone and that have not changed for a minute.
     */
    public static void reapStale() {
        synchronized (TempDirs.class) {
            if (reaped) {
                return;
            }
            reaped = true;
        }
        Path temp = Path.of(System.getProperty("java.io.tmpdir"));
        long cutoff = System.currentTimeMillis() - STALE_MILLIS;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(temp, "codebox-*")) {
            for (Path entry : entries) {
                Matcher name = STALE_NAME.matcher(entry.getFileName().toString());
                if (!name.matches() || ProcessHandle.of(Long.parseLong(name.group(1))).isPresent()) {
                    continue;
                }
                try {
                    BasicFileAttributes attributes = Files.readAttributes(entry, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    if (attributes.lastModifiedTime().toMillis() > cutoff || !ownedByMe(entry)) {
                        continue;
                    }
                    LOG.info("removing {}, left by codebox process {} that is gone", entry, name.group(1));
                    deleteRecursively(entry);
                } catch (IOException | NumberFormatException e) {
                    LOG.debug("cannot reap {}: {}", entry, e.toString());
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot look for stale codebox files in {}: {}", temp, e.toString());
        }
    }

    private static boolean ownedByMe(Path entry) throws IOException {
        try {
            return Files.getAttribute(entry, "unix:uid", LinkOption.NOFOLLOW_LINKS)
                    .equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Deletes {@code dir} and everything in it as {@link TreeDeletion#delete} does (never through a
     * link, whatever the depth); logs what it cannot delete.
     */
    public static void deleteRecursively(Path dir) {
        try {
            TreeDeletion.delete(dir);
        } catch (IOException e) {
            LOG.warn("could not delete {}", dir, e);
        }
    }
}
