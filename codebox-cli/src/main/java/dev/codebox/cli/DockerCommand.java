package dev.codebox.cli;

import picocli.CommandLine.Command;

/** {@code codebox docker}: housekeeping of codebox's containers. */
@Command(name = "docker", mixinStandardHelpOptions = true, description = "Housekeeping of codebox's Docker containers.")
final class DockerCommand {
}
