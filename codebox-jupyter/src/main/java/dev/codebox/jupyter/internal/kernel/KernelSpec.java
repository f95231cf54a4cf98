package dev.codebox.jupyter.internal.kernel;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An installed kernel, as its {@code kernel.json} describes it.
 *
 * @param name the directory name, e.g. {@code python3}
 * @param dir the kernelspec directory
 * @param argv the command; {@code {connection_file}} stands for the connection file's path
 * @param displayName the human-readable name
 * @param language the language the kernel runs, e.g. {@code python}
 * @param env variables added to the kernel's environment
 * @param interruptMode {@code signal} (SIGINT to the kernel) or {@code message} (interrupt_request)
 */
public record KernelSpec(String name, Path dir, List<String> argv, String displayName, String language,
        Map<String, String> env, String interruptMode) {

    public KernelSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dir, "dir");
        argv = List.copyOf(argv);
        Objects.requireNonNull(displayName, "displayName");
        Objects.requireNonNull(language, "language");
        env = Map.copyOf(env);
        Objects.requireNonNull(interruptMode, "interruptMode");
    }

    /** Whether interrupts are sent as interrupt_request messages rather than SIGINT. */
    public boolean interruptsByMessage() {
        return interruptMode.equals("message");
    }

    /** The command for a connection file: {@code {connection_file}} and {@code {resource_dir}} replaced. */
    public List<String> command(Path connectionFile) {
        return argv.stream()
                .map(arg -> arg.replace("{connection_file}", connectionFile.toString())
                        .replace("{resource_dir}", dir.toString()))
                .toList();
    }
}
