package dev.codebox.docker;

import java.util.List;

/**
 * A request for GPUs passed to the engine as a device request (AutoGen's {@code device_requests},
 * docker's {@code --gpus}). The engine needs a GPU runtime such as the NVIDIA Container Toolkit;
 * without one the container does not start and {@code start()} says so.
 *
 * @param count how many GPUs; {@value #ALL} for all of them
 * @param capabilities the capabilities the devices must have, for example {@code gpu}, {@code compute}
 */
public record GpuRequest(int count, List<String> capabilities) {

    /** The count that requests every GPU. */
    public static final int ALL = -1;

    /**
     * @throws IllegalArgumentException when the count is neither positive nor {@value #ALL}, or no
     *     capability is given
     */
    public GpuRequest {
        if (count != ALL && count < 1) {
            throw new IllegalArgumentException("a GPU count is positive or GpuRequest.ALL, was " + count);
        }
        capabilities = List.copyOf(capabilities);
        if (capabilities.isEmpty()) {
            throw new IllegalArgumentException("a GPU request needs at least one capability, such as gpu");
        }
    }

    /** All GPUs, with the {@code gpu} capability (as {@code --gpus all}). */
    public static GpuRequest all() {
        return new GpuRequest(ALL, List.of("gpu"));
    }

    /** {@code count} GPUs with the {@code gpu} capability (as {@code --gpus N}). */
    public static GpuRequest count(int count) {
        return new GpuRequest(count, List.of("gpu"));
    }

    /**
     * Parses docker's {@code --gpus} value: {@code all} or a positive count.
     *
     * @throws IllegalArgumentException for anything else
     */
    public static GpuRequest parse(String spec) {
        if (spec.trim().equalsIgnoreCase("all")) {
            return all();
        }
        try {
            return count(Integer.parseInt(spec.trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--gpus is all or a positive count, was " + spec);
        }
    }
}
