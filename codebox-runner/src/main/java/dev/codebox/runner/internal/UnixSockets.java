package dev.codebox.runner.internal;

import dev.codebox.CodeExecutorException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The check made before every connection to a Unix socket that lives where container code can
 * write (the runner's, a Jupyter server's): code can replace the socket with a link to another socket
 * of the host, so the path is looked at with {@code lstat} and never followed. Not meant for
 * applications.
 */
public final class UnixSockets {

    /** Longest Unix socket path Linux accepts (sun_path is 108 bytes with the terminating NUL). */
    private static final int MAX_PATH = 107;
    private static final int FILE_TYPE_MASK = 0170000;
    private static final int SOCKET_TYPE = 0140000;

    private UnixSockets() {
    }

    /**
     * Checks that {@code socket}'s path fits a Unix socket address.
     *
     * @param dirKind the directory as the user knows it, e.g. {@code work dir}
     * @param dir that directory, for the message
     * @param owner whose socket, e.g. {@code the runner's}
     * @throws CodeExecutorException ({@code WORK_DIR}) when it is too long, saying how long it may be
     */
    public static void requireFits(Path socket, String dirKind, Path dir, String owner) {
        if (socket.toString().getBytes(StandardCharsets.UTF_8).length > MAX_PATH) {
            throw new CodeExecutorException(CodeExecutorException.Reason.WORK_DIR, "the " + dirKind + " path " + dir
                    + " is too long for " + owner + " Unix socket (at most "
                    + (MAX_PATH - socket.getFileName().toString().length() - 1) + " bytes); choose a shorter " + dirKind);
        }
    }

    /**
     * Checks that {@code socket} is a socket (not a link, not another kind of file) owned by
     * {@code expectedOwner} when given.
     *
     * @return the socket's owner
     * @throws IOException when it is not such a socket (it was replaced), or cannot be looked at
     */
    public static int requireSocket(Path socket, Optional<Integer> expectedOwner) throws IOException {
        Map<String, Object> attributes = Files.readAttributes(socket, "unix:mode,uid", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) attributes.get("mode");
        int owner = (Integer) attributes.get("uid");
        if ((mode & FILE_TYPE_MASK) != SOCKET_TYPE) {
            throw new RunnerConnection.UntrustedSocketException(socket + " is not a socket (it was replaced; mode "
                    + Integer.toOctalString(mode) + ")");
        }
        if (expectedOwner.isPresent() && owner != expectedOwner.get()) {
            throw new RunnerConnection.UntrustedSocketException(socket + " belongs to uid " + owner + ", not to the container's uid "
                    + expectedOwner.get());
        }
        return owner;
    }
}
