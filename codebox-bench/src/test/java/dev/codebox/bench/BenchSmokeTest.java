package dev.codebox.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A few iterations of the local part of the bench, to keep it working. No timing is asserted: CI
 * machines are too noisy, and the bench is never part of the CI timing path.
 */
class BenchSmokeTest {

    @Test
    void localBenchFillsItsRowsWithPositiveFigures() {
        BenchOptions options = BenchOptions.parse("--only", "local", "--iterations", "3", "--warmup", "1",
                "--rounds", "1", "--batch", "3");
        Report report = BenchMain.run(options);

        assertEquals(List.of(LocalBench.PYTHON_ROW, LocalBench.SPAWNED_ROW, LocalBench.FLOOR_ROW, LocalBench.BASH_ROW,
                "3 python blocks in one run, per block"),
                names(report, LocalBench.SECTION));
        assertEquals(List.of("1 thread, one executor", "2 threads, one executor", "8 threads, one executor",
                "8 threads, 8 executors"), names(report, ConcurrencyBench.SECTION));
        assertEquals(List.of("local: live heap growth (after GC), 300 MB printed", "local: heap growth while a block prints 300 MB",
                "local: RSS growth while a block prints 300 MB"),
                names(report, MemoryBench.SECTION));
        for (Row row : report.rows()) {
            assertTrue(row.succeeded(), row.toString());
            if (row.section().equals(MemoryBench.SECTION)) {
                assertTrue(row.codebox() >= 0 && row.baseline() > 0, row.toString());
                assertNotNull(row.met(), row.toString());
            } else {
                assertTrue(row.codebox() > 0 && row.codeboxP90() > 0, row.toString());
                assertTrue(row.baseline() > 0 && row.baselineP90() > 0 && row.ratio() > 0, row.toString());
            }
        }
    }

    @Test
    void textAndJsonHoldEveryRow() throws Exception {
        Row row = Row.latency("local", "python print(1), per block", Samples.of(13, 14, 15),
                "direct spawn", Samples.of(12, 12, 13), Target.ratioAtMost(1.15));
        Row failed = Row.failed("jupyter", "round trip and kernel start", new IllegalStateException("no kernel"));
        Report report = new Report(java.util.Map.of("machine", "test"), List.of(row, failed));

        String text = report.toText();
        assertTrue(text.contains("python print(1), per block") && text.contains("1.17") && text.contains("MISSED"), text);
        JsonNode json = new ObjectMapper().readTree(report.toJson());
        assertEquals(14.0, json.at("/rows/0/codebox/median").asDouble());
        assertEquals(12.0, json.at("/rows/0/baseline/median").asDouble());
        assertEquals(false, json.at("/rows/0/met").asBoolean());
        assertTrue(text.contains("FAILED jupyter / round trip and kernel start: no kernel"), text);
        assertEquals("no kernel", json.at("/rows/1/failure").asText());
    }

    private static List<String> names(Report report, String section) {
        return report.rows().stream().filter(row -> row.section().equals(section))
                .map(Row::measurement).collect(Collectors.toList());
    }
}
