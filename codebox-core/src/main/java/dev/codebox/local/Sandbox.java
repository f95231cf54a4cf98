package dev.codebox.local;

import dev.codebox.CodeExecutorException;
import dev.codebox.internal.Executables;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bubblewrap sandbox of one local executor: the command line that runs a block inside it, the
 * {@code pids} cgroup that bounds its processes (where one can be created), and the check, at
 * start, that it works here. See {@link SandboxPolicy} for what it isolates.
 */
final class Sandbox implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Sandbox.class);
    private static final AtomicLong COUNTER = new AtomicLong();
    private static final List<String> SYSTEM_DIRS = List.of("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32");
    private static final int SIGXCPU = 24;
    private static final long CPU_GRACE_SECONDS = 5;

    private final SandboxPolicy policy;
    private final List<String> prefix;
    private final Optional<Path> cgroup;
    /** The limits and the cgroup, which the launcher applies to each block before bwrap. */
    private final ProcessLauncher.Confinement confinement;

    private Sandbox(SandboxPolicy policy, List<String> prefix, Optional<Path> cgroup, ProcessLauncher.Confinement confinement) {
        this.policy = policy;
        this.prefix = prefix;
        this.cgroup = cgroup;
        this.confinement = confinement;
    }

    /**
     * Finds bwrap and prlimit, creates the cgroup, and runs {@code true} in the sandbox once.
     *
     * @param readOnly further paths the code needs to read: the virtual environment, an interpreter's prefix
     * @param path the PATH bwrap and prlimit are looked up on (the code's)
     * @throws CodeExecutorException ({@code SANDBOX_UNAVAILABLE}) when the sandbox cannot work here,
     *     with the reason and how to fix it; never falls back to running without it
     */
    static Sandbox open(SandboxPolicy policy, Path workDir, List<Path> readOnly, String path, Optional<String> sh) {
        String bwrap = Executables.onPath("bwrap", path).map(Path::toString).orElseThrow(() -> unavailable("bwrap (bubblewrap) is not installed; install it"
                        + " (Debian and Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap)"));
        String shell = sh.orElseThrow(() -> unavailable("no POSIX shell (/bin/sh) is installed; the sandbox sets its limits with one"));
        Optional<Path> cgroup = policy.processes() > 0 ? PidsCgroup.create(policy.processes()) : Optional.empty();
        String limits = limits(policy, cgroup, path);
        // A standby applies the limits to itself while it waits; a block spawned without one gets them
        // from the same shell code, run just before it.
        ProcessLauncher.Confinement confinement = new ProcessLauncher.Confinement(limits,
                List.of(shell, "-c", limits + " && exec \"$@\"", "codebox-sandbox"));
        List<String> prefix = new ArrayList<>();
        prefix.add(bwrap);
        prefix.addAll(bwrapArguments(policy, workDir, readOnly));
        Sandbox sandbox = new Sandbox(policy, List.copyOf(prefix), cgroup, confinement);
        try {
            sandbox.check(workDir);
        } catch (RuntimeException e) {
            sandbox.close();
            throw e;
        }
        return sandbox;
    }

    /**
     * Shell code that puts the calling shell in the cgroup and sets its limits, which the block it
     * becomes inherits: the shell's own {@code ulimit} (no process of its own; the options used here
     * mean the same in dash, bash and busybox), and {@code prlimit} only for the process limit
     * without a cgroup.
     */
    private static String limits(SandboxPolicy policy, Optional<Path> cgroup, String path) {
        StringBuilder code = new StringBuilder("true");
        cgroup.ifPresent(dir -> code.append(" && echo $$ > ").append(quoted(dir.resolve("cgroup.procs").toString())));
        if (policy.memoryBytes() > 0) {
            code.append(" && ulimit -v ").append((policy.memoryBytes() + 1023) / 1024);
        }
        if (policy.openFiles() > 0) {
            code.append(" && ulimit -n ").append(policy.openFiles());
        }
        if (policy.cpuSeconds() > 0) {
            // SIGXCPU at the soft limit names the cause; SIGKILL at the hard one ends a process that ignores it.
            code.append(" && ulimit -S -t ").append(policy.cpuSeconds())
                    .append(" && ulimit -H -t ").append(policy.cpuSeconds() + CPU_GRACE_SECONDS);
        }
        if (cgroup.isEmpty() && policy.processes() > 0) {
            String prlimit = Executables.onPath("prlimit", path).map(Path::toString).orElseThrow(() -> unavailable(
                    "prlimit (util-linux) is not installed; install util-linux"));
            code.append(" && ").append(quoted(prlimit)).append(" --pid $$ --nproc=").append(policy.processes());
        }
        return code.toString();
    }

    private static List<String> bwrapArguments(SandboxPolicy policy, Path workDir, List<Path> readOnly) {
        List<String> args = new ArrayList<>(List.of("--unshare-all", "--die-with-parent", "--new-session"));
        if (policy.network()) {
            args.add("--share-net");
        }
        args.addAll(List.of("--ro-bind", "/usr", "/usr"));
        for (String dir : SYSTEM_DIRS) {
            Path path = Path.of(dir);
            try {
                if (Files.isSymbolicLink(path)) {
                    args.addAll(List.of("--symlink", Files.readSymbolicLink(path).toString(), dir));
                } else if (Files.isDirectory(path)) {
                    args.addAll(List.of("--ro-bind", dir, dir));
                }
            } catch (IOException e) {
                LOG.debug("cannot read {}", path, e);
            }
        }
        args.addAll(List.of("--ro-bind", "/etc", "/etc"));
        for (Path hidden : policy.hiddenPaths()) {
            if (Files.isDirectory(hidden, LinkOption.NOFOLLOW_LINKS)) {
                args.addAll(List.of("--tmpfs", hidden.toString()));
            } else if (Files.exists(hidden, LinkOption.NOFOLLOW_LINKS)) {
                args.addAll(List.of("--ro-bind", "/dev/null", hidden.toString()));
            }
        }
        args.addAll(List.of("--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"));
        readOnly.forEach(path -> args.addAll(List.of("--ro-bind", path.toString(), path.toString())));
        policy.readOnlyPaths().forEach(path -> args.addAll(List.of("--ro-bind", path.toString(), path.toString())));
        policy.readWritePaths().forEach(path -> args.addAll(List.of("--bind", path.toString(), path.toString())));
        // The work dir keeps its path, so file names in output and results mean the same inside and out.
        args.addAll(List.of("--bind", workDir.toString(), workDir.toString(), "--chdir", workDir.toString(), "--"));
        return args;
    }

    /** {@code command}, to be run in the sandbox (under {@link #confinement()}). */
    List<String> wrap(List<String> command) {
        List<String> argv = new ArrayList<>(prefix);
        argv.addAll(command);
        return argv;
    }

    /** The resource limits and the cgroup every block runs under. */
    ProcessLauncher.Confinement confinement() {
        return confinement;
    }

    private static String quoted(String text) {
        return "'" + text.replace("'", "'\\''") + "'";
    }

    /** The cgroup to remove when the JVM dies without closing the executor. */
    Optional<Path> cgroup() {
        return cgroup;
    }

    /** How many times the process limit refused a new process so far (0 without a cgroup). */
    long processLimitHits() {
        return cgroup.map(PidsCgroup::hits).orElse(0L);
    }

    /**
     * A last line naming the limit that ended a block, or empty: the CPU time limit kills with
     * SIGXCPU; the memory limit makes allocations fail (Python raises MemoryError); the process limit
     * makes fork fail (counted by the cgroup).
     */
    Optional<String> limitMessage(int exitCode, boolean memoryErrorSeen, long processHitsBefore) {
        if (exitCode == 128 + SIGXCPU && policy.cpuSeconds() > 0) {
            return Optional.of("codebox: the block was killed: it used up its CPU time limit ("
                    + policy.cpuSeconds() + " s per process)");
        }
        if (exitCode != 0 && memoryErrorSeen && policy.memoryBytes() > 0) {
            return Optional.of("codebox: the block hit its memory limit (" + policy.memoryBytes()
                    + " bytes of address space per process)");
        }
        if (exitCode != 0 && processLimitHits() > processHitsBefore) {
            return Optional.of("codebox: the block hit its process limit (" + policy.processes() + " processes and threads)");
        }
        return Optional.empty();
    }

    private void check(Path workDir) {
        List<String> probe = new ArrayList<>(confinement.spawnPrefix());
        probe.addAll(wrap(List.of("/bin/sh", "-c", "exit 0")));
        try {
            Process process = new ProcessBuilder(probe).directory(workDir.toFile()).redirectErrorStream(true).start();
            process.getOutputStream().close();
            boolean ended = process.waitFor(10, TimeUnit.SECONDS);
            String output = new String(process.getInputStream().readNBytes(4096), StandardCharsets.UTF_8).strip();
            if (!ended) {
                process.destroyForcibly();
                throw unavailable("bwrap did not start a sandbox within 10 s");
            }
            if (process.exitValue() != 0) {
                throw unavailable("bwrap cannot create the sandbox here: " + output + ". It needs unprivileged user"
                        + " namespaces (sysctl kernel.unprivileged_userns_clone=1 and user.max_user_namespaces > 0;"
                        + " inside a container: run it with a seccomp profile that allows unshare/clone, e.g."
                        + " --security-opt seccomp=unconfined, or use the Docker executor instead)");
            }
        } catch (IOException e) {
            throw unavailable("cannot run bwrap: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CodeExecutorException(CodeExecutorException.Reason.INTERRUPTED, "interrupted while checking the sandbox", e);
        }
    }

    private static CodeExecutorException unavailable(String why) {
        return new CodeExecutorException(CodeExecutorException.Reason.SANDBOX_UNAVAILABLE,
                "the local sandbox cannot run: " + why + " (codebox doctor shows what works here)");
    }

    /** Removes the cgroup; its processes must be gone. Does not throw. */
    @Override
    public void close() {
        cgroup.ifPresent(PidsCgroup::remove);
    }

    /** A {@code pids} cgroup (v1 or v2) of this program's own cgroup, when it may create one. */
    static final class PidsCgroup {

        private PidsCgroup() {
        }

        static Optional<Path> create(long max) {
            Optional<Path> parent = parent();
            if (parent.isEmpty()) {
                return Optional.empty();
            }
            Path dir = parent.get().resolve("codebox-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet());
            try {
                Files.createDirectory(dir);
                Files.writeString(dir.resolve("pids.max"), Long.toString(max));
                return Optional.of(dir);
            } catch (IOException | UnsupportedOperationException | SecurityException e) {
                LOG.debug("no pids cgroup here ({}); the process limit is RLIMIT_NPROC", e.toString());
                remove(dir);
                return Optional.empty();
            }
        }

        /** The pids cgroup this JVM is in: {@code /sys/fs/cgroup/pids/...} (v1) or {@code /sys/fs/cgroup/...} (v2). */
        private static Optional<Path> parent() {
            try {
                List<String> lines = Files.readAllLines(Path.of("/proc/self/cgroup"));
                Path v1 = Path.of("/sys/fs/cgroup/pids");
                if (Files.isDirectory(v1)) {
                    return lines.stream().map(line -> line.split(":", 3)).filter(parts -> parts.length == 3)
                            .filter(parts -> List.of(parts[1].split(",")).contains("pids"))
                            .map(parts -> v1.resolve(parts[2].substring(1))).findFirst();
                }
                Path v2 = Path.of("/sys/fs/cgroup");
                if (Files.isRegularFile(v2.resolve("cgroup.controllers"))) {
                    return lines.stream().filter(line -> line.startsWith("0::"))
                            .map(line -> v2.resolve(line.substring(4))).findFirst();
                }
            } catch (IOException e) {
                LOG.debug("cannot read /proc/self/cgroup", e);
            }
            return Optional.empty();
        }

        static long hits(Path dir) {
            try {
                for (String line : Files.readAllLines(dir.resolve("pids.events"))) {
                    if (line.startsWith("max ")) {
                        return Long.parseLong(line.substring(4).trim());
                    }
                }
            } catch (IOException | NumberFormatException e) {
                LOG.debug("cannot read {}", dir, e);
            }
            return 0;
        }

        static void remove(Path dir) {
            for (int attempt = 0; attempt < 50; attempt++) {
                try {
                    Files.deleteIfExists(dir);
                    return;
                } catch (IOException e) {
                    // Busy while the killed processes are still being reaped.
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
            LOG.warn("could not remove the cgroup {}", dir);
        }
    }
}
