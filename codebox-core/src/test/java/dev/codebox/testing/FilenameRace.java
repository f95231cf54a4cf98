package dev.codebox.testing;

import dev.codebox.CodeBlock;
import dev.codebox.CodeExecutor;
import dev.codebox.CodeResult;
import dev.codebox.internal.pipeline.BlockPreparer;
import java.util.function.BooleanSupplier;

/**
 * The writing side of the work dir race tests: blocks named {@code # filename: d/xN.sh} executed
 * while code swaps {@code d} and a link out of the work dir, counting those written and those
 * refused (a test needs both, or the race did not happen).
 */
public final class FilenameRace {

    /** How many blocks were written (and may have run) and how many were refused. */
    public record Counts(int written, int refused) {
        /** Whether both happened: the swaps hit some writes and missed others. */
        public boolean raced() {
            return written > 0 && refused > 0;
        }
    }

    private FilenameRace() {
    }

    /** Executes up to {@code tries} such blocks, fewer once {@code over} says so. */
    public static Counts writeNamedBlocks(CodeExecutor executor, int tries, BooleanSupplier over) {
        int written = 0;
        int refused = 0;
        for (int i = 0; i < tries && !over.getAsBoolean(); i++) {
            CodeResult result = executor.execute(new CodeBlock("sh", "# filename: d/x" + (i % 10) + ".sh\ntrue"));
            // A written file may still fail to run: the swapper may have moved d away meanwhile.
            if (result.output().contains(BlockPreparer.OUTSIDE_WORKSPACE)) {
                refused++;
            } else {
                written++;
            }
        }
        return new Counts(written, refused);
    }
}
