package dev.codebox.runner.internal;

import dev.codebox.internal.Resources;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The runner as a main process: container_main.sh runs the init command, then execs runner.py under
 * the image's Python. Both travel on the command line, so that the image needs no file of codebox.
 */
public final class RunnerProgram {

    /** The variable through which the runner gets the fork server's source (it removes it). */
    public static final String FORK_SERVER_VARIABLE = "CODEBOX_FORK_SERVER";
    /** What the runner serves instead of a socket path: its stdin and stdout. */
    public static final String STDIO = "-";

    private static final String SOURCE = Resources.read(RunnerProgram.class, "runner.py");
    private static final String MAIN_SCRIPT = Resources.read(RunnerProgram.class, "container_main.sh");

    private RunnerProgram() {
    }

    /** The runner's Python source. */
    public static String source() {
        return SOURCE;
    }

    /**
     * {@code sh -c SCRIPT codebox-runner RUNNER_SOURCE SOCKET WORK_DIR [INIT_COMMAND]}: see container_main.sh.
     *
     * @param socket the socket path the runner listens on, or {@link #STDIO}
     */
    public static List<String> command(String socket, String workDir, Optional<String> initCommand) {
        List<String> main = new ArrayList<>(List.of("/bin/sh", "-c", MAIN_SCRIPT, "codebox-runner", SOURCE, socket, workDir));
        initCommand.ifPresent(main::add);
        return main;
    }
}
