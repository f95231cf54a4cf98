package dev.codebox.spi;

import dev.codebox.Language;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * How a runner starts a code file: the command line to run, or why it cannot run the language here
 * (for example no PowerShell installed). A refusal becomes exit code 1 with the message as output.
 *
 * <p>{@link #forLanguage} holds the one table of interpreters every runner uses: python blocks run
 * with {@code python3}, else {@code python}; bash with {@code bash}; sh with {@code sh}; pwsh with
 * {@code pwsh}, else {@code powershell}, as {@code -NoLogo -NonInteractive -NoProfile -File FILE}.
 * Each runner only says which of these programs are installed where it runs code.
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

    /**
     * The command for {@code file} in {@code language}, with the first of the language's
     * {@link #interpreters} that {@code installed} finds, else a refusal with {@code missing}'s reason.
     *
     * @param installed the program (absolute path, or a name the runner's PATH resolves) for an
     *     interpreter name, empty when it is not installed
     * @throws IllegalArgumentException for a language that is not run ({@link Language#isExecuted()})
     */
    public static Launch forLanguage(Language language, String file, Function<String, Optional<String>> installed,
            Supplier<String> missing) {
        for (String name : interpreters(language)) {
            Optional<String> program = installed.apply(name);
            if (program.isPresent()) {
                return language == Language.PWSH
                        ? of(List.of(program.get(), "-NoLogo", "-NonInteractive", "-NoProfile", "-File", file))
                        : of(List.of(program.get(), file));
            }
        }
        return refused(missing.get());
    }

    /** The interpreters that run {@code language}, in the order they are looked for. */
    public static List<String> interpreters(Language language) {
        switch (language) {
            case PYTHON:
                return List.of("python3", "python");
            case BASH:
                return List.of("bash");
            case SH:
                return List.of("sh");
            case PWSH:
                return List.of("pwsh", "powershell");
            default:
                throw new IllegalArgumentException(language.canonicalName() + " blocks are saved, not run");
        }
    }

    public boolean isRefused() {
        return refusal != null;
    }
}
