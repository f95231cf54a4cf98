package dev.codebox.functions;

import java.util.Set;

/** Python's rules for names. */
final class PythonNames {

    /** Python 3's hard keywords: they cannot name a module. */
    private static final Set<String> KEYWORDS = Set.of(
            "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
            "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in",
            "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield");

    private PythonNames() {
    }

    /** Whether {@code name} is an identifier that is not a keyword, as Python 3 accepts for a module. */
    static boolean isIdentifier(String name) {
        if (name.isEmpty() || KEYWORDS.contains(name)) {
            return false;
        }
        if (!(Character.isUnicodeIdentifierStart(name.codePointAt(0)) || name.charAt(0) == '_')) {
            return false;
        }
        return name.codePoints().allMatch(c -> (Character.isUnicodeIdentifierPart(c) || c == '_')
                && !Character.isIdentifierIgnorable(c));
    }
}
