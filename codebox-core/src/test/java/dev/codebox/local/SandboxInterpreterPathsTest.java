package dev.codebox.local;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the sandbox shows, read-only, of an interpreter outside /usr. */
class SandboxInterpreterPathsTest {

    @TempDir
    Path temp;

    @Test
    void theInstallationPrefixOfAnInterpreterInItsOwnDirectory() {
        Path home = temp.resolve("home/u");
        assertEquals(List.of(Path.of("/opt/python")), LocalCommandLineExecutor.interpreterPaths(Path.of("/opt/python/bin/python3"), home));
        assertEquals(List.of(), LocalCommandLineExecutor.interpreterPaths(Path.of("/usr/local/bin/python3"), home));
    }

    @Test
    void onlyBinAndLibOfAPrefixThatHoldsTheHomeDirectory() throws Exception {
        Path home = Files.createDirectories(temp.resolve("home/u"));
        Files.createDirectories(home.resolve("bin"));
        Files.createDirectories(home.resolve("lib/python3.12"));
        Files.createDirectories(home.resolve(".ssh"));
        assertEquals(List.of(home.resolve("bin"), home.resolve("lib")),
                LocalCommandLineExecutor.interpreterPaths(home.resolve("bin/python3"), home), "--prefix=$HOME shows not ~/.ssh");
        Files.createDirectories(temp.resolve("home/bin"));
        assertEquals(List.of(temp.resolve("home/bin")),
                LocalCommandLineExecutor.interpreterPaths(temp.resolve("home/bin/python3"), home), "nor does a prefix above the home");
    }

    @Test
    void onlyBinAndLibOfTheRoot() {
        List<Path> paths = LocalCommandLineExecutor.interpreterPaths(Path.of("/opt/python3"), temp.resolve("home/u"));
        assertEquals(List.of(), paths.stream().filter(path -> path.getParent() == null || !path.getParent().equals(Path.of("/"))
                || !List.of("bin", "lib", "lib64").contains(path.getFileName().toString())).toList(), paths.toString());
    }
}
