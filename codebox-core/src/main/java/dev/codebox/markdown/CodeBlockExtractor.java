package dev.codebox.markdown;

import dev.codebox.CodeBlock;
import dev.codebox.Language;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Extracts the fenced code blocks of a model's markdown message.
 *
 * <p>Rules, close to CommonMark:
 * <ul>
 *   <li>a fence is a line of three or more backticks or tildes, indented by any amount of spaces or
 *       tabs (models indent fences inside list items); it closes with a line of the same character,
 *       at least as long, and nothing else;
 *   <li>each content line loses as much leading white space as the opening fence had;
 *   <li>the language is the first word of the info string ({@code ```python title="x"} →
 *       {@code python}), lower-cased, without surrounding braces or a leading dot
 *       ({@code ```{python}}, {@code ```.py});
 *   <li>a block without a language gets an inferred one: the interpreter of a {@code #!} first line
 *       (bash, sh or python), else {@code sh} when the first line is a shell prompt ({@code $ ...})
 *       or starts with a common shell command (pip, apt-get, ls, cd, echo, export, ...), else
 *       {@code python};
 *   <li>CRLF and CR line ends are read as LF; the code never ends with a line break;
 *   <li>a fence that is never closed starts no block (the message was probably cut off).
 * </ul>
 */
public final class CodeBlockExtractor {

    private static final Pattern FENCE = Pattern.compile("^([ \\t]*)(`{3,}|~{3,})(.*)$");
    private static final Set<String> SHELL_COMMANDS = Set.of(
            "pip", "pip3", "apt", "apt-get", "brew", "conda", "npm", "yarn", "ls", "cd", "echo", "export",
            "cat", "mkdir", "rm", "cp", "mv", "curl", "wget", "git", "chmod", "touch", "sudo", "source",
            "grep", "find", "tar", "unzip", "which", "env", "set", "python", "python3");

    private CodeBlockExtractor() {
    }

    /** Every complete fenced block of {@code markdown}, in order. */
    public static List<CodeBlock> extract(String markdown) {
        List<CodeBlock> blocks = new ArrayList<>();
        String[] lines = markdown.replace("\r\n", "\n").replace('\r', '\n').split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            Matcher open = FENCE.matcher(lines[i]);
            if (!open.matches()) {
                continue;
            }
            String fence = open.group(2);
            String info = open.group(3).trim();
            if (fence.charAt(0) == '`' && info.contains("`")) {
                continue; // inline code such as ```x```, not a fence (CommonMark)
            }
            int indent = open.group(1).length();
            int close = findClose(lines, i + 1, fence);
            if (close < 0) {
                break;
            }
            StringBuilder code = new StringBuilder();
            for (int j = i + 1; j < close; j++) {
                if (j > i + 1) {
                    code.append('\n');
                }
                code.append(stripIndent(lines[j], indent));
            }
            String body = code.toString();
            String language = languageOf(info);
            blocks.add(new CodeBlock(language.isEmpty() ? inferLanguage(body) : language, body));
            i = close;
        }
        return blocks;
    }

    /**
     * The blocks whose language is one of {@code languages}; languages are compared by their
     * canonical names, so {@code py} is accepted when {@code python} is.
     */
    public static List<CodeBlock> extract(String markdown, Collection<String> languages) {
        Set<String> accepted = languages.stream().map(Language::canonicalName).collect(Collectors.toSet());
        return extract(markdown).stream()
                .filter(block -> accepted.contains(Language.canonicalName(block.language())))
                .collect(Collectors.toList());
    }

    private static int findClose(String[] lines, int from, String fence) {
        for (int j = from; j < lines.length; j++) {
            String line = lines[j].strip();
            if (line.length() >= fence.length() && line.chars().allMatch(c -> c == fence.charAt(0))) {
                return j;
            }
        }
        return -1;
    }

    private static String stripIndent(String line, int indent) {
        int n = 0;
        while (n < indent && n < line.length() && (line.charAt(n) == ' ' || line.charAt(n) == '\t')) {
            n++;
        }
        return line.substring(n);
    }

    private static String languageOf(String info) {
        if (info.isEmpty()) {
            return "";
        }
        String word = info.split("[\\s,]+", 2)[0];
        word = word.replaceAll("^[{.]+|[}]+$", "");
        return word.toLowerCase(Locale.ROOT);
    }

    /** The documented inference for blocks without a language. */
    static String inferLanguage(String code) {
        String first = code.strip().lines().findFirst().orElse("");
        if (first.startsWith("#!")) {
            String[] words = first.substring(2).trim().split("\\s+");
            String program = words[0].substring(words[0].lastIndexOf('/') + 1);
            if (program.equals("env") && words.length > 1) {
                program = words[1];
            }
            if (program.startsWith("python")) {
                return "python";
            }
            return "bash".equals(program) ? "bash" : "sh";
        }
        if (first.startsWith("$ ")) {
            return "sh";
        }
        String command = first.split("\\s+", 2)[0];
        // "set(...)" or "env = ..." is Python that happens to start with a shell command's name.
        boolean pythonUse = first.substring(command.length()).matches("\\s*[(=.\\[].*");
        return SHELL_COMMANDS.contains(command) && !pythonUse ? "sh" : "python";
    }
}
