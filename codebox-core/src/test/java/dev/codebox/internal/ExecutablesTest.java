package dev.codebox.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExecutablesTest {

    @TempDir
    Path dir;

    @Test
    void firstExecutableFileOnThePathWins() throws IOException {
        Path notExecutable = Files.createDirectories(dir.resolve("a"));
        Files.writeString(notExecutable.resolve("tool"), "#!/bin/sh\n");
        Path holdsADirectory = Files.createDirectories(dir.resolve("b"));
        Files.createDirectories(holdsADirectory.resolve("tool"));
        Path first = executable(dir.resolve("c"));
        Path second = executable(dir.resolve("d"));
        String path = String.join(File.pathSeparator, notExecutable.toString(), "", holdsADirectory.toString(),
                first.getParent().toString(), second.getParent().toString());
        assertEquals(Optional.of(first), Executables.onPath("tool", path));
    }

    @Test
    void missingProgramOrPathIsEmpty() {
        assertEquals(Optional.empty(), Executables.onPath("no-such-program-here", dir.toString()));
        assertEquals(Optional.empty(), Executables.onPath("sh", null));
    }

    private static Path executable(Path directory) throws IOException {
        Path file = Files.createDirectories(directory).resolve("tool");
        Files.writeString(file, "#!/bin/sh\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }
}
