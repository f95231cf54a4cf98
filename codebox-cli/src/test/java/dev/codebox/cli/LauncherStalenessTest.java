package dev.codebox.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launchers' staleness check (scripts/lib/build-if-stale.sh), run by bash on a small tree of
 * its own with a fake {@code mvn} that records the build and writes the jar.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LauncherStalenessTest {

    private static final Path SCRIPT = Path.of("..", "scripts", "lib", "build-if-stale.sh").toAbsolutePath().normalize();
    private static final Instant BUILT = Instant.now().minusSeconds(600);

    @TempDir
    Path dir;
    private Path root;
    private Path jar;
    private Path builds;

    @BeforeEach
    void tree() throws IOException {
        root = Files.createDirectories(dir.resolve("repo"));
        Files.writeString(root.resolve("pom.xml"), "<project/>");
        Path sources = Files.createDirectories(root.resolve("codebox-app/src/main/java/app"));
        Files.writeString(root.resolve("codebox-app/pom.xml"), "<project/>");
        Files.writeString(sources.resolve("Main.java"), "class Main {}");
        Path unused = Files.createDirectories(root.resolve("codebox-unused/src/main/java"));
        Files.writeString(unused.resolve("Other.java"), "class Other {}");
        jar = Files.createDirectories(root.resolve("codebox-app/target")).resolve("app.jar");
        Files.writeString(jar, "jar");
        builds = dir.resolve("builds");
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path mvn = Files.writeString(bin.resolve("mvn"),
                "#!/bin/sh\necho \"$*\" >>'" + builds + "'\necho rebuilt >'" + jar + "'\n");
        Files.setPosixFilePermissions(mvn, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (var paths = Files.walk(root)) {
            for (Path path : paths.toList()) {
                Files.setLastModifiedTime(path, FileTime.from(BUILT.minusSeconds(60)));
            }
        }
        Files.setLastModifiedTime(jar, FileTime.from(BUILT));
    }

    @Test
    void anUpToDateJarIsKeptAndTheSourcesItWasCheckedAgainstAreListed() throws Exception {
        check();
        assertEquals(0, buildCount());
        List<String> listed = Files.readAllLines(list());
        assertTrue(listed.containsAll(List.of("pom.xml", "codebox-app/pom.xml", "codebox-app/src/main",
                "codebox-app/src/main/java/app", "codebox-app/src/main/java/app/Main.java")), listed.toString());
        assertFalse(listed.stream().anyMatch(path -> path.startsWith("codebox-unused/src")), "the unused module is listed: " + listed);
        check();
        assertEquals(0, buildCount());
    }

    @Test
    void aFileEditedAfterTheListWasMadeRebuilds() throws Exception {
        check();
        Path main = root.resolve("codebox-app/src/main/java/app/Main.java");
        Files.writeString(main, "class Main { int edited; }");
        Files.setLastModifiedTime(main, FileTime.from(BUILT.plusSeconds(1)));
        check();
        assertEquals(1, buildCount());
    }

    @Test
    void aFileAddedOrRemovedAfterTheListWasMadeRebuilds() throws Exception {
        check();
        Files.writeString(root.resolve("codebox-app/src/main/java/app/New.java"), "class New {}");
        check();
        assertEquals(1, buildCount(), "a new file");

        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plusSeconds(5)));
        check(); // the jar is newer than the list: the tree is read again
        assertTrue(Files.readAllLines(list()).contains("codebox-app/src/main/java/app/New.java"));
        Files.delete(root.resolve("codebox-app/src/main/java/app/Main.java"));
        Files.setLastModifiedTime(root.resolve("codebox-app/src/main/java/app"), FileTime.from(Instant.now().plusSeconds(10)));
        check();
        assertEquals(2, buildCount(), "a removed file");
    }

    @Test
    void aChangeInTheUnusedModuleDoesNotRebuild() throws Exception {
        check();
        Files.writeString(root.resolve("codebox-unused/src/main/java/Added.java"), "class Added {}");
        check();
        assertEquals(0, buildCount());
    }

    @Test
    void aMissingJarIsBuilt() throws Exception {
        Files.delete(jar);
        check();
        assertEquals(1, buildCount());
        assertEquals("-B -q -DskipTests -pl codebox-app -am package", Files.readString(builds).trim());
    }

    private void check() throws Exception {
        ProcessBuilder builder = new ProcessBuilder("bash", "-c",
                "set -euo pipefail; source \"$1\"; build_if_stale test \"$2\" \"$3\" codebox-app building codebox-unused",
                "bash", SCRIPT.toString(), root.toString(), jar.toString())
                .redirectErrorStream(true);
        builder.environment().put("PATH", dir.resolve("bin") + ":" + System.getenv("PATH"));
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), output);
    }

    private int buildCount() throws IOException {
        return Files.exists(builds) ? Files.readAllLines(builds).size() : 0;
    }

    private Path list() {
        return jar.resolveSibling("app.jar.sources");
    }
}
