package dev.codebox.cli;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The executors {@code -e} chooses from, by the names the CLI uses for them. */
enum ExecutorKind {
    LOCAL("local"),
    DOCKER("docker"),
    KUBERNETES("kubernetes"),
    JUPYTER("jupyter"),
    DOCKER_JUPYTER("docker-jupyter");

    private final String cliName;

    ExecutorKind(String cliName) {
        this.cliName = cliName;
    }

    /** The kind named {@code name} (any case). */
    static ExecutorKind parse(String name) {
        String wanted = name.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(kind -> kind.cliName.equals(wanted)).findFirst()
                .orElseThrow(() -> new UsageException("unknown executor '" + wanted + "': expected " + names()));
    }

    /** Whether the executor passes {@code --env} variables to the code. */
    boolean takesEnvironment() {
        return this == LOCAL || this == DOCKER || this == KUBERNETES;
    }

    /** Whether the executor runs blocks in a Jupyter kernel. */
    boolean isJupyter() {
        return this == JUPYTER || this == DOCKER_JUPYTER;
    }

    String cliName() {
        return cliName;
    }

    private static String names() {
        String all = Arrays.stream(values()).map(ExecutorKind::cliName).collect(Collectors.joining(", "));
        int last = all.lastIndexOf(", ");
        return all.substring(0, last) + " or " + all.substring(last + 2);
    }
}
