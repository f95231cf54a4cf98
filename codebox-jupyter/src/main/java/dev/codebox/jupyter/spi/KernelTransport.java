package dev.codebox.jupyter.spi;


/**
 * Carries messages between a client and one kernel: ZeroMQ sockets for a local kernel, a websocket
 * for a kernel of a Jupyter server. Receiving is pull-based so that the thread running an execution
 * reads the kernel's answers itself, without a hop through another thread.
 *
 * <p>{@link #send} may be called from any thread; {@link #receive} from one thread at a time.
 */
public interface KernelTransport extends AutoCloseable {

    /** Sends {@code message} on its channel. */
    void send(JupyterMessage message);

    /**
     * The next message from the shell, iopub or stdin channel, or {@code null} when none arrived
     * within {@code timeoutMillis}.
     *
     * @param awaited the channel the caller waits on now (iopub until the kernel is idle, shell until
     *     the reply came); a transport may wait on it and look at the others less often
     * @throws KernelFailedException when the transport broke
     */
    JupyterMessage receive(long timeoutMillis, Channel awaited);

    /** Releases the transport; further calls fail. */
    @Override
    void close();
}
