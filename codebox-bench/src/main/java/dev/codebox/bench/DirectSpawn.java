package dev.codebox.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * A baseline command run the plainest way from Java: ProcessBuilder, read the merged output, wait
 * for the exit, nothing else. Locally, an interpreter on a file: the least a Java program must do
 * to run a block; for Docker, the docker CLI.
 */
final class DirectSpawn {

    private final List<String> command;
    private final Path directory;

    /**
     * @param command the program and its arguments, for example an interpreter and a file
     * @param directory the directory it runs in
     */
    DirectSpawn(List<String> command, Path directory) {
        this.command = List.copyOf(command);
        this.directory = directory;
    }

    /**
     * Runs the command once.
     *
     * @return its output
     * @throws IOException when it cannot start or exits with a non-zero code
     */
    String run() throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(directory.toFile())
                .redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        int exitCode = process.waitFor();
        if (exitCode != 0) {
            throw new IOException(command + " exited with " + exitCode + ": "
                    + new String(output, StandardCharsets.UTF_8));
        }
        return new String(output, StandardCharsets.UTF_8);
    }
}
