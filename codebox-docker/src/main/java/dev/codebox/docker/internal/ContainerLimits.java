package dev.codebox.docker.internal;

import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import java.util.List;
import java.util.Map;

/**
 * The resource limits and hardening every codebox container gets (the Docker executor's and the
 * Docker Jupyter server's), so that the two can never drift apart.
 *
 * @param memoryBytes memory limit, swap included; 0 for none
 * @param cpus CPUs the container may use; 0 for no limit
 * @param pidsLimit processes and threads the container may hold; 0 for no limit
 * @param noNewPrivileges whether {@code no-new-privileges} is set
 * @param dropCapabilities whether every capability is dropped
 * @param tmpBytes size of a fresh tmpfs at {@code /tmp}; 0 for none
 * @param storageBytes limit of writes to the root file system ({@code --storage-opt size}); 0 for none
 */
public record ContainerLimits(long memoryBytes, double cpus, long pidsLimit, boolean noNewPrivileges,
        boolean dropCapabilities, long tmpBytes, long storageBytes) {

    /** Sets these limits, and an init process that reaps orphans, on {@code host}; returns it. */
    public HostConfig applyTo(HostConfig host) {
        host.withInit(true);
        if (tmpBytes > 0) {
            host.withTmpFs(Map.of("/tmp", "rw,nosuid,nodev,mode=1777,size=" + tmpBytes));
        }
        if (storageBytes > 0) {
            host.withStorageOpt(Map.of("size", Long.toString(storageBytes)));
        }
        if (memoryBytes > 0) {
            host.withMemory(memoryBytes).withMemorySwap(memoryBytes);
        }
        if (cpus > 0) {
            host.withNanoCPUs(Math.round(cpus * 1e9));
        }
        if (pidsLimit > 0) {
            host.withPidsLimit(pidsLimit);
        }
        if (noNewPrivileges) {
            host.withSecurityOpts(List.of("no-new-privileges"));
        }
        if (dropCapabilities) {
            host.withCapDrop(Capability.ALL);
        }
        return host;
    }
}
