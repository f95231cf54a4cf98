package dev.codebox.internal;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Finds programs on a PATH, as a shell does. */
public final class Executables {

    private Executables() {
    }

    /**
     * {@code program} in the first directory of {@code path} (entries separated by
     * {@link File#pathSeparator}; empty entries skipped) that holds it as an executable file.
     *
     * @param path a PATH value; null counts as empty
     * @return the program's absolute path, or empty when no directory has it
     */
    public static Optional<Path> onPath(String program, String path) {
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, program).toAbsolutePath();
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** {@link #onPath(String, String)} on this JVM's {@code PATH}. */
    public static Optional<Path> onPath(String program) {
        return onPath(program, System.getenv("PATH"));
    }
}
