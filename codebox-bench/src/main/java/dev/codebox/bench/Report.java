package dev.codebox.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The bench's one table, printed as text or as one JSON object. */
final class Report {

    private static final String[] HEADER = {
        "section", "measurement", "unit", "codebox", "p90", "baseline", "median", "p90", "ratio", "target", "",
    };

    private final Map<String, String> context;
    private final List<Row> rows;

    /**
     * @param context the machine and settings the figures were measured with (shown above the table)
     * @param rows the rows, in order
     */
    Report(Map<String, String> context, List<Row> rows) {
        this.context = new LinkedHashMap<>(context);
        this.rows = List.copyOf(rows);
    }

    List<Row> rows() {
        return rows;
    }

    /** The table as aligned text, with the context on the lines above it. */
    String toText() {
        List<String[]> lines = new ArrayList<>();
        lines.add(HEADER);
        List<Row> failed = new ArrayList<>();
        for (Row row : rows) {
            if (!row.succeeded()) {
                failed.add(row);
                lines.add(new String[] {row.section(), row.measurement(), "", "", "", "FAILED (see below)", "", "", "", "", "MISSED"});
                continue;
            }
            lines.add(new String[] {
                row.section(), row.measurement(), row.unit(),
                number(row.codebox()), number(row.codeboxP90()),
                row.baselineName() == null ? "" : row.baselineName(),
                number(row.baseline()), number(row.baselineP90()),
                row.ratio() == null ? "" : String.format(Locale.ROOT, "%.2f", row.ratio()),
                row.target() == null ? "" : row.target(),
                row.met() == null ? "" : row.met() ? "met" : "MISSED",
            });
        }
        int[] widths = new int[HEADER.length];
        for (String[] line : lines) {
            for (int i = 0; i < line.length; i++) {
                widths[i] = Math.max(widths[i], line[i].length());
            }
        }
        StringBuilder text = new StringBuilder();
        context.forEach((key, value) -> text.append(key).append(": ").append(value).append('\n'));
        text.append("ratio = codebox cost / baseline cost (lower is better); "
                + "for blocks/s the p90 columns hold the 10th percentile (the slow end)\n\n");
        for (String[] line : lines) {
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < line.length; i++) {
                boolean numeric = i == 3 || i == 4 || i == 6 || i == 7 || i == 8;
                String format = "%" + (numeric ? "" : "-") + Math.max(1, widths[i]) + "s";
                out.append(String.format(Locale.ROOT, format, line[i])).append("  ");
            }
            text.append(out.toString().stripTrailing()).append('\n');
        }
        for (Row row : failed) {
            text.append("\nFAILED ").append(row.section()).append(" / ").append(row.measurement())
                    .append(": ").append(row.failure()).append('\n');
        }
        return text.toString();
    }

    /** The context and rows as one JSON object. */
    String toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("context", context);
        List<Map<String, Object>> list = new ArrayList<>();
        for (Row row : rows) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("section", row.section());
            item.put("measurement", row.measurement());
            if (!row.succeeded()) {
                item.put("met", false);
                item.put("failure", row.failure());
                list.add(item);
                continue;
            }
            item.put("unit", row.unit());
            Map<String, Object> codebox = new LinkedHashMap<>();
            codebox.put("median", row.codebox());
            codebox.put("p90", row.codeboxP90());
            item.put("codebox", codebox);
            if (row.baselineName() != null) {
                Map<String, Object> baseline = new LinkedHashMap<>();
                baseline.put("name", row.baselineName());
                baseline.put("median", row.baseline());
                baseline.put("p90", row.baselineP90());
                item.put("baseline", baseline);
            }
            item.put("ratio", row.ratio());
            item.put("target", row.target());
            item.put("met", row.met());
            list.add(item);
        }
        json.put("rows", list);
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write the report as JSON", e);
        }
    }

    /** A figure with three significant digits at most (1.23, 12.3, 123, 1234). */
    static String number(Double value) {
        if (value == null) {
            return "";
        }
        double v = value;
        if (Math.abs(v) >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (Math.abs(v) >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
