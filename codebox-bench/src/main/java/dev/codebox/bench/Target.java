package dev.codebox.bench;

/**
 * A goal a measured row must meet, as written in docs/performance.md. Ratios are codebox cost
 * divided by baseline cost, so every target is an upper bound.
 */
interface Target {

    /** How the target reads in the table, for example {@code ≤ 1.15×}. */
    String text();

    /** Whether a row with this codebox median and ratio (null when there is no baseline) meets it. */
    boolean isMet(double median, Double ratio);

    /** Codebox cost at most {@code limit} times the baseline's. */
    static Target ratioAtMost(double limit) {
        return new Target() {
            @Override
            public String text() {
                return "≤ " + limit + "×";
            }

            @Override
            public boolean isMet(double median, Double ratio) {
                return ratio != null && ratio <= limit;
            }
        };
    }

    /** The codebox median at most {@code limit} (in the row's unit). */
    static Target medianAtMost(double limit, String unit) {
        return new Target() {
            @Override
            public String text() {
                return "≤ " + Report.number(limit) + " " + unit;
            }

            @Override
            public boolean isMet(double median, Double ratio) {
                return median <= limit;
            }
        };
    }

    /** Codebox cost at most {@code limitMillis} above the baseline's (medians). */
    static Target overheadAtMost(double limitMillis) {
        return new Target() {
            @Override
            public String text() {
                return "≤ +" + Report.number(limitMillis) + " ms";
            }

            @Override
            public boolean isMet(double median, Double ratio) {
                return ratio != null && median - median / ratio <= limitMillis;
            }
        };
    }

    /** Both targets. */
    static Target both(Target first, Target second) {
        return new Target() {
            @Override
            public String text() {
                return first.text() + ", " + second.text();
            }

            @Override
            public boolean isMet(double median, Double ratio) {
                return first.isMet(median, ratio) && second.isMet(median, ratio);
            }
        };
    }

    /** No goal: a row that only informs (what a feature costs). */
    static Target none() {
        return new Target() {
            @Override
            public String text() {
                return "(informative)";
            }

            @Override
            public boolean isMet(double median, Double ratio) {
                return true;
            }
        };
    }
}
