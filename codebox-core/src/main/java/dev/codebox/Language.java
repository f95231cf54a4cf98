package dev.codebox;

import java.util.Locale;
import java.util.Optional;

/**
 * The languages of command-line executors, with the aliases models use for them (the set AutoGen
 * accepts): {@code python}, {@code py}; {@code bash}; {@code sh}, {@code shell}; {@code pwsh},
 * {@code powershell}, {@code ps1}. Tags are matched without regard to case.
 *
 * <p>As in AG2's default execution policy, {@code javascript} ({@code js}), {@code html} and
 * {@code css} blocks are saved into the work dir but not run ({@link #isExecuted()} is false).
 */
public enum Language {
    PYTHON("python", "py", true),
    BASH("bash", "bash", true),
    SH("sh", "sh", true),
    PWSH("pwsh", "ps1", true),
    JAVASCRIPT("javascript", "js", false),
    HTML("html", "html", false),
    CSS("css", "css", false);

    private final String canonicalName;
    private final String fileExtension;
    private final boolean executed;

    Language(String canonicalName, String fileExtension, boolean executed) {
        this.canonicalName = canonicalName;
        this.fileExtension = fileExtension;
        this.executed = executed;
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
            case "javascript": case "js":
                return Optional.of(JAVASCRIPT);
            case "html":
                return Optional.of(HTML);
            case "css":
                return Optional.of(CSS);
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

    /** Whether blocks of this language run; those that do not are only saved into the work dir. */
    public boolean isExecuted() {
        return executed;
    }

    /** The name used in messages and file names: python, bash, sh, pwsh, javascript, html or css. */
    public String canonicalName() {
        return canonicalName;
    }

    /** Extension of code files: {@code py}, {@code bash}, {@code sh}, {@code ps1}, {@code js}, {@code html} or {@code css}. */
    public String fileExtension() {
        return fileExtension;
    }
}
