package dev.codebox.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.StreamSupport;

/**
 * The jupyter section's baseline: jupyter_client running the same loop as codebox, through the
 * script {@code jupyter_client_loop.py} shipped with the bench and run by the bench's Python.
 */
final class JupyterClientLoop {

    private static final String SCRIPT = "jupyter_client_loop.py";

    private JupyterClientLoop() {
    }

    /**
     * Starts the kernel {@code starts} times and runs {@code iterations} timed round trips of
     * {@code x += 1} after {@code warmup} untimed ones on the first kernel.
     *
     * @throws IOException when the script fails (for example jupyter_client is not installed)
     */
    static KernelTimings run(Path python, String kernelName, int warmup, int iterations, int starts)
            throws IOException, InterruptedException {
        Path script = Files.createTempFile("codebox-bench-", ".py");
        try (InputStream source = JupyterClientLoop.class.getResourceAsStream(SCRIPT)) {
            if (source == null) {
                throw new IllegalStateException(SCRIPT + " is missing from the bench's jar");
            }
            Files.copy(source, script, StandardCopyOption.REPLACE_EXISTING);
            // The kernel's stderr (debugger warnings) is not ours to show.
            Process process = new ProcessBuilder(python.toString(), script.toString(), kernelName,
                    Integer.toString(warmup), Integer.toString(iterations), Integer.toString(starts))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.waitFor() != 0) {
                throw new IOException("the jupyter_client baseline failed (exit " + process.exitValue() + "): " + output);
            }
            JsonNode json = new ObjectMapper().readTree(output);
            return new KernelTimings(numbers(json.get("start_ms")), numbers(json.get("round_trip_ms")));
        } finally {
            Files.deleteIfExists(script);
        }
    }

    private static double[] numbers(JsonNode array) {
        List<JsonNode> items = StreamSupport.stream(array.spliterator(), false).toList();
        return items.stream().mapToDouble(JsonNode::asDouble).toArray();
    }
}
