package dev.codebox.cli;

import dev.codebox.local.LocalExecutorConfig;
import dev.codebox.local.SandboxPolicy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Options of the local executor's sandbox and environment scrubbing (-e local only). */
public final class SandboxOptions {

    @Option(names = "--sandbox",
            description = "Run each block in a bubblewrap sandbox: own namespaces, read-only system, no network, no home, limits, minimal environment (-e local).")
    boolean sandbox;

    @Option(names = "--sandbox-network", description = "Give sandboxed code this machine's network (default: none, only its own loopback).")
    boolean network;

    @Option(names = "--sandbox-memory", paramLabel = "SIZE",
            description = "Address space per sandboxed process, such as 512m; 0 for none (default: 1g).")
    String memory;

    @Option(names = "--sandbox-processes", paramLabel = "N",
            description = "Processes and threads of the sandboxed blocks; 0 for none (default: 256).")
    Long processes;

    @Option(names = "--sandbox-read", paramLabel = "PATH", description = "Let sandboxed code read PATH (repeatable).")
    List<Path> readOnly = new ArrayList<>();

    @Option(names = "--sandbox-write", paramLabel = "PATH", description = "Let sandboxed code read and write PATH (repeatable).")
    List<Path> readWrite = new ArrayList<>();

    @Option(names = "--scrub-env",
            description = "Leave credential-looking variables (*_KEY, *_TOKEN, *_SECRET, *PASSWORD*, AWS_*, ...) out of the code's environment (-e local; the sandbox always does).")
    boolean scrubEnvironment;

    /** Whether any of these options was given. */
    boolean given() {
        return sandbox || scrubEnvironment || sandboxOnly();
    }

    private boolean sandboxOnly() {
        return network || memory != null || processes != null || !readOnly.isEmpty() || !readWrite.isEmpty();
    }

    /** Applies these options to {@code config}; checked. */
    void applyTo(LocalExecutorConfig.Builder config) {
        config.scrubEnvironment(scrubEnvironment);
        if (!sandbox) {
            if (sandboxOnly()) {
                throw new UsageException("--sandbox-network, --sandbox-memory, --sandbox-processes, --sandbox-read and"
                        + " --sandbox-write need --sandbox");
            }
            return;
        }
        SandboxPolicy.Builder policy = SandboxPolicy.builder().network(network);
        if (memory != null) {
            policy.memoryBytes(DockerOptions.size(memory, "--sandbox-memory"));
        }
        if (processes != null) {
            policy.processes(processes);
        }
        readOnly.forEach(path -> policy.readOnlyPath(path.toAbsolutePath()));
        readWrite.forEach(path -> policy.readWritePath(path.toAbsolutePath()));
        try {
            config.sandbox(policy.build());
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
