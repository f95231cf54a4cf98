package dev.codebox.jupyter.internal.kernel;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codebox.CodeExecutorException;
import dev.codebox.jupyter.internal.protocol.Json;
import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Finds installed kernelspecs ({@code <data dir>/kernels/<name>/kernel.json}) in Jupyter's data
 * directories, in Jupyter's order: {@code JUPYTER_PATH}, the user's dir ({@code JUPYTER_DATA_DIR},
 * else {@code ~/.local/share/jupyter}), the environment's ({@code VIRTUAL_ENV}, {@code CONDA_PREFIX},
 * and the prefixes of {@code python3} and {@code python} on PATH, each with {@code /share/jupyter}),
 * then the system's ({@code /usr/local/share/jupyter}, {@code /usr/share/jupyter}). The first
 * directory holding a name wins.
 */
public final class KernelSpecs {

    private KernelSpecs() {
    }

    /** The standard data directories, in search order (existing or not). */
    public static List<Path> standardDataDirs() {
        Set<Path> dirs = new LinkedHashSet<>();
        String jupyterPath = System.getenv("JUPYTER_PATH");
        if (jupyterPath != null) {
            for (String entry : jupyterPath.split(File.pathSeparator)) {
                if (!entry.isBlank()) {
                    dirs.add(Path.of(entry));
                }
            }
        }
        String dataDir = System.getenv("JUPYTER_DATA_DIR");
        dirs.add(dataDir != null ? Path.of(dataDir) : Path.of(System.getProperty("user.home"), ".local/share/jupyter"));
        for (String variable : List.of("VIRTUAL_ENV", "CONDA_PREFIX")) {
            String prefix = System.getenv(variable);
            if (prefix != null) {
                dirs.add(Path.of(prefix, "share/jupyter"));
            }
        }
        for (String python : List.of("python3", "python")) {
            pythonPrefix(python).ifPresent(prefix -> dirs.add(prefix.resolve("share/jupyter")));
        }
        dirs.add(Path.of("/usr/local/share/jupyter"));
        dirs.add(Path.of("/usr/share/jupyter"));
        return List.copyOf(dirs);
    }

    /**
     * The kernelspec {@code name} from the first of {@code dataDirs} that has it.
     *
     * @throws CodeExecutorException when no directory has it (the message lists the installed ones)
     *     or its kernel.json cannot be read
     */
    public static KernelSpec find(String name, List<Path> dataDirs) {
        for (Path dataDir : dataDirs) {
            Path dir = dataDir.resolve("kernels").resolve(name);
            if (Files.isRegularFile(dir.resolve("kernel.json"))) {
                return read(name, dir);
            }
        }
        throw new CodeExecutorException(CodeExecutorException.Reason.START_FAILED, "no Jupyter kernel named '" + name + "'; installed: "
                + String.join(", ", names(dataDirs)) + " (searched " + dataDirs + ")");
    }

    /** The names of the installed kernelspecs, in search order, without duplicates. */
    public static Set<String> names(List<Path> dataDirs) {
        Set<String> names = new LinkedHashSet<>();
        for (Path dataDir : dataDirs) {
            Path kernels = dataDir.resolve("kernels");
            if (!Files.isDirectory(kernels)) {
                continue;
            }
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(kernels)) {
                for (Path entry : entries) {
                    if (Files.isRegularFile(entry.resolve("kernel.json"))) {
                        names.add(entry.getFileName().toString());
                    }
                }
            } catch (IOException e) {
                // An unreadable directory holds no kernels we could use.
            }
        }
        return names;
    }

    private static KernelSpec read(String name, Path dir) {
        JsonNode json;
        try {
            json = Json.parse(Files.readAllBytes(dir.resolve("kernel.json")));
        } catch (IOException | RuntimeException e) {
            throw new CodeExecutorException(CodeExecutorException.Reason.START_FAILED, "cannot read the kernelspec " + dir.resolve("kernel.json") + ": " + e.getMessage(), e);
        }
        List<String> argv = new ArrayList<>();
        json.path("argv").forEach(arg -> argv.add(arg.asText()));
        if (argv.isEmpty()) {
            throw new CodeExecutorException(CodeExecutorException.Reason.START_FAILED, "the kernelspec " + dir.resolve("kernel.json") + " has no argv");
        }
        Map<String, String> env = new LinkedHashMap<>();
        json.path("env").fields().forEachRemaining(entry -> env.put(entry.getKey(), entry.getValue().asText()));
        return new KernelSpec(name, dir, argv, json.path("display_name").asText(name),
                json.path("language").asText(""), env, json.path("interrupt_mode").asText("signal"));
    }

    // <prefix>/bin/python3 → <prefix>, following links so that /usr/bin/python3 → /usr.
    private static Optional<Path> pythonPrefix(String command) {
        String pathVariable = System.getenv("PATH");
        if (pathVariable == null) {
            return Optional.empty();
        }
        for (String entry : pathVariable.split(File.pathSeparator)) {
            Path candidate = Path.of(entry.isEmpty() ? "." : entry, command);
            if (Files.isExecutable(candidate)) {
                try {
                    Path parent = candidate.toRealPath().getParent().getParent();
                    return Optional.ofNullable(parent);
                } catch (IOException e) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }
}
