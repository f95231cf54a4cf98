package dev.codebox.internal.pipeline;

import dev.codebox.spi.Runner;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The regular files of a work dir with their stamps (as the {@link Runner} lists them), to tell
 * which files an execution created or changed. A work dir of more than {@value #MAX_FILES} files
 * is not tracked (its executions list no output files).
 */
final class WorkDirSnapshot {

    static final int MAX_FILES = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(WorkDirSnapshot.class);

    private final Map<String, String> stamps;

    private WorkDirSnapshot(Map<String, String> stamps) {
        this.stamps = stamps;
    }

    static WorkDirSnapshot take(Runner runner) {
        try {
            Optional<Map<String, String>> files = runner.listFiles(MAX_FILES);
            return new WorkDirSnapshot(files.orElse(null));
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot list the work dir", e);
            return new WorkDirSnapshot(null);
        }
    }

    /** Names (relative to the work dir) of files of {@code later} that are new or changed since this snapshot, sorted. */
    List<String> changedIn(WorkDirSnapshot later) {
        List<String> changed = new ArrayList<>();
        if (stamps == null || later.stamps == null) {
            return changed;
        }
        later.stamps.forEach((file, stamp) -> {
            if (!Objects.equals(stamps.get(file), stamp)) {
                changed.add(file);
            }
        });
        changed.sort(null);
        return changed;
    }
}
