package dev.codebox.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** The interpreter local tests use: Debian's (fast to start), else whatever python3 is on PATH. */
public final class TestPython {

    private static final Path DEBIAN = Path.of("/usr/bin/python3");

    private TestPython() {
    }

    public static Path path() {
        return Files.isExecutable(DEBIAN) ? DEBIAN : Path.of("python3");
    }
}
