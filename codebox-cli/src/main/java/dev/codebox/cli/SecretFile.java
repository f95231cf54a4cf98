package dev.codebox.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;

/**
 * Reads secrets (tokens) from a file, so that they never travel in a command line, which every
 * user of the machine can read in {@code /proc}. Secrets never appear in the errors.
 */
final class SecretFile {

    private SecretFile() {
    }

    /**
     * The file's secrets: its lines, trimmed, without blank lines and {@code #} comments. Warns on
     * stderr when other users can read the file.
     *
     * @param option the option that named the file, for messages
     * @throws UsageException when the file is missing, unreadable or holds no secret
     */
    static List<String> read(Path file, String option) {
        if (!Files.isRegularFile(file)) {
            throw new UsageException("cannot read " + option + " " + file + ": no such file");
        }
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            if (permissions.contains(PosixFilePermission.GROUP_READ) || permissions.contains(PosixFilePermission.OTHERS_READ)) {
                System.err.println("codebox: warning: " + file + " can be read by other users (chmod 600 it)");
            }
            List<String> secrets = Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                    .map(String::trim).filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
            if (secrets.isEmpty()) {
                throw new UsageException(option + " " + file + " holds no token");
            }
            return secrets;
        } catch (IOException e) {
            throw new UsageException("cannot read " + option + " " + file + ": " + e.getMessage());
        } catch (UncheckedIOException e) {
            throw new UsageException("cannot read " + option + " " + file + ": " + e.getCause().getMessage());
        }
    }
}
