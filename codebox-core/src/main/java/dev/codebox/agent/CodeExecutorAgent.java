package dev.codebox.agent;

import dev.codebox.CancellationToken;
import dev.codebox.CodeBlock;
import dev.codebox.CodeExecutor;
import dev.codebox.CodeResult;
import dev.codebox.Language;
import dev.codebox.markdown.CodeBlockExtractor;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The code-running side of an agent conversation, without any model client: give it each message
 * the model writes, send the {@link AgentReply#text()} back as the next user message.
 *
 * <p>For each message it extracts the fenced blocks of the accepted languages (default
 * {@code python} and {@code sh}; aliases such as {@code py} count), asks the {@link CodeApproval}
 * (default: approve everything), runs the blocks in one {@code execute} call and answers:
 * <ul>
 *   <li>no accepted block: a request for a fenced block in an accepted language;
 *   <li>not approved: {@code Code execution was not approved. Reason: <reason>};
 *   <li>no output: {@code The script ran but produced no output (exit code N). ...};
 *   <li>non-zero exit: {@code The script ran, then exited with an error (exit code N), its output was:}
 *       and the output on the next lines;
 *   <li>otherwise the output itself.
 * </ul>
 *
 * <p>The agent does not own the executor: it never starts or stops it beyond what
 * {@link CodeExecutor#execute} does, so close the executor yourself. Thread-safe when the executor
 * and the approval are.
 */
public final class CodeExecutorAgent {

    private static final Logger LOG = LoggerFactory.getLogger(CodeExecutorAgent.class);

    private final CodeExecutor executor;
    private final List<String> languages;
    private final CodeApproval approval;

    private CodeExecutorAgent(Builder builder) {
        this.executor = builder.executor;
        this.languages = List.copyOf(builder.languages);
        this.approval = builder.approval;
    }

    /** An agent with the default languages and no approval step. */
    public static CodeExecutorAgent of(CodeExecutor executor) {
        return builder(executor).build();
    }

    /** A builder for an agent that runs code in {@code executor}. */
    public static Builder builder(CodeExecutor executor) {
        return new Builder(executor);
    }

    /** The accepted languages, canonical names in order. */
    public List<String> languages() {
        return languages;
    }

    /** Replies to {@code message}; the code cannot be cancelled except by stopping the executor. */
    public AgentReply reply(String message) {
        return reply(message, new CancellationToken());
    }

    /**
     * Replies to {@code message}, a model's markdown message.
     *
     * @param token cancels the code while it runs (the reply is then the ERROR case, exit code 125)
     * @throws dev.codebox.CodeExecutorException when the executor cannot run code at all
     * @throws NullPointerException when the approval returns {@code null}; what the approval throws
     *     is thrown as it is, and nothing runs then
     */
    public AgentReply reply(String message, CancellationToken token) {
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(token, "token");
        List<CodeBlock> blocks = CodeBlockExtractor.extract(message, languages);
        if (blocks.isEmpty()) {
            return new AgentReply(AgentReply.Kind.NO_CODE, noCodeText(), Optional.empty());
        }
        CodeApproval.Decision decision = Objects.requireNonNull(approval.review(List.copyOf(blocks)),
                "the approval returned no decision");
        if (!decision.approved()) {
            LOG.info("code execution not approved: {}", decision.reason());
            String reason = decision.reason().isBlank() ? "none given" : decision.reason();
            return new AgentReply(AgentReply.Kind.NOT_APPROVED, "Code execution was not approved. Reason: " + reason,
                    Optional.empty());
        }
        CodeResult result = executor.execute(blocks, token);
        if (result.output().isBlank()) {
            return new AgentReply(AgentReply.Kind.NO_OUTPUT, "The script ran but produced no output (exit code "
                    + result.exitCode() + "). If you expected a result, make the code print it.", Optional.of(result));
        }
        if (result.exitCode() != 0) {
            return new AgentReply(AgentReply.Kind.ERROR, "The script ran, then exited with an error (exit code "
                    + result.exitCode() + "), its output was:\n" + result.output(), Optional.of(result));
        }
        return new AgentReply(AgentReply.Kind.OUTPUT, result.output(), Optional.of(result));
    }

    private String noCodeText() {
        String names = languages.size() == 1 ? languages.get(0)
                : String.join(", ", languages.subList(0, languages.size() - 1)) + " or " + languages.get(languages.size() - 1);
        return "There is no code to run in your message. Write the code in a fenced block marked with its language ("
                + names + "), for example:\n\n```" + languages.get(0) + "\n...\n```";
    }

    /** Builds a {@link CodeExecutorAgent}. */
    public static final class Builder {
        private final CodeExecutor executor;
        private final Set<String> languages = new LinkedHashSet<>(List.of("python", "sh"));
        private CodeApproval approval = CodeApproval.ALWAYS;

        private Builder(CodeExecutor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
        }

        /**
         * The languages whose blocks run (default python and sh); others are ignored. Tags are
         * compared by canonical name, so {@code py} means python.
         *
         * @throws IllegalArgumentException when none is given or one is blank
         */
        public Builder languages(String... languages) {
            List<String> canonical = new ArrayList<>();
            for (String language : languages) {
                if (Objects.requireNonNull(language, "a language is null").isBlank()) {
                    throw new IllegalArgumentException("a language is blank");
                }
                canonical.add(Language.canonicalName(language));
            }
            if (canonical.isEmpty()) {
                throw new IllegalArgumentException("at least one language is needed");
            }
            this.languages.clear();
            this.languages.addAll(canonical);
            return this;
        }

        /** Who decides whether code runs (default {@link CodeApproval#ALWAYS}). */
        public Builder approval(CodeApproval approval) {
            this.approval = Objects.requireNonNull(approval, "approval");
            return this;
        }

        public CodeExecutorAgent build() {
            return new CodeExecutorAgent(this);
        }
    }
}
