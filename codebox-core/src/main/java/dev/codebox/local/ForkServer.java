package dev.codebox.local;

import dev.codebox.internal.ForkServerScript;
import dev.codebox.internal.ProcessSessions;
import dev.codebox.internal.TempDirs;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Python fork server ({@code forkserver.py}): an interpreter started once, in the work dir,
 * with the executor's environment, that forks a child per python block. The child connects to a
 * Unix socket this class listens on (in a private temp dir) and sends its nonce, and that
 * connection carries the block's stdout and stderr; the server reports the child's pid and, when
 * it has reaped it, its exit code on its stdout.
 *
 * <p>In spawn mode (the executor's fork server turned off) the same script forks nothing: it
 * {@code posix_spawn}s a fresh {@code python FILE} per block, with the connection it made on the
 * block's behalf as its output. That is one process image per block, where the JVM's own spawn
 * takes four.
 */
final class ForkServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ForkServer.class);
    private static final String SOURCE = ForkServerScript.source();
    private static final SecureRandom RANDOM = new SecureRandom();
    /** A connection that has not named its block within this time is closed. */
    private static final long IDENTIFY_MILLIS = 2000;
    /** How long a fork request may wait for the child's pid before the server counts as stuck. */
    private static final long FORK_MILLIS = 5000;
    private static final int NONCE_BYTES = 16;
    /** The longest first line a connection may send: a child's nonce, or its nonce and exit code. */
    private static final int MAX_GREETING = 2 * NONCE_BYTES + 16;
    /** A block handed over within this time of the previous block's end is part of a batch. */
    private static final long BACK_TO_BACK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final int MAX_LINE = 8192;

    private final Path socketDir;
    /** Whether blocks are spawned as fresh interpreters rather than forked. */
    private final boolean spawning;
    private final ServerSocketChannel listener;
    /** Closed by the accept thread alone: a selector closed while a channel registers with it can fail. */
    private final Selector selector;
    private Thread acceptor;
    private final Process process;
    private final OutputStream requests;
    private final Map<String, ForkedBlock> blocks = new ConcurrentHashMap<>();
    private final CountDownLatch ready = new CountDownLatch(1);
    /** The child forked ahead of the next block, if any. */
    private ForkedBlock standby;
    /** When the last block ended ({@link System#nanoTime()}), to tell a batch from blocks that come with pauses. */
    private long lastBlockEnded = System.nanoTime() - BACK_TO_BACK_NANOS;
    /** Site-packages dirs and their modification times at start; null while not ready. */
    private volatile Map<Path, Long> watched;
    private volatile boolean closed;
    /** Set by the first {@link #close}, which releases the process, the socket and its dir. */
    private final AtomicBoolean released = new AtomicBoolean();

    private ForkServer(Path socketDir, boolean spawning, ServerSocketChannel listener, Selector selector, Process process) {
        this.socketDir = socketDir;
        this.spawning = spawning;
        this.listener = listener;
        this.selector = selector;
        this.process = process;
        this.requests = process.getOutputStream();
    }

    /**
     * Starts a server; it is ready once {@link #awaitReady} says so.
     *
     * @param python the interpreter, as blocks would be started with it
     * @param setsid util-linux {@code setsid}, to make the server a session leader of its own
     * @param spawning whether the server spawns each block as a fresh interpreter instead of forking it
     * @throws IOException when the socket or the process cannot be created
     */
    static ForkServer start(String python, Path workDir, Map<String, String> environment, Optional<String> setsid,
            boolean spawning) throws IOException {
        Path socketDir = TempDirs.create();
        ServerSocketChannel listener = null;
        Selector selector = null;
        try {
            Path socket = socketDir.resolve("fork.sock");
            listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            listener.bind(UnixDomainSocketAddress.of(socket));
            listener.configureBlocking(false);
            selector = Selector.open();
            listener.register(selector, SelectionKey.OP_ACCEPT);
            List<String> argv = new ArrayList<>();
            setsid.ifPresent(argv::add);
            argv.add(python);
            if (spawning) {
                // Runs no block: isolated from PYTHON* variables, and without site's start-up (a third of it).
                argv.addAll(List.of("-I", "-S"));
            }
            argv.addAll(List.of("-c", SOURCE, socket.toString(), workDir.toString(), python));
            if (spawning) {
                argv.add("spawn");
            }
            ProcessBuilder builder = new ProcessBuilder(argv).directory(workDir.toFile());
            builder.environment().clear();
            builder.environment().putAll(environment);
            Process process = builder.start();
            ForkServer server = new ForkServer(socketDir, spawning, listener, selector, process);
            server.startThreads();
            return server;
        } catch (IOException | RuntimeException e) {
            if (selector != null) {
                selector.close();
            }
            if (listener != null) {
                listener.close();
            }
            TempDirs.deleteRecursively(socketDir);
            throw e;
        }
    }

    /** Forks the first standby once the server is ready. */
    private void prepare() {
        if (awaitReady(FORK_MILLIS)) {
            synchronized (this) {
                if (standby == null && !closed) {
                    standby = request("fork", "warm");
                }
            }
        }
    }

    long pid() {
        return process.pid();
    }

    Path socketDir() {
        return socketDir;
    }

    private void startThreads() {
        daemon("codebox-fork-server-replies", this::readReplies);
        daemon("codebox-fork-server-errors", this::logErrors);
        acceptor = daemon("codebox-fork-server-accept", this::acceptConnections);
        if (!spawning) {
            daemon("codebox-fork-server-prepare", this::prepare);
        }
    }

    private static Thread daemon(String name, Runnable task) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /** Waits until the server has started; false when it did not within the time or died. */
    boolean awaitReady(long millis) {
        try {
            return ready.await(millis, TimeUnit.MILLISECONDS) && watched != null && !closed;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Whether the server can take blocks: alive, and no site-packages dir has changed since it started. */
    boolean usable() {
        Map<Path, Long> dirs = watched;
        if (closed || dirs == null || !process.isAlive()) {
            return false;
        }
        for (Map.Entry<Path, Long> dir : dirs.entrySet()) {
            if (modified(dir.getKey()) != dir.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** Whether no block of this server is running (a standby does not count). */
    boolean idle() {
        return blocks.values().stream().noneMatch(block -> block.started);
    }

    private static long modified(Path dir) {
        try {
            return Files.getLastModifiedTime(dir, LinkOption.NOFOLLOW_LINKS).toMillis();
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * Starts a block that runs {@code file} (relative to the work dir) as {@code python file} would.
     * Forking, it is handed to the standby forked ahead of time when it is there, else to one forked
     * now. The next standby is forked when the block ends ({@link #blockEnded}), not beside it: on a
     * small machine a fork beside the block slows the block down by about what it saves, while the
     * time between an agent's blocks is idle. Blocks that come back to back (a batch) are the
     * exception: there the next standby is forked at once. Spawning, the server starts it now.
     *
     * @throws Declined when the server could not spawn this block (the caller starts it instead)
     * @throws IOException when the server does not answer (it is closed; the caller starts the
     *     block instead)
     */
    ForkedBlock start(String file) throws IOException {
        if (file.indexOf('\n') >= 0 || file.indexOf('\r') >= 0) {
            throw new Declined("a file name with a line break cannot be sent to the fork server");
        }
        ForkedBlock block;
        synchronized (this) {
            if (spawning) {
                block = request("spawn", file);
            } else {
                String spread = idle() ? null : "spread"; // blocks side by side (see blockEnded)
                block = standby != null ? standby : request("fork", spread);
                boolean backToBack = System.nanoTime() - lastBlockEnded < BACK_TO_BACK_NANOS;
                standby = backToBack ? request("fork", spread) : null;
            }
        }
        try {
            block.pid.get(FORK_MILLIS, TimeUnit.MILLISECONDS);
            SocketChannel channel = block.connection.get(FORK_MILLIS, TimeUnit.MILLISECONDS);
            if (!spawning) {
                channel.write(ByteBuffer.wrap((file + "\n").getBytes(StandardCharsets.UTF_8)));
            }
            channel.shutdownOutput();
            block.started = true;
            return block;
        } catch (IOException | ExecutionException | TimeoutException e) {
            block.abandon();
            if (e.getCause() instanceof Declined declined) {
                throw declined; // this block only: the server serves on
            }
            close();
            throw new IOException("the fork server did not start the block", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            block.abandon();
            throw new IOException("interrupted while forking", e);
        }
    }

    /** The server could not start this one block; it serves on. */
    static final class Declined extends IOException {
        private static final long serialVersionUID = 1L;

        Declined(String message) {
            super(message);
        }
    }

    /**
     * Forks the next standby unless there is one: called when a block has ended. It runs the
     * compiler while it waits only when no other block runs: with blocks running side by side the
     * machine is busy, and the warm-up would take their CPU. Side by side, children leave the
     * server's CPU at once ({@code spread}): kept there until their code runs, they all prepare on
     * that one CPU (8 threads on 2 vCPUs: 6 % more blocks per second on average over 9 alternated
     * runs, from 5 % fewer to 15 % more).
     */
    synchronized void blockEnded() {
        lastBlockEnded = System.nanoTime();
        if (standby == null && !closed && !spawning) {
            standby = request("fork", idle() ? "warm" : "spread");
        }
    }

    /**
     * Asks the server for a child that connects: forked to wait for its block ({@code fork}, with
     * {@code warm} to run the compiler once while it waits: its block starts sooner, but the work is
     * wasted when blocks come back to back and the machine is busy; with {@code spread} to leave the
     * server's CPU at once), or spawned to run the file ({@code spawn} and the file).
     */
    private ForkedBlock request(String op, String argument) {
        byte[] nonceBytes = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonceBytes);
        String nonce = HexFormat.of().formatHex(nonceBytes);
        ForkedBlock block = new ForkedBlock(this, nonce);
        blocks.put(nonce, block);
        try {
            synchronized (requests) {
                requests.write((op + " " + nonce + (argument != null ? " " + argument : "") + "\n")
                        .getBytes(StandardCharsets.UTF_8));
                requests.flush();
            }
        } catch (IOException e) {
            block.pid.completeExceptionally(e);
        }
        return block;
    }

    void forget(ForkedBlock block) {
        blocks.remove(block.nonce);
    }

    private void readReplies() {
        Map<Path, Long> dirs = new LinkedHashMap<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                String[] parts = line.split(" ", 3);
                switch (parts[0]) {
                    case "watch":
                        Path dir = Path.of(line.substring("watch ".length()));
                        dirs.put(dir, modified(dir));
                        break;
                    case "end":
                        watched = Map.copyOf(dirs);
                        ready.countDown();
                        break;
                    case "pid":
                        withBlock(parts, block -> block.pid.complete(Long.parseLong(parts[2])));
                        break;
                    case "exit":
                        withBlock(parts, block -> block.exit.complete(Integer.parseInt(parts[2])));
                        break;
                    case "fail":
                        withBlock(parts, block -> block.pid.completeExceptionally(
                                new Declined("the fork server could not spawn the block: " + parts[2])));
                        break;
                    default:
                        break;
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("fork server replies ended", e);
        }
        closed = true;
        ready.countDown();
        // Children whose exit the server can no longer report.
        for (ForkedBlock block : blocks.values()) {
            block.pid.completeExceptionally(new IOException("the fork server stopped"));
            block.exit.complete(ForkedBlock.SERVER_GONE);
        }
        close();
    }

    private void withBlock(String[] parts, java.util.function.Consumer<ForkedBlock> action) {
        ForkedBlock block = parts.length == 3 ? blocks.get(parts[1]) : null;
        if (block != null) {
            action.accept(block);
        }
    }

    private void logErrors() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            int logged = 0;
            while ((line = in.readLine()) != null) {
                if (logged++ < 100) {
                    LOG.warn("fork server: {}", line);
                }
            }
        } catch (IOException e) {
            LOG.debug("fork server stderr ended", e);
        }
    }

    /**
     * Accepts the children's connections and reads each one's nonce without blocking, so that a
     * connection that never names a block (code of a block may connect too) holds nothing up.
     */
    private void acceptConnections() {
        Map<SocketChannel, Long> deadlines = new LinkedHashMap<>();
        Map<SocketChannel, String> identified = new LinkedHashMap<>();
        try {
            while (!closed) {
                selector.select(500);
                for (Iterator<SelectionKey> keys = selector.selectedKeys().iterator(); keys.hasNext(); ) {
                    SelectionKey key = keys.next();
                    keys.remove();
                    if (key.isAcceptable()) {
                        SocketChannel channel = listener.accept();
                        if (channel != null) {
                            channel.configureBlocking(false);
                            ByteBuffer greeting = ByteBuffer.allocate(MAX_GREETING);
                            // A child sends its greeting as it connects: most are read here, without another select.
                            if (!greet(channel, greeting, identified)) {
                                channel.register(selector, SelectionKey.OP_READ, greeting);
                                deadlines.put(channel, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(IDENTIFY_MILLIS));
                            }
                        }
                    } else if (key.isReadable()) {
                        SocketChannel channel = (SocketChannel) key.channel();
                        if (greet(channel, (ByteBuffer) key.attachment(), identified)) {
                            deadlines.remove(channel);
                            key.cancel();
                        }
                    }
                }
                if (!identified.isEmpty()) {
                    selector.selectNow(); // completes the keys' cancellation, before blocking mode
                    for (Map.Entry<SocketChannel, String> entry : identified.entrySet()) {
                        identify(entry.getKey(), entry.getValue());
                    }
                    identified.clear();
                }
                expire(deadlines);
            }
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                LOG.warn("the fork server's socket failed", e);
            }
        } finally {
            deadlines.keySet().forEach(ForkServer::closeQuietly);
            identified.keySet().forEach(ForkServer::closeQuietly);
            closeQuietly(selector);
        }
    }

    /**
     * Reads what {@code channel} has sent of its first line; true once that is complete (then put in
     * {@code identified}) or the channel was closed (it ended, or sent too much without a line break).
     */
    private static boolean greet(SocketChannel channel, ByteBuffer greeting, Map<SocketChannel, String> identified)
            throws IOException {
        boolean ended = channel.read(greeting) < 0;
        int end = lineEnd(greeting);
        if (!ended && end < 0 && greeting.hasRemaining()) {
            return false;
        }
        if (!ended && end >= 0) {
            identified.put(channel, new String(greeting.array(), 0, end, StandardCharsets.US_ASCII));
        } else {
            channel.close();
        }
        return true;
    }

    private static int lineEnd(ByteBuffer greeting) {
        for (int i = 0; i < greeting.position(); i++) {
            if (greeting.get(i) == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** Takes a child's greeting: "NONCE" on the connection that is its output, or "NONCE CODE", its exit. */
    private void identify(SocketChannel channel, String greeting) throws IOException {
        int space = greeting.indexOf(' ');
        ForkedBlock block = blocks.get(space < 0 ? greeting : greeting.substring(0, space));
        if (block == null || space >= 0) {
            channel.close(); // it names no block, or it is an exit report, which needs no answer
            if (block != null && block.started) {
                try {
                    block.exit.complete(Integer.parseInt(greeting.substring(space + 1)));
                } catch (NumberFormatException e) {
                    LOG.debug("a malformed exit report: {}", greeting);
                }
            }
            return;
        }
        channel.configureBlocking(true);
        if (!block.connection.complete(channel)) {
            channel.close();
        }
    }

    private static void expire(Map<SocketChannel, Long> deadlines) {
        long now = System.nanoTime();
        for (Iterator<Map.Entry<SocketChannel, Long>> entries = deadlines.entrySet().iterator(); entries.hasNext(); ) {
            Map.Entry<SocketChannel, Long> entry = entries.next();
            if (now - entry.getValue() > 0) {
                entries.remove();
                closeQuietly(entry.getKey());
            }
        }
    }

    private static void closeQuietly(java.io.Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException e) {
            LOG.debug("close failed", e);
        }
    }

    /**
     * Stops the server (end of its stdin; it exits, its children live on until their sessions are
     * killed) and removes its socket.
     */
    @Override
    public void close() {
        closed = true;
        if (!released.compareAndSet(false, true)) {
            return;
        }
        ForkedBlock spare;
        synchronized (this) {
            spare = standby;
            standby = null;
        }
        if (spare != null) {
            spare.abandon(); // its child reads the end of its connection and exits
        }
        closeQuietly(requests);
        if (ready.getCount() > 0) {
            // Still starting (an interpreter behind a shim such as pyenv's takes a few hundred ms),
            // so without children: killed, rather than waited for until it reads the end of its input.
            process.destroyForcibly();
            if (ProcessSessions.supported()) {
                ProcessSessions.kill(List.of(process.pid())); // the shim's helpers, in its session
            }
        }
        try {
            if (!process.waitFor(1, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        closeQuietly(listener);
        selector.wakeup();
        try {
            acceptor.join(TimeUnit.SECONDS.toMillis(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        TempDirs.deleteRecursively(socketDir);
    }

    /** A block forked by the server: its pid (its session), output connection and exit code. */
    static final class ForkedBlock {
        /** The exit code reported when the server died before the child's exit. */
        static final int SERVER_GONE = Integer.MIN_VALUE;

        private final ForkServer server;
        private final String nonce;
        final CompletableFuture<Long> pid = new CompletableFuture<>();
        final CompletableFuture<SocketChannel> connection = new CompletableFuture<>();
        final CompletableFuture<Integer> exit = new CompletableFuture<>();
        /** Whether it was handed a block (else it is a standby). */
        volatile boolean started;

        private ForkedBlock(ForkServer server, String nonce) {
            this.server = server;
            this.nonce = nonce;
        }

        long pid() {
            return pid.join();
        }

        ForkServer server() {
            return server;
        }

        /** The block's output: blocks until the child has connected; empty if it never does. */
        InputStream output() throws InterruptedException {
            try {
                return Channels.newInputStream(connection.get());
            } catch (ExecutionException e) {
                return InputStream.nullInputStream();
            }
        }

        /** Ends waiting for the connection and closes it, once the block is over. */
        void abandon() {
            connection.completeExceptionally(new IOException("the block ended"));
            if (!connection.isCompletedExceptionally()) {
                closeQuietly(connection.join());
            }
            server.forget(this);
        }
    }
}
