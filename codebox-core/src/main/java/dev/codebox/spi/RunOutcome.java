package dev.codebox.spi;

import dev.codebox.CodeResult;

/**
 * How one command ended.
 *
 * @param exitCode the process's exit code; {@link CodeResult#EXIT_TIMEOUT} or
 *     {@link CodeResult#EXIT_CANCELLED} when it was stopped
 * @param ending why it ended
 */
public record RunOutcome(int exitCode, Ending ending) {

    /** Why a command ended. */
    public enum Ending { EXITED, TIMED_OUT, CANCELLED }

    public static RunOutcome exited(int exitCode) {
        return new RunOutcome(exitCode, Ending.EXITED);
    }

    public static RunOutcome timedOut() {
        return new RunOutcome(CodeResult.EXIT_TIMEOUT, Ending.TIMED_OUT);
    }

    public static RunOutcome cancelled() {
        return new RunOutcome(CodeResult.EXIT_CANCELLED, Ending.CANCELLED);
    }
}
