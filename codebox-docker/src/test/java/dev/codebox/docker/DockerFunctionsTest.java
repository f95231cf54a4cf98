package dev.codebox.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.model.Container;
import dev.codebox.CodeBlock;
import dev.codebox.CodeExecutorException;
import dev.codebox.CodeResult;
import dev.codebox.functions.FunctionModule;
import dev.codebox.functions.PythonFunction;
import dev.codebox.testing.TempEntries;
import dev.codebox.testing.Wheels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Functions with requirements in a container. The test image (Debian's python3, see
 * scripts/setup-env.sh) has no pip, as slim images built from distribution packages often do: the
 * requirement test lends it the host's Debian pip (same Debian release and Python) through a
 * read-only mount, and allows pip to install into Debian's Python inside the throwaway container.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DockerFunctionsTest {

    /** Debian's pip on the host (python3-pip, installed by scripts/setup-env.sh). */
    private static final Path HOST_PIP = Path.of("/usr/lib/python3/dist-packages/pip");

    private DockerCommandLineExecutor executor;

    @TempDir
    Path workDir;

    @AfterEach
    void stop() {
        if (executor != null) {
            executor.stop();
        }
    }

    @Test
    void functionsUnderAModuleNameOfOneChoosing() {
        PythonFunction stats = PythonFunction.builder("""
                def mean(values: list[float]) -> float:
                    \"""The arithmetic mean.\"""
                    return statistics.mean(values)
                """).imports("statistics").build();
        executor = new DockerCommandLineExecutor(TestEngine.config().functions(FunctionModule.of(stats).named("helpers")).build());
        CodeResult result = executor.execute(CodeBlock.python("from helpers import mean\nprint(mean([1, 2, 6]))"));
        assertEquals("3\n", result.output());
    }

    @Test
    void aRequirementFromALocalWheelIsInstalledInTheContainer() throws Exception {
        assertTrue(Files.isDirectory(HOST_PIP), "Debian's python3-pip is needed on the host (run scripts/setup-env.sh)");
        Wheels.build(workDir.resolve("dist"), "codebox_docker_probe", "1.0", "def where():\n    return 'in the container'\n");
        PythonFunction where = PythonFunction.builder("def where() -> str:\n    return codebox_docker_probe.where()\n")
                .imports("codebox_docker_probe")
                .requirements("dist/codebox_docker_probe-1.0-py3-none-any.whl") // relative to /workspace
                .build();
        executor = new DockerCommandLineExecutor(TestEngine.config().workDir(workDir).user("root")
                .extraVolume(VolumeMount.readOnly(HOST_PIP, HOST_PIP.toString()))
                .environment("PIP_BREAK_SYSTEM_PACKAGES", "1")
                .functions(FunctionModule.of(where)).build());
        CodeResult result = executor.execute(CodeBlock.python(
                "from functions import where\nimport codebox_docker_probe\nprint(where(), codebox_docker_probe.__file__.startswith('/usr/local'))"));
        assertEquals("in the container True\n", result.output());
        assertFalse(Files.exists(workDir.resolve("codebox_docker_probe")), "installed in the container, not the work dir");
    }

    @Test
    void anImageWithoutPipFailsStartWithPythonsMessageAndLeavesNoContainer() throws Exception {
        PythonFunction function = PythonFunction.builder("def f():\n    return 1\n").requirements("anything").build();
        Set<String> before = containerIds();
        Set<Path> tempBefore = TempEntries.ofThisJvm();
        executor = new DockerCommandLineExecutor(TestEngine.config().functions(FunctionModule.of(function)).build());
        CodeExecutorException e = assertThrows(CodeExecutorException.class, executor::start);
        assertEquals("pip install failed: /usr/bin/python3: No module named pip", e.getMessage());
        assertFalse(executor.isStarted());
        assertEquals(before, containerIds(), "no container is left");
        Set<Path> left = TempEntries.ofThisJvm();
        left.removeAll(tempBefore);
        assertTrue(left.stream().noneMatch(dir -> Files.exists(dir.resolve("functions.py"))), "left: " + left);
    }

    @Test
    void aBrokenFunctionFailsStartWithTheTraceback() throws Exception {
        PythonFunction broken = PythonFunction.of("def f(limit=codebox_undefined_limit):\n    return limit\n");
        Set<String> before = containerIds();
        executor = new DockerCommandLineExecutor(TestEngine.config().workDir(workDir).functions(FunctionModule.of(broken)).build());
        CodeExecutorException e = assertThrows(CodeExecutorException.class, executor::start);
        assertTrue(e.getMessage().startsWith("functions failed to load: Traceback (most recent call last):"), e.getMessage());
        assertTrue(e.getMessage().contains("File \"/workspace/functions.py\", line 4, in <module>"), e.getMessage());
        assertTrue(e.getMessage().endsWith("NameError: name 'codebox_undefined_limit' is not defined"), e.getMessage());
        assertEquals(before, containerIds(), "no container is left");
        assertEquals(List.of(), fileNames(workDir), "the module and the set-up script are removed");
    }

    private static Set<String> containerIds() {
        return TestEngine.containersOfThisJvm().stream().map(Container::getId).collect(Collectors.toSet());
    }

    private static List<String> fileNames(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(file -> file.getFileName().toString())
                    .filter(name -> !name.equals("__pycache__") && !name.endsWith(".sock")).sorted().toList();
        }
    }
}
