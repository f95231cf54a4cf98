package dev.codebox.jupyter;

import dev.codebox.testing.TestEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The kernel the tests use: Debian's python3 kernelspec (/usr/share/jupyter, running /usr/bin/python3
 * with ipykernel). Without it the tests are skipped, except with {@code CI=true}, where they fail.
 */
public final class TestKernels {

    public static final Path DATA_DIR = Path.of("/usr/share/jupyter");

    private TestKernels() {
    }

    /** A builder for the python3 kernel, after checking that it is installed. */
    public static LocalJupyterConfig.Builder python() {
        TestEnvironment.require(Files.isRegularFile(DATA_DIR.resolve("kernels/python3/kernel.json")),
                "no python3 kernelspec in " + DATA_DIR + " (run scripts/setup-env.sh)");
        return LocalJupyterConfig.builder().kernelDataDirs(List.of(DATA_DIR));
    }

}
