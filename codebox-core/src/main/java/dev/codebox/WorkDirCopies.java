package dev.codebox;

import java.io.IOException;
import java.nio.file.Path;

/**
 * An executor whose code may see its work dir somewhere other than this machine's file system (a
 * container on an engine that shares no files with this JVM, a pod): its host work dir is then a
 * mirror, and files reach the code, or come back from it, only by being copied. Tools that hand
 * files to the code (the MCP server's {@code upload_file}, for instance) use it.
 *
 * <p>Implementations: {@code DockerCommandLineExecutor}, {@code KubernetesCommandLineExecutor}.
 */
public interface WorkDirCopies {

    /**
     * Whether the started executor's code works in a copy of the host work dir, so that a file
     * written into the host work dir reaches the code only through {@link #copyIn}. False before the
     * executor starts: the host work dir is copied in when it starts. A start in progress is waited
     * for, so that a file written into the host work dir meanwhile is not missed by both.
     */
    boolean copiesWorkDir();

    /**
     * Copies the host file {@code hostPath} to {@code path} of the code's work dir, replacing the
     * file at once; never through a link the code planted.
     *
     * @param path relative to the work dir (or absolute inside the container's or pod's work dir)
     * @throws IllegalArgumentException when {@code path} is not a file name inside the work dir
     * @throws IOException when the file cannot be read or written there
     * @throws IllegalStateException when the executor is not started
     */
    void copyIn(Path hostPath, String path) throws IOException;

    /**
     * Copies the regular file {@code path} of the code's work dir to {@code hostPath} (replaced, never
     * followed when it is a link), whatever its size: the code chooses that size (a sparse file of
     * terabytes costs it nothing), so give a limit with {@link #copyOut(String, Path, long)} unless
     * the code is trusted.
     *
     * @throws IllegalArgumentException when {@code path} is not a file name inside the work dir
     * @throws java.nio.file.NoSuchFileException when it is not a regular file of the work dir
     * @throws IOException when copying fails
     * @throws IllegalStateException when the executor is not started
     */
    default void copyOut(String path, Path hostPath) throws IOException {
        copyOut(path, hostPath, Long.MAX_VALUE);
    }

    /**
     * {@link #copyOut(String, Path)} of a file of at most {@code maxBytes}; a larger one is not
     * copied ({@code hostPath} is left as it was) and no more than {@code maxBytes} are transferred.
     *
     * @throws IllegalArgumentException when {@code path} is not a file name inside the work dir, or
     *     {@code maxBytes} is negative
     * @throws java.nio.file.NoSuchFileException when it is not a regular file of the work dir
     * @throws TooLargeException when the file is larger than {@code maxBytes}
     * @throws IOException when copying fails
     * @throws IllegalStateException when the executor is not started
     */
    void copyOut(String path, Path hostPath, long maxBytes) throws IOException;

    /** A file of the code's work dir larger than the limit of a copy: not copied. */
    final class TooLargeException extends java.nio.file.FileSystemException {
        private static final long serialVersionUID = 1L;

        /** {@code path} is larger than {@code maxBytes}. */
        public TooLargeException(String path, long maxBytes) {
            super(path, null, "larger than " + maxBytes + " bytes; not copied");
        }
    }
}
