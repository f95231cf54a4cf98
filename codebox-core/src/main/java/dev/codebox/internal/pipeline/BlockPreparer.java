package dev.codebox.internal.pipeline;

import dev.codebox.CodeBlock;
import dev.codebox.Language;
import dev.codebox.spi.Runner;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a code block into a file to run, following AutoGen's conventions:
 * <ul>
 *   <li>the language tag is resolved with {@link Language#fromTag}; an unknown one is refused with
 *       {@code unknown language X};
 *   <li>{@code pip install} lines (in Python blocks {@code !pip install} and {@code pip install}) get
 *       {@code -qqq} appended unless they already have it;
 *   <li>a first line {@code # filename: NAME}, or (as AG2 reads it) a comment holding only a file name
 *       with a code extension such as {@code # test.py} (after an optional {@code #!} line), saves the block under
 *       NAME inside the work dir; a NAME that is absolute or climbs out with {@code ..} is refused
 *       with {@code Filename is not in the workspace} (as is, when the runner writes it, a NAME
 *       that leads through a symbolic link);
 *   <li>otherwise the file is {@code tmp_code_<sha256 of the code>.<extension>}.
 * </ul>
 */
public final class BlockPreparer {

    /** The message for a block whose {@code # filename:} leaves the work dir. */
    public static final String OUTSIDE_WORKSPACE = "Filename is not in the workspace";

    private static final Pattern FILENAME = Pattern.compile(
            "^\\s*#\\s*filename:\\s*(\\S.*?)\\s*$", Pattern.CASE_INSENSITIVE);
    private static final Pattern SHELL_PIP = Pattern.compile("^(\\s*pip3? install\\b.*?)\\s*$", Pattern.MULTILINE);
    private static final Pattern PYTHON_PIP = Pattern.compile("^(\\s*[!%]?\\s*pip3? install\\b.*?)\\s*$", Pattern.MULTILINE);
    /** AG2's other convention: a first line that is a comment holding only a file name, {@code # test.py}. */
    private static final Pattern BARE_FILENAME = Pattern.compile(
            "^\\s*#\\s*([\\w./-]*\\w\\.(?:py|sh|bash|ps1|js|html|css))\\s*$", Pattern.CASE_INSENSITIVE);
    private static final Pattern QUIET = Pattern.compile("(^|\\s)-qqq(\\s|$)");
    private static final MessageDigest SHA_256 = sha256Prototype();

    private BlockPreparer() {
    }

    /** The outcome of preparing: a block to run, or the reason it cannot run. */
    public record Preparation(PreparedBlock block, String refusal) {
        static Preparation ok(PreparedBlock block) {
            return new Preparation(block, null);
        }

        static Preparation refused(String reason) {
            return new Preparation(null, reason);
        }

        public boolean isRefused() {
            return refusal != null;
        }
    }

    /**
     * Prepares {@code block} for the work dir {@code workDir} (an absolute, existing directory).
     * Does not write anything.
     */
    public static Preparation prepare(CodeBlock block, Path workDir) {
        Optional<Language> language = Language.fromTag(block.language());
        if (language.isEmpty()) {
            return Preparation.refused("unknown language " + block.language());
        }
        String code = language.get().isExecuted() ? silencePip(block.code(), language.get()) : block.code();
        Optional<String> requested = requestedFileName(code);
        String relativeName;
        if (requested.isPresent()) {
            Optional<String> inside = insideWorkDir(workDir, requested.get());
            if (inside.isEmpty()) {
                return Preparation.refused(OUTSIDE_WORKSPACE);
            }
            relativeName = inside.get();
        } else {
            relativeName = "tmp_code_" + sha256(code) + "." + language.get().fileExtension();
        }
        return Preparation.ok(new PreparedBlock(language.get(), code, workDir.resolve(relativeName), relativeName,
                requested.isEmpty()));
    }

    /**
     * Appends {@code -qqq} to {@code pip install} lines that do not have it: in Python code also
     * {@code !pip install} and {@code %pip install} (the forms notebooks and kernels use).
     */
    public static String silencePip(String code, Language language) {
        if (!code.contains("pip")) {
            return code; // most blocks: no pattern to run (a block is prepared while the JVM is often cold)
        }
        Pattern pattern = language == Language.PYTHON ? PYTHON_PIP : SHELL_PIP;
        Matcher matcher = pattern.matcher(code);
        StringBuilder result = new StringBuilder();
        while (matcher.find()) {
            String line = matcher.group(1);
            String replacement = QUIET.matcher(line).find() ? matcher.group() : line + " -qqq";
            matcher.appendReplacement(result, Matcher.quoteReplacement(replacement));
        }
        matcher.appendTail(result);
        return result.toString();
    }

    /** The NAME of a first line {@code # filename: NAME}, looked for on the line after a shebang too. */
    static Optional<String> requestedFileName(String code) {
        String line = firstLine(code, 0);
        if (line.startsWith("#!") && line.length() < code.length()) {
            line = firstLine(code, line.length() + (code.startsWith("\r\n", line.length()) ? 2 : 1));
        }
        if (line.indexOf('#') < 0) {
            return Optional.empty();
        }
        Matcher matcher = FILENAME.matcher(line);
        if (matcher.matches()) {
            return Optional.of(matcher.group(1));
        }
        Matcher bare = BARE_FILENAME.matcher(line);
        return bare.matches() ? Optional.of(bare.group(1)) : Optional.empty();
    }

    /** The line of {@code code} that starts at {@code from}, without its line break (any of \R's). */
    private static String firstLine(String code, int from) {
        for (int i = from; i < code.length(); i++) {
            char c = code.charAt(i);
            if (c == '\n' || c == '\r' || c == '\u000B' || c == '\f' || c == '\u0085' || c == '\u2028' || c == '\u2029') {
                return code.substring(from, i);
            }
        }
        return code.substring(from);
    }

    /**
     * {@code name} relative to {@code workDir} when it stays inside it by its letters (not absolute,
     * no {@code ..} above the work dir). Symbolic links are not looked at here: the work dir is the
     * code's to change, so the runner refuses a link when it writes (see {@link Runner#writeFile}).
     */
    private static Optional<String> insideWorkDir(Path workDir, String name) {
        Path relative;
        try {
            relative = Path.of(name);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
        if (relative.isAbsolute()) {
            return Optional.empty();
        }
        Path target = workDir.resolve(relative).normalize();
        if (!target.startsWith(workDir) || target.equals(workDir)) {
            return Optional.empty();
        }
        return Optional.of(workDir.relativize(target).toString().replace('\\', '/'));
    }

    private static String sha256(String code) {
        try {
            MessageDigest digest = (MessageDigest) SHA_256.clone(); // no provider look-up per block
            return HexFormat.of().formatHex(digest.digest(code.getBytes(StandardCharsets.UTF_8)));
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("this JVM's SHA-256 cannot be copied", e);
        }
    }

    private static MessageDigest sha256Prototype() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
