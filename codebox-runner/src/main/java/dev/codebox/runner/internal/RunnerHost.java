package dev.codebox.runner.internal;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where a resident runner lives (a container, a pod) as {@link ResidentRunner} sees it: the one
 * connection to the runner, brought back when it ended, and what the host knows about it.
 */
public interface RunnerHost extends AutoCloseable {

    /** The name of the container or pod, for messages. */
    String name();

    /** "container" or "pod", for messages. */
    String kind();

    /** The host work dir: the bind-mounted work dir, or the mirror of the runner's work dir. */
    Path workDir();

    /** Whether the host work dir is a mirror that codebox keeps (true) or the runner's own work dir, mounted (false). */
    boolean mirrorsWorkDir();

    /** The most bytes the runner's work dir holds, which bounds any file copied out of it. */
    long copyBytes();

    /** The interpreters the image has, by name, with their paths. */
    Map<String, String> interpreters();

    /**
     * The connection to the runner; a new one when the last ended, and a new runner when the old
     * one is gone.
     *
     * @throws dev.codebox.CodeExecutorException when the runner cannot be brought back or broke the protocol
     */
    RunnerConnection connection();

    /**
     * Whether the runner answers a ping now, without bringing a stopped or removed container or pod
     * back: the health check of a pooled one.
     */
    boolean answers();

    /** Marks the runner as suspect: it stopped answering in the middle of a conversation. */
    void suspect();

    /** Why the connection ended without an exit, in words, for the block's output. */
    String describeLoss();

    /** Runs {@code action} once when this host is closed (at once when it already is); for a pool's count. */
    void whenClosed(Runnable action);

    /** Removes the container or pod; does not throw. */
    @Override
    void close();
}
