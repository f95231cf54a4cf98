package dev.codebox.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebox.CodeResult;
import java.nio.file.Path;

/** The JSON form of a result printed by {@code --json}. */
final class JsonResult {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private JsonResult() {
    }

    /**
     * {@code {"exitCode", "output", "codeFiles", "outputFiles", "timedOut", "cancelled", "durationMs"}}
     * on one line.
     */
    static String toJson(CodeResult result) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("exitCode", result.exitCode());
        node.put("output", result.output());
        ArrayNode codeFiles = node.putArray("codeFiles");
        result.codeFiles().stream().map(Path::toString).forEach(codeFiles::add);
        ArrayNode outputFiles = node.putArray("outputFiles");
        result.outputFiles().stream().map(Path::toString).forEach(outputFiles::add);
        node.put("timedOut", result.timedOut());
        node.put("cancelled", result.cancelled());
        node.put("durationMs", result.duration().toNanos() / 1e6);
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the result as JSON", e);
        }
    }
}
