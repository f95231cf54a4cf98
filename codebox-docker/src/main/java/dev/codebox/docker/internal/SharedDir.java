package dev.codebox.docker.internal;

import dev.codebox.CodeExecutorException;
import dev.codebox.internal.Resources;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The check that the engine sees the directory codebox bind-mounts into a container: the JVM
 * writes a marker file with a random name into it, and the container's main process looks for it
 * before anything else ({@link #command}, shared_check.sh). On an engine that does not share the directory (a
 * remote engine, a Docker Desktop or Colima VM without that file sharing) the container stops at
 * once with {@value #EXIT_CODE}, and start fails within a second with a reason, instead of waiting
 * out the start timeout for a socket that will never appear.
 */
public final class SharedDir {

    /** The check a container runs first: {@code sh -c CHECK_SCRIPT codebox-check DIR COMMAND...}. */
    public static final String CHECK_SCRIPT = Resources.read(SharedDir.class, "shared_check.sh");

    /** The environment variable that names the marker in the container. */
    public static final String VARIABLE = "CODEBOX_SHARED_MARKER";
    /** The container's exit code when the marker is missing. */
    public static final int EXIT_CODE = 3;
    /** What the container prints when the marker is missing (shared_check.sh prints the same). */
    public static final String MESSAGE = "codebox: the bind-mounted directory does not hold the file codebox wrote there";

    private static final Logger LOG = LoggerFactory.getLogger(SharedDir.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path file;

    private SharedDir(Path file) {
        this.file = file;
    }

    /** {@code command}, run in a container after the check of {@code dirInContainer}. */
    public static List<String> command(String dirInContainer, List<String> command) {
        List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", CHECK_SCRIPT, "codebox-check", dirInContainer));
        argv.addAll(command);
        return argv;
    }

    /** A new marker name for a directory. */
    public static String newMarkerName() {
        byte[] bytes = new byte[6];
        RANDOM.nextBytes(bytes);
        return ".codebox-shared-" + HexFormat.of().formatHex(bytes);
    }

    /**
     * Writes the marker {@code name} into {@code dir}; never through a link, never over an existing file.
     *
     * @throws CodeExecutorException ({@code WORK_DIR}) when it cannot be written
     */
    public static SharedDir mark(Path dir, String name) {
        Path file = dir.resolve(name);
        try (SeekableByteChannel ignored = Files.newByteChannel(file, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            return new SharedDir(file);
        } catch (IOException e) {
            throw new CodeExecutorException(CodeExecutorException.Reason.WORK_DIR, "cannot write into " + dir + ": " + e, e);
        }
    }

    /** Removes the marker (unlink, which never follows a link); does not throw. */
    public void remove() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.debug("could not delete {}", file, e);
        }
    }

    /**
     * The precise exception when {@code failure} (a start that stopped early) came from the marker
     * check, else {@code failure} itself.
     */
    public static CodeExecutorException explain(CodeExecutorException failure, Path dir, EngineEndpoint engine) {
        if (failure.getMessage() == null || !failure.getMessage().contains(MESSAGE)) {
            return failure;
        }
        return new CodeExecutorException(CodeExecutorException.Reason.WORK_DIR, "the Docker engine at " + engine.describe()
                + " does not see " + dir + ": the directory arrives empty in the container (a remote engine, a"
                + " Docker Desktop, Colima or Podman machine VM that does not share this path, or a user that may not"
                + " read it). Use a directory the engine shares (Docker Desktop: Settings > Resources > File sharing),"
                + " or, when this program runs in a container of that engine, give bindDir the engine-side path,"
                + " or leave transport and workDirMode at AUTO (or use ATTACH and COPY) to work through the Engine API alone.",
                failure);
    }

    /** Whether {@code failure} is {@link #explain}'s: the engine does not see the bind-mounted directory. */
    public static boolean isNotShared(CodeExecutorException failure) {
        return failure.reason() == CodeExecutorException.Reason.WORK_DIR && failure.getCause() != null
                && failure.getCause().getMessage() != null && failure.getCause().getMessage().contains(MESSAGE);
    }
}
