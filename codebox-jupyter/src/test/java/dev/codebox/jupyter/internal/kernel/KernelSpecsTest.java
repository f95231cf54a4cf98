package dev.codebox.jupyter.internal.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.CodeExecutorException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelSpecsTest {

    @TempDir
    Path dir;

    private void install(Path dataDir, String name, String json) throws IOException {
        Path spec = Files.createDirectories(dataDir.resolve("kernels").resolve(name));
        Files.writeString(spec.resolve("kernel.json"), json);
    }

    @Test
    void firstDataDirWinsAndArgvIsSubstituted() throws IOException {
        install(dir.resolve("a"), "ir", "{\"argv\": [\"R\", \"-f\", \"{connection_file}\", \"{resource_dir}\"],"
                + " \"display_name\": \"R\", \"language\": \"R\", \"interrupt_mode\": \"message\", \"env\": {\"A\": \"1\"}}");
        install(dir.resolve("b"), "ir", "{\"argv\": [\"other\"], \"language\": \"R\"}");
        KernelSpec spec = KernelSpecs.find("ir", List.of(dir.resolve("a"), dir.resolve("b")));
        assertEquals("R", spec.language());
        assertTrue(spec.interruptsByMessage());
        assertEquals(java.util.Map.of("A", "1"), spec.env());
        assertEquals(List.of("R", "-f", "/tmp/k.json", dir.resolve("a/kernels/ir").toString()),
                spec.command(Path.of("/tmp/k.json")));
    }

    @Test
    void unknownNameListsTheInstalledKernels() throws IOException {
        install(dir, "python3", "{\"argv\": [\"python3\"], \"language\": \"python\"}");
        CodeExecutorException error = assertThrows(CodeExecutorException.class,
                () -> KernelSpecs.find("julia", List.of(dir)));
        assertTrue(error.getMessage().startsWith("no Jupyter kernel named 'julia'; installed: python3"), error.getMessage());
    }

    @Test
    void specWithoutArgvIsRefused() throws IOException {
        install(dir, "broken", "{\"language\": \"python\"}");
        CodeExecutorException error = assertThrows(CodeExecutorException.class,
                () -> KernelSpecs.find("broken", List.of(dir)));
        assertTrue(error.getMessage().endsWith("has no argv"), error.getMessage());
    }

    @Test
    void standardDirsEndWithTheSystemOnes() {
        List<Path> dirs = KernelSpecs.standardDataDirs();
        assertEquals(Path.of("/usr/share/jupyter"), dirs.get(dirs.size() - 1));
        assertTrue(dirs.contains(Path.of("/usr/local/share/jupyter")));
    }
}
