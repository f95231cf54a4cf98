# Compiles the Python source on standard input with the interpreter's own parser (nothing runs).
# Prints nothing and exits 0 when it parses; else prints "LINE<TAB>MESSAGE" and exits 1.
import ast
import sys

try:
    ast.parse(sys.stdin.buffer.read(), sys.argv[1])
except SyntaxError as e:
    sys.stdout.write("%s\t%s: %s\n" % (e.lineno or 0, type(e).__name__, e.msg))
    sys.exit(1)
