package dev.codebox.functions;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Splits Python source into logical lines of coarse tokens: enough to find top-level statements,
 * def headers and docstrings without running Python. It knows string literals (every prefix,
 * triple quotes, escapes, f-string replacement fields holding quotes), comments, bracket nesting
 * and backslash continuations; it does not check syntax.
 *
 * <p>Expects {@code \n} line ends.
 */
final class PythonLexer {

    enum Kind { NAME, STRING, NUMBER, OP }

    /** A token: its kind and its range {@code [start, end)} in the source. */
    record Token(Kind kind, int start, int end, String text) {
        boolean is(Kind kind, String text) {
            return this.kind == kind && this.text.equals(text);
        }
    }

    /**
     * A logical line: the tokens of one statement line, which may span several physical lines.
     *
     * @param indent the columns of white space before its first token (a tab counts to the next multiple of 8)
     * @param start the offset of its first token
     * @param end the offset of the end of its last physical line (before the line break)
     */
    record LogicalLine(int indent, int start, int end, List<Token> tokens) {
        Token first() {
            return tokens.get(0);
        }
    }

    private final String src;
    private final int n;
    private int pos;

    private PythonLexer(String source) {
        this.src = source;
        this.n = source.length();
    }

    /** The logical lines of {@code source}; blank and comment-only lines are left out. */
    static List<LogicalLine> lines(String source) {
        return new PythonLexer(source).scan();
    }

    private List<LogicalLine> scan() {
        List<LogicalLine> lines = new ArrayList<>();
        while (pos < n) {
            int indent = 0;
            while (pos < n && (src.charAt(pos) == ' ' || src.charAt(pos) == '\t' || src.charAt(pos) == '\f')) {
                indent = src.charAt(pos) == '\t' ? indent + 8 - indent % 8 : indent + 1;
                pos++;
            }
            if (pos >= n) {
                break;
            }
            char c = src.charAt(pos);
            if (c == '#') {
                skipComment();
            }
            if (pos < n && src.charAt(pos) == '\n') {
                pos++;
                continue;
            }
            if (pos >= n) {
                break;
            }
            List<Token> tokens = logicalLine();
            if (!tokens.isEmpty()) {
                lines.add(new LogicalLine(indent, tokens.get(0).start(), pos, tokens));
            }
            if (pos < n) {
                pos++; // the line break that ended the logical line
            }
        }
        return lines;
    }

    /** Reads tokens up to the line break that ends the logical line, leaving {@code pos} on it. */
    private List<Token> logicalLine() {
        List<Token> tokens = new ArrayList<>();
        int depth = 0;
        while (pos < n) {
            char c = src.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\f') {
                pos++;
            } else if (c == '#') {
                skipComment();
            } else if (c == '\\' && pos + 1 < n && src.charAt(pos + 1) == '\n') {
                pos += 2;
            } else if (c == '\n') {
                if (depth == 0) {
                    break;
                }
                pos++;
            } else {
                Token token = token();
                tokens.add(token);
                if (token.kind() == Kind.OP) {
                    if ("([{".contains(token.text())) {
                        depth++;
                    } else if (")]}".contains(token.text())) {
                        depth = Math.max(0, depth - 1);
                    }
                }
            }
        }
        return tokens;
    }

    private Token token() {
        int start = pos;
        char c = src.charAt(pos);
        int quote = stringQuoteAt(pos);
        if (quote >= 0) {
            String prefix = src.substring(pos, quote).toLowerCase(Locale.ROOT);
            pos = skipString(quote, prefix.contains("f") || prefix.contains("t"));
            return new Token(Kind.STRING, start, pos, src.substring(start, pos));
        }
        if (Character.isUnicodeIdentifierStart(c) || c == '_') {
            while (pos < n && (Character.isUnicodeIdentifierPart(src.charAt(pos)) || src.charAt(pos) == '_')) {
                pos++;
            }
            return new Token(Kind.NAME, start, pos, src.substring(start, pos));
        }
        if (Character.isDigit(c) || (c == '.' && pos + 1 < n && Character.isDigit(src.charAt(pos + 1)))) {
            while (pos < n) {
                char d = src.charAt(pos);
                boolean exponentSign = (d == '+' || d == '-') && "eE".indexOf(src.charAt(pos - 1)) >= 0
                        && !src.substring(start, pos).toLowerCase(Locale.ROOT).startsWith("0x");
                if (!(Character.isLetterOrDigit(d) || d == '_' || d == '.' || exponentSign)) {
                    break;
                }
                pos++;
            }
            return new Token(Kind.NUMBER, start, pos, src.substring(start, pos));
        }
        int length = src.startsWith("->", pos) || src.startsWith(":=", pos) ? 2 : 1;
        pos += length;
        return new Token(Kind.OP, start, pos, src.substring(start, pos));
    }

    /**
     * The offset of the opening quote when a string literal starts at {@code at} (after a prefix of
     * at most two letters among r, b, u, f, t), else -1.
     */
    private int stringQuoteAt(int at) {
        int i = at;
        while (i < n && i - at < 2 && "rRbBuUfFtT".indexOf(src.charAt(i)) >= 0) {
            i++;
        }
        if (i < n && (src.charAt(i) == '\'' || src.charAt(i) == '"')) {
            return i;
        }
        return -1;
    }

    /** Skips the literal whose quote is at {@code at}; returns the offset after it. */
    private int skipString(int at, boolean formatted) {
        char quote = src.charAt(at);
        String triple = String.valueOf(quote).repeat(3);
        boolean isTriple = src.startsWith(triple, at);
        int i = at + (isTriple ? 3 : 1);
        while (i < n) {
            char c = src.charAt(i);
            if (c == '\\') {
                i += 2;
            } else if (isTriple && src.startsWith(triple, i)) {
                return i + 3;
            } else if (!isTriple && c == quote) {
                return i + 1;
            } else if (!isTriple && c == '\n') {
                return i; // unterminated: the line break ends it, as a lenient reader must
            } else if (formatted && c == '{') {
                i = src.startsWith("{{", i) ? i + 2 : skipReplacementField(i + 1);
            } else {
                i++;
            }
        }
        return n;
    }

    /** Skips an f-string field {@code {...}} from just after its brace; it may hold strings and brackets. */
    private int skipReplacementField(int from) {
        int depth = 1;
        int i = from;
        while (i < n) {
            int quote = stringQuoteAt(i);
            if (quote >= 0 && (quote == i || !Character.isUnicodeIdentifierPart(src.charAt(i - 1)))) {
                String prefix = src.substring(i, quote).toLowerCase(Locale.ROOT);
                i = skipString(quote, prefix.contains("f") || prefix.contains("t"));
                continue;
            }
            char c = src.charAt(i);
            if ("([{".indexOf(c) >= 0) {
                depth++;
            } else if (")]}".indexOf(c) >= 0 && --depth == 0) {
                return i + 1;
            }
            i++;
        }
        return n;
    }

    private void skipComment() {
        while (pos < n && src.charAt(pos) != '\n') {
            pos++;
        }
    }
}
