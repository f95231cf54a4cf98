package dev.codebox.jupyter.session;

/**
 * How the execution of one block ended.
 *
 * @param ending finished, timed out or cancelled
 * @param exitCode 0 when the code succeeded, 1 for an error, the status of {@code SystemExit}
 */
public record Outcome(Ending ending, int exitCode) {

    /** How an execution ended. */
    public enum Ending { FINISHED, TIMED_OUT, CANCELLED }
}
