package dev.codebox.internal;

import dev.codebox.CodeExecutorException;
import dev.codebox.functions.FunctionModule;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/**
 * The start-up step that makes a {@link FunctionModule} usable, written once as a Python program so
 * that every executor runs the same thing where the code runs (a local interpreter or virtual
 * environment, a container, a kernel): install the requirements with that interpreter's pip
 * ({@code python -m pip install -q ...}: quiet, yet a failure keeps pip's own
 * error message, which {@code -qqq} would hide), then import the module to prove that it loads. Its
 * outcome is read back by {@link #check(int, String)}.
 *
 * <p>Command-line executors write {@link FunctionModule#source()} into the work dir themselves and
 * run {@link #scriptForFile(FunctionModule)} as a code file; kernel executors run
 * {@link #scriptForKernel(FunctionModule)}, which also writes the module (the kernel's working
 * directory may be on another machine) and leaves it imported in the kernel.
 */
public final class FunctionsSetup {

    /** How long the set-up may take, pip included, before start-up fails: 10 minutes. */
    public static final Duration TIMEOUT = Duration.ofMinutes(10);

    /** The line the set-up prints before the reason and the details of a failure. */
    public static final String FAILURE_MARKER = "codebox-functions-setup-failed: ";

    static final String PIP_FAILED = "pip install failed";
    static final String LOAD_FAILED = "functions failed to load";
    private static final String SCRIPT = Resources.read(FunctionsSetup.class, "functions_setup.py");

    private FunctionsSetup() {
    }

    /**
     * A program run as a file in the work dir, where {@code <module>.py} already is; it exits with
     * status 3 after printing the failure.
     */
    public static String scriptForFile(FunctionModule module) {
        return script(module, "", false);
    }

    /**
     * Code run in a kernel, whose working directory is the work dir: it writes {@code <module>.py},
     * installs, imports the module into the kernel, and prints the failure if any (removing the
     * module file again). It leaves no names behind in the kernel's namespace.
     */
    public static String scriptForKernel(FunctionModule module) {
        return script(module, base64(module.source()), true);
    }

    /** {@code functions_setup.py} with the arguments of its call filled in. */
    private static String script(FunctionModule module, String sourceBase64, boolean inKernel) {
        // Module and file names are Python identifiers (FunctionModule checks them); the rest is base64.
        return SCRIPT.replace("(\"MODULE_NAME\", \"FILE_NAME\", \"REQUIREMENTS_BASE64\", \"SOURCE_BASE64\", IN_KERNEL)",
                "(\"" + module.name() + "\", \"" + module.fileName() + "\", \""
                        + base64(String.join("\n", module.requirements())) + "\", \"" + sourceBase64 + "\", "
                        + (inKernel ? "True" : "False") + ")");
    }

    /**
     * Reads the outcome of a set-up program.
     *
     * @param exitCode the program's exit code (0 for a kernel run that raised nothing)
     * @param output what it printed
     * @throws CodeExecutorException {@code pip install failed: <pip's output>},
     *     {@code functions failed to load: <traceback>}, or {@code functions could not be set up ...}
     *     when the program itself did not run to the end
     */
    public static void check(int exitCode, String output) {
        int marker = output.indexOf(FAILURE_MARKER);
        if (marker >= 0) {
            String rest = output.substring(marker + FAILURE_MARKER.length());
            int lineEnd = rest.indexOf('\n');
            String reason = lineEnd < 0 ? rest.strip() : rest.substring(0, lineEnd).strip();
            String details = lineEnd < 0 ? "" : rest.substring(lineEnd + 1).strip();
            throw new CodeExecutorException(CodeExecutorException.Reason.FUNCTIONS_FAILED, reason + ": " + details);
        }
        if (exitCode != 0) {
            throw new CodeExecutorException(CodeExecutorException.Reason.FUNCTIONS_FAILED, "functions could not be set up (exit code " + exitCode + "): "
                    + output.strip());
        }
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
