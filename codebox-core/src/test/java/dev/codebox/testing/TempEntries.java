package dev.codebox.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * This JVM's entries in the system temp dir: codebox names them {@code codebox-<pid>-…} (work dirs,
 * output dirs) and {@code codebox-kernel-<pid>-…} (kernel connection files). Tests that prove
 * nothing was left behind compare these before and after, and never see the entries of another
 * module's tests running beside them.
 */
public final class TempEntries {

    private TempEntries() {
    }

    /** The entries as a new, mutable set. */
    public static Set<Path> ofThisJvm() {
        long pid = ProcessHandle.current().pid();
        String work = "codebox-" + pid + "-";
        String kernel = "codebox-kernel-" + pid + "-";
        try (Stream<Path> entries = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return entries.filter(entry -> {
                String name = entry.getFileName().toString();
                return name.startsWith(work) || name.startsWith(kernel);
            }).collect(Collectors.toCollection(HashSet::new));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
