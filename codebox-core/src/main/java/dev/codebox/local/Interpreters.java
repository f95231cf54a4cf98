package dev.codebox.local;

import dev.codebox.internal.Executables;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds the programs the local executor starts, once, on the PATH the code will see (not the JVM's:
 * a virtual environment's bin dir comes first), so each block starts an absolute path.
 */
final class Interpreters {

    /** Environment variable naming the Python interpreter when the configuration names none. */
    static final String PYTHON_VARIABLE = "CODEBOX_PYTHON";

    private final String path;
    private final String pythonName;
    private final Optional<String> python;
    private final Map<String, Optional<String>> found = new ConcurrentHashMap<>();

    /**
     * @param path the PATH of the code's environment
     * @param configuredPython the interpreter from the configuration or the virtual environment, or null
     * @param pythonVariable the value of {@value #PYTHON_VARIABLE}, or null
     */
    Interpreters(String path, Path configuredPython, String pythonVariable) {
        this.path = path == null ? "" : path;
        if (configuredPython != null) {
            pythonName = configuredPython.toString();
        } else if (pythonVariable != null && !pythonVariable.isBlank()) {
            pythonName = pythonVariable;
        } else {
            pythonName = find("python3").or(() -> find("python")).orElse("python3");
        }
        python = resolve(pythonName);
    }

    /** The Python interpreter for python blocks, as an absolute path, when it exists. */
    Optional<String> python() {
        return python;
    }

    /** The Python interpreter as configured, for messages. */
    String pythonName() {
        return pythonName;
    }

    /** {@code program} itself when it is a path to an executable, else its location on PATH. */
    private Optional<String> resolve(String program) {
        if (program.contains(File.separator)) {
            Path file = Path.of(program).toAbsolutePath();
            return Files.isExecutable(file) && !Files.isDirectory(file) ? Optional.of(file.toString()) : Optional.empty();
        }
        return find(program);
    }

    /**
     * The POSIX shell that waits, in a standby process, for the command a block runs:
     * {@code /bin/sh}, else {@code sh} on PATH.
     */
    Optional<String> posixShell() {
        return resolve("/bin/sh").or(() -> find("sh"));
    }

    /** {@code setsid} from util-linux, which makes each block the leader of its own session. */
    Optional<String> setsid() {
        return find("setsid");
    }

    /** The absolute path of {@code program} on the code's PATH. */
    Optional<String> find(String program) {
        return found.computeIfAbsent(program, this::search);
    }

    private Optional<String> search(String program) {
        return Executables.onPath(program, path).map(Path::toString);
    }
}
