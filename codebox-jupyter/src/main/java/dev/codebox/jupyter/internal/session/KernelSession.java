package dev.codebox.jupyter.internal.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebox.CodeExecutorException;
import dev.codebox.jupyter.internal.protocol.Json;
import dev.codebox.jupyter.internal.protocol.MessageFactory;
import dev.codebox.jupyter.spi.Channel;
import dev.codebox.jupyter.spi.JupyterMessage;
import dev.codebox.jupyter.spi.Kernel;
import dev.codebox.jupyter.spi.KernelFailedException;
import dev.codebox.jupyter.spi.KernelTransport;
import dev.codebox.spi.RunOutcome;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * The client side of the messaging protocol over any {@link KernelTransport}: the kernel_info
 * handshake and executions. Used by one thread at a time (the executor serializes executions).
 */
public final class KernelSession {

    /** How long receive waits before looking at cancellation and kernel health again. */
    private static final long POLL_SLICE_MILLIS = 50;
    /** How long a timed-out or cancelled execution waits for the interrupted kernel to go idle. */
    private static final long DRAIN_MILLIS = 1000;
    /** When the handshake sends another kernel_info_request because iopub has not delivered yet. */
    private static final long HANDSHAKE_RESEND_MILLIS = 200;
    /** How often a request the kernel aborted without running it is sent. */
    private static final int MAX_ATTEMPTS = 3;

    private final Kernel kernel;
    private final KernelTransport transport;
    private final MessageFactory messages = new MessageFactory();
    private boolean interruptFailed;
    /** An interrupted request the kernel had not finished when its execution returned, or null. */
    private String unfinished;

    public KernelSession(Kernel kernel) {
        this.kernel = kernel;
        this.transport = kernel.transport();
    }

    /**
     * Waits until the kernel answers a kernel_info_request on shell <em>and</em> iopub has
     * delivered a message about one: a SUB socket misses what is published before it joined.
     *
     * @return the kernel_info_reply content
     * @throws KernelFailedException when the kernel dies or does not answer within {@code timeout}
     */
    public JsonNode handshake(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Set<String> sent = new HashSet<>();
        JsonNode info = null;
        boolean iopubJoined = false;
        long resendAt = 0;
        while (info == null || !iopubJoined) {
            long now = System.nanoTime();
            if (now - deadline > 0) {
                throw new KernelFailedException(CodeExecutorException.Reason.START_FAILED, "the kernel " + kernel.name() + " did not answer kernel_info within "
                        + timeout.toSeconds() + " s");
            }
            if (now - resendAt > 0) {
                JupyterMessage request = messages.request(Channel.SHELL, "kernel_info_request", Json.object());
                sent.add(request.msgId());
                transport.send(request);
                resendAt = now + HANDSHAKE_RESEND_MILLIS * 1_000_000;
            }
            JupyterMessage message = transport.receive(20, info == null ? Channel.SHELL : Channel.IOPUB);
            if (message == null) {
                throwIfFailed();
            } else if (sent.contains(message.parentMsgId())) {
                if (message.channel() == Channel.IOPUB) {
                    iopubJoined = true;
                } else if (message.msgType().equals("kernel_info_reply")) {
                    info = message.content();
                }
            }
        }
        return info;
    }

    /**
     * Runs {@code code} without output or history (set-up code), waiting at most {@code timeout}.
     *
     * @throws KernelFailedException when the code raises, or the kernel does not finish it in time
     */
    public void runSilently(String code, Duration timeout) {
        JupyterMessage request = messages.executeRequest(code);
        ((ObjectNode) request.content()).put("silent", true).put("store_history", false);
        transport.send(request);
        JsonNode reply = drain(request.msgId(), null, System.nanoTime() + timeout.toNanos());
        if (reply == null) {
            throw new KernelFailedException(CodeExecutorException.Reason.START_FAILED, "the " + kernel.name() + " kernel did not finish codebox's set-up within "
                    + timeout.toSeconds() + " s");
        }
        if (!reply.path("status").asText().equals("ok")) {
            throw new KernelFailedException(CodeExecutorException.Reason.START_FAILED, "codebox's set-up failed in the " + kernel.name() + " kernel: "
                    + reply.path("ename").asText() + ": " + reply.path("evalue").asText());
        }
    }

    /**
     * Runs {@code code}, writing what it produces into {@code collector}, until the kernel is idle
     * again, {@code deadlineNanos} (a {@link System#nanoTime()} value) passes, or {@code cancelled}
     * turns true. A timed-out execution is interrupted here; a cancelled one was interrupted by
     * whoever cancelled it. Either way only the stream output that was already on its way is kept.
     *
     * @throws KernelFailedException when the kernel dies or its connection breaks
     */
    public RunOutcome execute(String code, long deadlineNanos, BooleanSupplier cancelled, ResultCollector collector) {
        if (unfinished != null) {
            // A request sent while the kernel still handles an interrupted one may be aborted with it.
            drain(unfinished, null, deadlineNanos);
        }
        for (int attempt = 1; ; attempt++) {
            RunOutcome outcome = executeOnce(code, deadlineNanos, cancelled, collector, attempt < MAX_ATTEMPTS);
            if (outcome != null) {
                return outcome;
            }
        }
    }

    /**
     * One execute_request, or {@code null} when the kernel aborted it without running it and
     * {@code mayRetry}: after an error (an exception, or the interrupt of a timeout) ipykernel aborts
     * the requests that reach it before it has finished handling the error, even some sent after its
     * idle status.
     */
    private RunOutcome executeOnce(String code, long deadlineNanos, BooleanSupplier cancelled, ResultCollector collector,
            boolean mayRetry) {
        JupyterMessage request = messages.executeRequest(code);
        String id = request.msgId();
        transport.send(request);
        JsonNode reply = null;
        boolean idle = false;
        String systemExit = null;
        boolean errorShown = false;
        while (reply == null || !idle) {
            if (cancelled.getAsBoolean()) {
                drain(id, collector, System.nanoTime() + DRAIN_MILLIS * 1_000_000);
                return RunOutcome.cancelled();
            }
            long left = (deadlineNanos - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                if (interrupt()) {
                    drain(id, collector, System.nanoTime() + DRAIN_MILLIS * 1_000_000);
                } else {
                    unfinished = id;
                }
                return RunOutcome.timedOut();
            }
            JupyterMessage message = transport.receive(Math.min(left, POLL_SLICE_MILLIS), awaited(idle));
            if (message == null) {
                throwIfFailed();
                continue;
            }
            throwIfRestarted(message);
            if (!message.parentMsgId().equals(id)) {
                continue; // left over from an interrupted execution
            }
            switch (message.msgType()) {
                case "stream" -> collector.stream(message.content());
                case "execute_result", "display_data", "update_display_data" -> collector.display(message.content());
                case "error" -> {
                    if (isSystemExit(message.content())) {
                        systemExit = message.content().path("evalue").asText();
                    } else {
                        collector.error(message.content());
                        errorShown = true;
                    }
                }
                case "status" -> idle = idle || message.content().path("execution_state").asText().equals("idle");
                case "execute_reply" -> reply = message.content();
                case "input_request" -> answerInput(message);
                default -> { }
            }
        }
        if (reply.path("status").asText().equals("aborted")) {
            if (mayRetry) {
                return null;
            }
            collector.notice("The kernel aborted the execution without running it.");
        }
        if (reply.path("status").asText().equals("error") && !errorShown && systemExit == null && !isSystemExit(reply)) {
            collector.error(reply); // kernels that report errors only in the reply
        }
        return RunOutcome.exited(exitCode(reply, systemExit, collector));
    }

    /** Interrupts the kernel; false when that failed (its server does not answer in time). */
    private boolean interrupt() {
        try {
            kernel.interrupt();
            return true;
        } catch (RuntimeException e) {
            interruptFailed = true;
            return false;
        }
    }

    /**
     * Whether the last interrupted request was still running when its execution returned: the
     * kernel ignored the interrupt (or could not be reached), and would run later requests only
     * after it. The executor replaces such a kernel.
     */
    public boolean isStuck() {
        return unfinished != null;
    }

    /** Whether an interrupt could not even be delivered (the kernel's server did not answer). */
    public boolean isUnreachable() {
        return interruptFailed;
    }

    /**
     * Reads the messages of request {@code id} until its reply and idle status came or the deadline
     * passed (then the request stays {@link #unfinished}); only stream output goes to
     * {@code collector} (when given) and only until the error the interruption causes.
     *
     * @return the execute_reply content, or null when the deadline passed first
     */
    private JsonNode drain(String id, ResultCollector collector, long deadlineNanos) {
        boolean idle = false;
        JsonNode reply = null;
        boolean collecting = collector != null;
        unfinished = id;
        while (!(idle && reply != null)) {
            long left = (deadlineNanos - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return null;
            }
            JupyterMessage message = transport.receive(Math.min(left, POLL_SLICE_MILLIS), awaited(idle));
            if (message == null) {
                throwIfFailed();
                continue;
            }
            throwIfRestarted(message);
            if (message.parentMsgId().equals(id)) {
                switch (message.msgType()) {
                    case "stream" -> {
                        if (collecting) {
                            collector.stream(message.content());
                        }
                    }
                    case "error" -> collecting = false;
                    case "status" -> idle = idle || message.content().path("execution_state").asText().equals("idle");
                    case "execute_reply" -> reply = message.content();
                    case "input_request" -> answerInput(message);
                    default -> { }
                }
            }
        }
        unfinished = null;
        return reply;
    }

    // Kernels send the reply before the idle status, but it may arrive second on its own socket.
    private static Channel awaited(boolean idle) {
        return idle ? Channel.SHELL : Channel.IOPUB;
    }

    private static boolean isSystemExit(JsonNode error) {
        return error.path("ename").asText().equals("SystemExit");
    }

    /** 0 for ok; the status of SystemExit like a Python process would exit; 1 for other errors. */
    private static int exitCode(JsonNode reply, String systemExit, ResultCollector collector) {
        if (isSystemExit(reply) || systemExit != null) {
            String status = systemExit != null ? systemExit : reply.path("evalue").asText();
            if (status.isEmpty() || status.equals("None")) {
                return 0;
            }
            try {
                return Integer.parseInt(status.trim()) & 0xff;
            } catch (NumberFormatException e) {
                collector.notice(status); // sys.exit("message") prints the message and exits with 1
                return 1;
            }
        }
        return reply.path("status").asText().equals("ok") ? 0 : 1;
    }

    // Executions allow no stdin, but a kernel that asks anyway must not hang: answer with nothing.
    private void answerInput(JupyterMessage request) {
        ObjectNode content = Json.object().put("value", "");
        transport.send(messages.reply(Channel.STDIN, "input_reply", content, request.header()));
    }

    // A Jupyter server restarts a kernel that died and says so on iopub; the state is lost either way.
    private void throwIfRestarted(JupyterMessage message) {
        if (message.channel() == Channel.IOPUB && message.msgType().equals("status")) {
            String state = message.content().path("execution_state").asText();
            if (state.equals("restarting") || state.equals("dead")) {
                throw new KernelFailedException("the " + kernel.name() + " kernel died (its server reports '" + state + "')");
            }
        }
    }

    private void throwIfFailed() {
        kernel.failure().ifPresent(reason -> {
            throw new KernelFailedException(reason);
        });
    }
}
