package dev.codebox.jupyter;

import dev.codebox.CodeExecutorException;
import dev.codebox.OutputListener;
import dev.codebox.functions.FunctionModule;
import dev.codebox.internal.FunctionsSetup;
import dev.codebox.internal.OutputSink;
import dev.codebox.jupyter.internal.session.KernelSession;
import dev.codebox.jupyter.internal.session.ResultCollector;
import dev.codebox.spi.RunOutcome;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sets up a {@link FunctionModule} in a freshly started kernel by running
 * {@link FunctionsSetup#scriptForKernel}: the kernel writes the module into its working directory,
 * pip-installs the requirements with its own Python and imports the module.
 */
final class KernelFunctions {

    private static final Logger LOG = LoggerFactory.getLogger(KernelFunctions.class);

    private KernelFunctions() {
    }

    /**
     * @param kernelLanguage the kernel's language; functions need Python
     * @throws CodeExecutorException when the kernel is not a Python kernel, pip fails, the module does
     *     not load or the set-up takes longer than {@link FunctionsSetup#TIMEOUT}
     */
    static void setUp(KernelSession session, String kernelLanguage, FunctionModule functions, Path outputDir,
            int maxOutputBytes) {
        if (!kernelLanguage.equals("python")) {
            throw new CodeExecutorException(CodeExecutorException.Reason.FUNCTIONS_FAILED, "functions need a Python kernel; this kernel runs " + kernelLanguage);
        }
        long started = System.nanoTime();
        OutputSink sink = new OutputSink(maxOutputBytes, OutputListener.NONE);
        RunOutcome outcome = session.execute(FunctionsSetup.scriptForKernel(functions),
                started + FunctionsSetup.TIMEOUT.toNanos(), () -> false, new ResultCollector(sink, outputDir));
        sink.seal();
        if (outcome.ending() == RunOutcome.Ending.TIMED_OUT) {
            throw new CodeExecutorException(CodeExecutorException.Reason.FUNCTIONS_FAILED, "functions could not be set up: it took longer than "
                    + FunctionsSetup.TIMEOUT.toMinutes() + " minutes; output so far: " + sink.text().strip());
        }
        FunctionsSetup.check(outcome.exitCode(), sink.text());
        LOG.debug("functions module {} ({}) ready in the kernel in {} ms", functions.name(),
                String.join(", ", functions.functionNames()), (System.nanoTime() - started) / 1_000_000);
    }
}
