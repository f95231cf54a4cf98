package dev.codebox.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Follows this JVM's heap use and resident set size while something runs: samples the heap every
 * few milliseconds, and takes the peak RSS from the kernel's high-water mark (VmHWM), reset at the
 * start; where Linux does not allow the reset, RSS is sampled too. Sampling the heap allocates next
 * to nothing, so the probe does not inflate the peak it measures.
 *
 * <p>The peak heap includes garbage not yet collected, which depends on the collector's sizing as
 * much as on the code under test; the <em>live</em> heap (what the heap pools held right after their
 * latest collection) is what the code under test retains, the figure that shows memory is bounded.
 */
final class MemoryProbe implements AutoCloseable {

    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");
    private static final long SAMPLE_MILLIS = 2;

    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private final long idleHeap;
    private final long idleRss;
    private final boolean highWaterMarkReset;
    private final Thread sampler;
    private final List<MemoryPoolMXBean> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(pool -> pool.getType() == MemoryType.HEAP && pool.isCollectionUsageThresholdSupported())
            .toList();
    private final long idleLiveHeap;
    private volatile long peakHeap;
    private volatile long peakLiveHeap;
    private volatile long peakRss;
    private volatile boolean running = true;

    /** Collects garbage, notes the idle figures and starts sampling. */
    MemoryProbe() {
        System.gc();
        System.gc();
        idleHeap = memory.getHeapMemoryUsage().getUsed();
        idleLiveHeap = liveHeap();
        peakLiveHeap = idleLiveHeap;
        idleRss = statusKilobytes("VmRSS") * 1024;
        highWaterMarkReset = resetHighWaterMark();
        peakHeap = idleHeap;
        peakRss = idleRss;
        sampler = new Thread(this::sample, "codebox-bench-memory-probe");
        sampler.setDaemon(true);
        sampler.start();
    }

    private void sample() {
        while (running) {
            peakHeap = Math.max(peakHeap, memory.getHeapMemoryUsage().getUsed());
            peakLiveHeap = Math.max(peakLiveHeap, liveHeap());
            if (!highWaterMarkReset) {
                peakRss = Math.max(peakRss, statusKilobytes("VmRSS") * 1024);
            }
            try {
                Thread.sleep(SAMPLE_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Stops sampling. */
    @Override
    public void close() {
        running = false;
        try {
            sampler.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (highWaterMarkReset) {
            peakRss = Math.max(peakRss, statusKilobytes("VmHWM") * 1024);
        }
    }

    long idleHeap() {
        return idleHeap;
    }

    long idleRss() {
        return idleRss;
    }

    long peakHeap() {
        return peakHeap;
    }

    long peakRss() {
        return peakRss;
    }

    long idleLiveHeap() {
        return idleLiveHeap;
    }

    long peakLiveHeap() {
        return peakLiveHeap;
    }

    /** What the heap pools held right after their latest collection. */
    private long liveHeap() {
        long live = 0;
        for (MemoryPoolMXBean pool : heapPools) {
            MemoryUsage afterCollection = pool.getCollectionUsage();
            live += afterCollection == null ? 0 : afterCollection.getUsed();
        }
        return live;
    }

    /** Writing 5 to clear_refs resets VmHWM to the current RSS (Linux 4.0+). */
    private static boolean resetHighWaterMark() {
        try {
            Files.writeString(CLEAR_REFS, "5");
            return true;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    /** A {@code kB} field of /proc/self/status, or 0 where there is none. */
    private static long statusKilobytes(String field) {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim());
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }
}
