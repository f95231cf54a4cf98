package dev.codebox.internal.pipeline;

import dev.codebox.CancellationToken;
import dev.codebox.CodeExecutorException;
import dev.codebox.Language;
import dev.codebox.OutputListener;
import dev.codebox.functions.FunctionModule;
import dev.codebox.internal.FunctionsSetup;
import dev.codebox.internal.OutputSink;
import dev.codebox.spi.Launch;
import dev.codebox.spi.RunOutcome;
import dev.codebox.spi.Runner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sets up a {@link FunctionModule} through a freshly opened runner: writes the module into the work
 * dir, then runs {@link FunctionsSetup#scriptForFile} as a python code file, so the requirements are
 * installed by the interpreter that will run the code, wherever the runner runs it.
 */
public final class FunctionsInstaller {

    private static final Logger LOG = LoggerFactory.getLogger(FunctionsInstaller.class);

    private FunctionsInstaller() {
    }

    /**
     * @throws CodeExecutorException when the module cannot be written, pip fails, the module does not
     *     load, or the set-up times out or is cancelled; the module file is then removed again
     */
    public static void install(Runner runner, FunctionModule module, int maxOutputBytes, CancellationToken token) {
        long started = System.nanoTime();
        Path workDir = runner.workDir();
        String moduleFile = module.fileName();
        String scriptName = "_codebox_functions_setup_" + UUID.randomUUID().toString().replace("-", "") + ".py";
        boolean installed = false;
        try {
            if (!runner.writeFile(moduleFile, module.source().getBytes(StandardCharsets.UTF_8), false)
                    || !runner.writeFile(scriptName, FunctionsSetup.scriptForFile(module).getBytes(StandardCharsets.UTF_8), false)) {
                throw new CodeExecutorException(CodeExecutorException.Reason.WORK_DIR, "cannot write the functions module into " + workDir
                        + ": " + moduleFile + " is a symbolic link or not a file");
            }
            Launch launch = runner.launch(Language.PYTHON, scriptName);
            if (launch.isRefused()) {
                throw new CodeExecutorException(CodeExecutorException.Reason.FUNCTIONS_FAILED, "functions could not be set up: " + launch.refusal());
            }
            OutputSink sink = new OutputSink(maxOutputBytes, OutputListener.NONE);
            RunOutcome outcome = runner.run(launch.command(), sink, FunctionsSetup.TIMEOUT, token);
            sink.seal();
            if (outcome.ending() == RunOutcome.Ending.TIMED_OUT) {
                throw new CodeExecutorException(CodeExecutorException.Reason.FUNCTIONS_FAILED, "functions could not be set up: it took longer than "
                        + FunctionsSetup.TIMEOUT.toMinutes() + " minutes; output so far: " + sink.text().strip());
            }
            if (outcome.ending() == RunOutcome.Ending.CANCELLED) {
                throw new CodeExecutorException(CodeExecutorException.Reason.FUNCTIONS_FAILED, "functions could not be set up: the executor was stopped during start-up");
            }
            FunctionsSetup.check(outcome.exitCode(), sink.text());
            installed = true;
            LOG.debug("functions module {} ({}) ready in {} ms with {} requirement(s)", module.name(),
                    String.join(", ", module.functionNames()), (System.nanoTime() - started) / 1_000_000,
                    module.requirements().size());
        } catch (IOException e) {
            throw new CodeExecutorException(CodeExecutorException.Reason.WORK_DIR, "cannot write the functions module into " + workDir + ": " + e, e);
        } finally {
            deleteQuietly(runner, installed ? List.of(scriptName) : List.of(scriptName, moduleFile));
        }
    }

    private static void deleteQuietly(Runner runner, List<String> files) {
        try {
            runner.deleteFiles(files);
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not delete {}: {}", files, e.toString());
        }
    }
}
