package dev.codebox.commandline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The regular files of a work dir with their modification time and size, to tell which files an
 * execution created or changed. Reads at most {@value #MAX_FILES} files; a larger work dir is not
 * tracked (its executions list no output files).
 */
final class WorkDirSnapshot {

    static final int MAX_FILES = 10_000;

    private final Map<Path, String> stamps;

    private WorkDirSnapshot(Map<Path, String> stamps) {
        this.stamps = stamps;
    }

    static WorkDirSnapshot take(Path workDir) {
        Map<Path, String> stamps = new HashMap<>();
        try {
            Files.walkFileTree(workDir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile()) {
                        stamps.put(file, attrs.lastModifiedTime().toMillis() + ":" + attrs.size()
                                + ":" + attrs.lastModifiedTime().toInstant().getNano());
                    }
                    return stamps.size() > MAX_FILES ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException | UncheckedIOException e) {
            return new WorkDirSnapshot(null);
        }
        return new WorkDirSnapshot(stamps.size() > MAX_FILES ? null : stamps);
    }

    /** Files of {@code later} that are new or changed since this snapshot, sorted. */
    List<Path> changedIn(WorkDirSnapshot later) {
        List<Path> changed = new ArrayList<>();
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
