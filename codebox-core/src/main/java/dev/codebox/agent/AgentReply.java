package dev.codebox.agent;

import dev.codebox.CodeResult;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link CodeExecutorAgent} answers to a model's message.
 *
 * @param kind which case the reply is
 * @param text the message for the model
 * @param result the result when code ran ({@link Kind#OUTPUT}, {@link Kind#NO_OUTPUT}, {@link Kind#ERROR})
 */
public record AgentReply(Kind kind, String text, Optional<CodeResult> result) {

    /** The cases of a reply. */
    public enum Kind {
        /** The message held no block of an accepted language; nothing ran. */
        NO_CODE,
        /** The approval callback refused the code; nothing ran. */
        NOT_APPROVED,
        /** The code ran and printed nothing (whatever its exit code). */
        NO_OUTPUT,
        /** The code ran and exited with a non-zero code (timeouts and cancellations included). */
        ERROR,
        /** The code ran, exited with 0 and printed something: the text is its output. */
        OUTPUT
    }

    public AgentReply {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(result, "result");
    }

    /** Whether code ran. */
    public boolean ran() {
        return result.isPresent();
    }
}
