package dev.codebox.docker.internal;

import dev.codebox.docker.DockerExecutorConfig;
import dev.codebox.docker.RunnerTransport;
import dev.codebox.docker.WorkDirMode;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How one container of a Docker executor is laid out: the transport to its runner and its work dir
 * mode (both resolved, never {@code AUTO}), and where the runner's socket is when there is one.
 *
 * @param transport how the JVM reaches the runner
 * @param mode where {@code /workspace} lives
 * @param socket the host path of the runner's socket ({@link RunnerTransport#UNIX_SOCKET} only)
 * @param socketDir the host dir mounted at {@value #SOCKET_DIR} for the socket when the work dir is
 *     not bind-mounted, else empty
 * @param copyBytes the size of a {@link WorkDirMode#COPY} work dir
 */
record RunnerLayout(RunnerTransport transport, WorkDirMode mode, Optional<Path> socket, Optional<Path> socketDir,
        long copyBytes) {

    /** Where the runner's socket is mounted when the work dir is not bind-mounted. */
    static final String SOCKET_DIR = "/run/codebox";

    /**
     * The layout for {@code config} on {@code engine} as AUTO would first try it (see
     * {@link #fallback()} for what follows when the engine turns out not to share the work dir).
     */
    static RunnerLayout first(DockerExecutorConfig config, EngineEndpoint engine) {
        RunnerTransport transport = config.transport();
        if (transport == RunnerTransport.AUTO) {
            transport = engine.isLocalSocket() ? RunnerTransport.UNIX_SOCKET : RunnerTransport.ATTACH;
        }
        WorkDirMode mode = config.workDirMode();
        if (mode == WorkDirMode.AUTO) {
            mode = config.workDirBytes() > 0 || transport == RunnerTransport.ATTACH ? WorkDirMode.COPY : WorkDirMode.BIND;
        }
        return of(transport, mode, config);
    }

    static RunnerLayout of(RunnerTransport transport, WorkDirMode mode, DockerExecutorConfig config) {
        long copyBytes = config.workDirBytes() > 0 ? config.workDirBytes() : DockerExecutorConfig.DEFAULT_COPY_WORK_DIR_BYTES;
        return new RunnerLayout(transport, mode, Optional.empty(), Optional.empty(), copyBytes);
    }

    /**
     * What AUTO uses when this layout's bind mount turned out not to be shared with the engine: the
     * attach stream, and a copied work dir unless BIND was asked for. Empty when nothing was AUTO
     * that could change.
     */
    Optional<RunnerLayout> fallback(DockerExecutorConfig config) {
        if (config.transport() != RunnerTransport.AUTO || transport == RunnerTransport.ATTACH
                || config.workDirMode() == WorkDirMode.BIND) {
            return Optional.empty();
        }
        return Optional.of(of(RunnerTransport.ATTACH, WorkDirMode.COPY, config));
    }

    /** This layout with the runner's socket at {@code socket}, mounted from {@code socketDir} when given. */
    RunnerLayout withSocket(Path socket, Optional<Path> socketDir) {
        return new RunnerLayout(transport, mode, Optional.of(socket), socketDir, copyBytes);
    }

    /** The socket's path in the container, or empty for the attach stream. */
    Optional<String> socketInContainer() {
        return socket.map(path -> (socketDir.isPresent() ? SOCKET_DIR : DockerExecutorConfig.CONTAINER_WORK_DIR)
                + "/" + path.getFileName());
    }

    /** The bind-mounted directory whose sharing the container checks first, in the container; empty when nothing is mounted. */
    Optional<String> sharedDirInContainer() {
        if (socketDir.isPresent()) {
            return Optional.of(SOCKET_DIR);
        }
        return mode == WorkDirMode.BIND ? Optional.of(DockerExecutorConfig.CONTAINER_WORK_DIR) : Optional.empty();
    }

    /** The same directory on the host, given the host work dir. */
    Optional<Path> sharedDirOnHost(Path workDir) {
        if (socketDir.isPresent()) {
            return socketDir;
        }
        return mode == WorkDirMode.BIND ? Optional.of(workDir) : Optional.empty();
    }
}
