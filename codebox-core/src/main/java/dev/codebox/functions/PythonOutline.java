package dev.codebox.functions;

import dev.codebox.functions.PythonLexer.LogicalLine;
import dev.codebox.functions.PythonLexer.Token;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The top-level statements of Python source: imports, function definitions (with their
 * decorators, def header and docstring) and everything else.
 */
final class PythonOutline {

    enum Kind { IMPORT, FUNCTION, OTHER }

    /**
     * One top-level statement.
     *
     * @param kind what it is
     * @param start offset of its first character (its first decorator for a function)
     * @param end offset of the end of its last line
     * @param name the function's name, else {@code null}
     * @param headerStart offset of {@code def} or {@code async} of a function, else -1
     * @param headerEnd offset just after the colon that ends a function's header, else -1
     * @param docStart offset of a function's docstring, -1 when it has none
     * @param docEnd offset after a function's docstring, -1 when it has none
     */
    record Statement(Kind kind, int start, int end, String name, int headerStart, int headerEnd,
                     int docStart, int docEnd) {
        boolean hasDocstring() {
            return docStart >= 0;
        }
    }

    private PythonOutline() {
    }

    /** The top-level statements of {@code source} (with {@code \n} line ends), in order. */
    static List<Statement> of(String source) {
        List<LogicalLine> lines = PythonLexer.lines(source);
        List<Statement> statements = new ArrayList<>();
        int i = 0;
        while (i < lines.size()) {
            int first = i;
            while (i + 1 < lines.size() && lines.get(i).first().is(PythonLexer.Kind.OP, "@")) {
                i++; // decorators belong to the definition below them
            }
            LogicalLine head = lines.get(i);
            int next = i + 1;
            while (next < lines.size() && lines.get(next).indent() > head.indent()) {
                next++;
            }
            int start = lines.get(first).start();
            int end = lines.get(next - 1).end();
            Statement statement = function(head, next > i + 1 ? lines.get(i + 1) : null, start, end);
            if (statement == null) {
                boolean isImport = first == i && (head.first().is(PythonLexer.Kind.NAME, "import")
                        || head.first().is(PythonLexer.Kind.NAME, "from"));
                statement = new Statement(isImport ? Kind.IMPORT : Kind.OTHER, start, end, null, -1, -1, -1, -1);
            }
            statements.add(statement);
            i = next;
        }
        return statements;
    }

    /** The function defined by {@code head}, or {@code null} when {@code head} is not a def. */
    private static Statement function(LogicalLine head, LogicalLine bodyStart, int start, int end) {
        List<Token> tokens = head.tokens();
        int def = tokens.get(0).is(PythonLexer.Kind.NAME, "async") ? 1 : 0;
        if (tokens.size() < def + 2 || !tokens.get(def).is(PythonLexer.Kind.NAME, "def")
                || tokens.get(def + 1).kind() != PythonLexer.Kind.NAME) {
            return null;
        }
        int colon = headerColon(tokens, def + 2);
        if (colon < 0) {
            return null;
        }
        List<Token> docTokens;
        if (colon + 1 < tokens.size()) {
            docTokens = tokens.subList(colon + 1, tokens.size()); // a body on the def line
        } else {
            docTokens = bodyStart == null ? List.of() : bodyStart.tokens();
        }
        int[] doc = docstring(docTokens);
        return new Statement(Kind.FUNCTION, start, end, tokens.get(def + 1).text(),
                tokens.get(0).start(), tokens.get(colon).end(), doc[0], doc[1]);
    }

    /** The index of the first colon outside brackets from {@code from}, else -1. */
    private static int headerColon(List<Token> tokens, int from) {
        int depth = 0;
        for (int i = from; i < tokens.size(); i++) {
            Token token = tokens.get(i);
            if (token.kind() != PythonLexer.Kind.OP) {
                continue;
            }
            String text = token.text();
            if ("([{".contains(text)) {
                depth++;
            } else if (")]}".contains(text)) {
                depth--;
            } else if (text.equals(":") && depth == 0) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The range of the docstring when {@code statement} (the first statement of a body) is one:
     * string literals only (implicitly concatenated), none of them bytes or formatted.
     */
    private static int[] docstring(List<Token> statement) {
        int last = -1;
        for (int i = 0; i < statement.size(); i++) {
            Token token = statement.get(i);
            if (token.kind() == PythonLexer.Kind.STRING && isPlainString(token)) {
                last = i;
            } else if (token.is(PythonLexer.Kind.OP, ";") && last >= 0) {
                break;
            } else {
                return new int[] {-1, -1};
            }
        }
        return last < 0 ? new int[] {-1, -1} : new int[] {statement.get(0).start(), statement.get(last).end()};
    }

    private static boolean isPlainString(Token token) {
        String text = token.text();
        int quote = 0;
        while (Character.isLetter(text.charAt(quote))) {
            quote++;
        }
        String prefix = text.substring(0, quote).toLowerCase(Locale.ROOT);
        return !prefix.contains("b") && !prefix.contains("f") && !prefix.contains("t");
    }
}
