package dev.codebox.agent;

import dev.codebox.CodeBlock;
import java.util.List;

/**
 * Decides whether code a model wrote may run: a person in the loop, or a policy. Called by
 * {@link CodeExecutorAgent} with the blocks it is about to run, before anything runs.
 */
@FunctionalInterface
public interface CodeApproval {

    /** Approves everything: the default of {@link CodeExecutorAgent}. */
    CodeApproval ALWAYS = blocks -> Decision.approve();

    /**
     * @param blocks the blocks that would run, in order (never empty)
     * @return whether they may run, and why not
     */
    Decision review(List<CodeBlock> blocks);

    /**
     * The outcome of a review.
     *
     * @param approved whether the code may run
     * @param reason why it may not run, told to the model; empty when approved
     */
    record Decision(boolean approved, String reason) {

        public Decision {
            java.util.Objects.requireNonNull(reason, "reason");
        }

        /** The code may run. */
        public static Decision approve() {
            return new Decision(true, "");
        }

        /** The code may not run, for {@code reason} (told to the model, so that it can do better). */
        public static Decision deny(String reason) {
            return new Decision(false, reason);
        }
    }
}
