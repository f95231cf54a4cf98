package dev.codebox.bench;

import java.util.List;

/** One group of measurements; it cleans up everything it starts, also when it fails. */
interface Bench {

    /** The table section its rows belong to. */
    String section();

    /** What it measures, for the row that replaces its rows when it fails. */
    String title();

    /** Measures and returns the rows of the table it is responsible for. */
    List<Row> run(BenchOptions options) throws Exception;
}
