package dev.codebox.bench;

/**
 * One line of the bench table: a codebox figure, the baseline measured beside it in the same run,
 * their ratio (codebox cost ÷ baseline cost: lower is better) and the target.
 *
 * @param section local, docker, jupyter, concurrency or memory
 * @param measurement what was measured
 * @param unit unit of the figures
 * @param codebox codebox's median
 * @param codeboxP90 codebox's 90th percentile, or null when a single figure was taken
 * @param baselineName what the baseline is, or null
 * @param baseline the baseline's median, or null
 * @param baselineP90 the baseline's 90th percentile, or null
 * @param ratio codebox cost ÷ baseline cost, or null
 * @param target the goal as text, or null
 * @param met whether the goal is met, or null without a goal
 * @param failure why the measurement could not be taken, or null
 */
record Row(String section, String measurement, String unit,
           double codebox, Double codeboxP90,
           String baselineName, Double baseline, Double baselineP90,
           Double ratio, String target, Boolean met, String failure) {

    /** A latency (or duration) row: lower is better, ratio = codebox median ÷ baseline median. */
    static Row latency(String section, String measurement, Samples codebox,
                       String baselineName, Samples baseline, Target target) {
        double ratio = codebox.median() / baseline.median();
        return new Row(section, measurement, "ms", codebox.median(), codebox.p90(),
                baselineName, baseline.median(), baseline.p90(), ratio,
                target == null ? null : target.text(),
                target == null ? null : target.isMet(codebox.median(), ratio), null);
    }

    /**
     * A throughput row in blocks per second: higher is better, so the ratio (a cost ratio like
     * the others) is baseline median ÷ codebox median. The p90 columns hold the slowest decile.
     */
    static Row throughput(String section, String measurement, Samples codebox,
                          String baselineName, Samples baseline, Target target) {
        double ratio = baseline.median() / codebox.median();
        return new Row(section, measurement, "blocks/s", codebox.median(), codebox.percentile(10),
                baselineName, baseline.median(), baseline.percentile(10), ratio,
                target == null ? null : target.text(),
                target == null ? null : target.isMet(codebox.median(), ratio), null);
    }

    /** A figure without a ratio, for example a peak memory beside its idle value. */
    static Row value(String section, String measurement, String unit, double codebox,
                     String baselineName, Double baseline, Target target) {
        return new Row(section, measurement, unit, codebox, null, baselineName, baseline, null, null,
                target == null ? null : target.text(),
                target == null ? null : target.isMet(codebox, null), null);
    }

    /** This row judged against {@code target}. */
    Row withTarget(Target target) {
        return new Row(section, measurement, unit, codebox, codeboxP90, baselineName, baseline, baselineP90, ratio,
                target.text(), failure == null ? target.isMet(codebox, ratio) : Boolean.FALSE, failure);
    }

    /** A bench that could not be measured: the table says why and the bench exits with status 1. */
    static Row failed(String section, String measurement, Throwable failure) {
        String message = failure.getMessage() == null ? failure.toString() : failure.getMessage();
        return new Row(section, measurement, "", 0, null, null, null, null, null, null, false, message);
    }

    /** Whether the measurement was taken. */
    boolean succeeded() {
        return failure == null;
    }
}
