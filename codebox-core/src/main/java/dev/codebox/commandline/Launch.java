package dev.codebox.commandline;

import java.util.List;

/**
 * How a runner starts a code file: the command line to run, or why it cannot run the language here
 * (for example no PowerShell installed). A refusal becomes exit code 1 with the message as output.
 *
 * @param command the argv, empty when refused
 * @param refusal the reason, or {@code null}
 */
public record Launch(List<String> command, String refusal) {

    public Launch {
        command = List.copyOf(command);
    }

    public static Launch of(List<String> command) {
        return new Launch(command, null);
    }

    public static Launch refused(String reason) {
        return new Launch(List.of(), reason);
    }

    public boolean isRefused() {
        return refusal != null;
    }
}
