package dev.codebox.commandline;

import java.util.Locale;
import java.util.Optional;

/**
 * The languages command-line executors run, with the aliases models use for them (the same set
 * AutoGen accepts): {@code python}, {@code py}; {@code bash}; {@code sh}, {@code shell};
 * {@code pwsh}, {@code powershell}, {@code ps1}. Tags are matched without regard to case.
 */
public enum Language {
    PYTHON("python", "py"),
    BASH("bash", "bash"),
    SH("sh", "sh"),
    PWSH("pwsh", "ps1");

    private final String canonicalName;
    private final String fileExtension;

    Language(String canonicalName, String fileExtension) {
        this.canonicalName = canonicalName;
        this.fileExtension = fileExtension;
    }

    /** The language for a tag such as {@code "py"} or {@code "PowerShell"}, or empty when unknown. */
    public static Optional<Language> fromTag(String tag) {
        switch (tag.trim().toLowerCase(Locale.ROOT)) {
            case "python": case "py": case "python3":
                return Optional.of(PYTHON);
            case "bash":
                return Optional.of(BASH);
            case "sh": case "shell":
                return Optional.of(SH);
            case "pwsh": case "powershell": case "ps1":
                return Optional.of(PWSH);
            default:
                return Optional.empty();
        }
    }

    /**
     * The canonical name of a tag ({@code "py"} → {@code "python"}); an unknown tag is returned
     * trimmed and in lower case.
     */
    public static String canonicalName(String tag) {
        return fromTag(tag).map(Language::canonicalName).orElse(tag.trim().toLowerCase(Locale.ROOT));
    }

    /** The name used in messages and file names: python, bash, sh or pwsh. */
    public String canonicalName() {
        return canonicalName;
    }

    /** Extension of code files: {@code py}, {@code bash}, {@code sh} or {@code ps1}. */
    public String fileExtension() {
        return fileExtension;
    }
}
