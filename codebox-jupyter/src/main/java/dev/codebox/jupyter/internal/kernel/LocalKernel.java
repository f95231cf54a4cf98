package dev.codebox.jupyter.internal.kernel;

import dev.codebox.internal.Watchdog;
import dev.codebox.jupyter.internal.protocol.Json;
import dev.codebox.jupyter.internal.protocol.MessageFactory;
import dev.codebox.jupyter.spi.Channel;
import dev.codebox.jupyter.spi.Kernel;
import dev.codebox.jupyter.spi.KernelTransport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A kernel process on this machine, its ZeroMQ channels, heartbeat and connection file. */
final class LocalKernel implements Kernel {

    private static final Logger LOG = LoggerFactory.getLogger(LocalKernel.class);
    /** How long stop waits for a kernel to exit after shutdown_request before killing it. */
    private static final long SHUTDOWN_WAIT_MILLIS = 500;

    private final KernelSpec spec;
    private final KernelProcess process;
    private final ZmqTransport transport;
    private final Heartbeat heartbeat;
    private final Path connectionFile;
    private final Path log;
    private final Watchdog watchdog;
    private final MessageFactory messages = new MessageFactory();
    private boolean closed;

    LocalKernel(KernelSpec spec, KernelProcess process, ZmqTransport transport, Heartbeat heartbeat,
            Path connectionFile, Path log, Watchdog watchdog) {
        this.spec = spec;
        this.process = process;
        this.transport = transport;
        this.heartbeat = heartbeat;
        this.connectionFile = connectionFile;
        this.log = log;
        this.watchdog = watchdog;
    }

    @Override
    public String name() {
        return spec.name();
    }

    @Override
    public String language() {
        return spec.language();
    }

    @Override
    public KernelTransport transport() {
        return transport;
    }

    @Override
    public void interrupt() {
        if (spec.interruptsByMessage()) {
            transport.send(messages.request(Channel.CONTROL, "interrupt_request", Json.object()));
        } else {
            process.interrupt();
        }
    }

    @Override
    public Optional<String> failure() {
        if (!process.isAlive()) {
            String output = process.logTail();
            return Optional.of("the " + spec.name() + " kernel (pid " + process.pid() + ") exited with code "
                    + process.exitValue() + (output.isEmpty() ? "" : "; its output:\n" + output));
        }
        if (heartbeat.lost()) {
            return Optional.of("the " + spec.name() + " kernel (pid " + process.pid() + ") stopped answering its heartbeat for "
                    + Heartbeat.LOST_AFTER_MILLIS / 1000 + " s");
        }
        return Optional.empty();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (process.isAlive()) {
                transport.send(messages.request(Channel.CONTROL, "shutdown_request",
                        Json.object().put("restart", false)));
                process.waitFor(SHUTDOWN_WAIT_MILLIS);
            }
        } catch (RuntimeException e) {
            LOG.debug("shutdown_request to the {} kernel failed", spec.name(), e);
        } finally {
            process.kill();
            heartbeat.stop();
            transport.close();
            deleteQuietly(connectionFile);
            deleteQuietly(log);
            watchdog.close();
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warn("could not delete {}", file, e);
        }
    }
}
