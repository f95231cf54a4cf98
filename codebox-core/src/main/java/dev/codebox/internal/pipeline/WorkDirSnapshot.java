package dev.codebox.internal.pipeline;

import dev.codebox.spi.Runner;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The regular files of a work dir with their stamps (as the {@link Runner} lists them), to tell
 * which files an execution created or changed. A work dir of more than {@value #MAX_FILES} files,
 * or as many directories, is not tracked (its executions list no output files).
 */
final class WorkDirSnapshot {

    static final int MAX_FILES = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(WorkDirSnapshot.class);

    private final Map<String, String> stamps;

    private WorkDirSnapshot(Map<String, String> stamps) {
        this.stamps = stamps;
    }

    /**
     * Starts listing the work dir (see {@link Runner#listFilesAsync}): the snapshot shows it as it
     * is before any request made after this call. A listing that fails gives an untracked snapshot.
     */
    static CompletableFuture<WorkDirSnapshot> start(Runner runner) {
        CompletableFuture<Optional<Map<String, String>>> listing;
        try {
            listing = runner.listFilesAsync(MAX_FILES);
        } catch (RuntimeException e) {
            listing = CompletableFuture.failedFuture(e);
        }
        return of(listing);
    }

    /** The snapshot of a listing as {@link Runner#listFilesAsync} answers it. */
    static CompletableFuture<WorkDirSnapshot> of(CompletableFuture<Optional<Map<String, String>>> listing) {
        return listing.handle((files, failure) -> {
            if (failure != null) {
                LOG.debug("cannot list the work dir", failure);
                return new WorkDirSnapshot(null);
            }
            return new WorkDirSnapshot(files.orElse(null));
        });
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
