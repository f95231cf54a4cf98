package dev.codebox.docker.internal;

import java.io.IOException;
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

    private static final int FILE_TYPE_MASK = 0170000;
    private static final int SOCKET_TYPE = 0140000;

    private UnixSockets() {
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
            throw new RunnerChannel.UntrustedSocketException(socket + " is not a socket (it was replaced; mode "
                    + Integer.toOctalString(mode) + ")");
        }
        if (expectedOwner.isPresent() && owner != expectedOwner.get()) {
            throw new RunnerChannel.UntrustedSocketException(socket + " belongs to uid " + owner + ", not to the container's uid "
                    + expectedOwner.get());
        }
        return owner;
    }
}
