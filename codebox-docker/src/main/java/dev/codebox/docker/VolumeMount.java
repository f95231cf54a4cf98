package dev.codebox.docker;

import java.nio.file.Path;
import java.util.Objects;

/**
 * An extra bind mount of a Docker executor's container (AutoGen's {@code extra_volumes}).
 *
 * @param hostPath the directory or file on the engine's host
 * @param containerPath the absolute path inside the container
 * @param readOnly whether the code can only read it
 */
public record VolumeMount(Path hostPath, String containerPath, boolean readOnly) {

    /**
     * @throws IllegalArgumentException when {@code containerPath} is not absolute or is
     *     {@code /workspace}, where the work dir is mounted
     */
    public VolumeMount {
        Objects.requireNonNull(hostPath, "hostPath");
        Objects.requireNonNull(containerPath, "containerPath");
        if (!containerPath.startsWith("/")) {
            throw new IllegalArgumentException("the container path of a volume must be absolute, was " + containerPath);
        }
        if (containerPath.replaceAll("/+$", "").equals(DockerExecutorConfig.CONTAINER_WORK_DIR)) {
            throw new IllegalArgumentException("the work dir is mounted at " + DockerExecutorConfig.CONTAINER_WORK_DIR
                    + "; mount the volume elsewhere");
        }
    }

    /** A read-only mount. */
    public static VolumeMount readOnly(Path hostPath, String containerPath) {
        return new VolumeMount(hostPath, containerPath, true);
    }

    /** A read-write mount. */
    public static VolumeMount readWrite(Path hostPath, String containerPath) {
        return new VolumeMount(hostPath, containerPath, false);
    }

    /**
     * Parses docker's {@code HOST:CONTAINER[:ro|:rw]} notation (read-write when no mode is given).
     *
     * @throws IllegalArgumentException when the text has another shape
     */
    public static VolumeMount parse(String spec) {
        String[] parts = spec.split(":", -1);
        if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw new IllegalArgumentException("a volume is HOST:CONTAINER[:ro|:rw], was " + spec);
        }
        boolean readOnly = false;
        if (parts.length == 3) {
            if (!parts[2].equals("ro") && !parts[2].equals("rw")) {
                throw new IllegalArgumentException("a volume's mode is ro or rw, was " + parts[2] + " in " + spec);
            }
            readOnly = parts[2].equals("ro");
        }
        return new VolumeMount(Path.of(parts[0]).toAbsolutePath(), parts[1], readOnly);
    }
}
