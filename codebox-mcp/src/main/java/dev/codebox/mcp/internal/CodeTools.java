package dev.codebox.mcp.internal;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codebox.CancellationToken;
import dev.codebox.CodeBlock;
import dev.codebox.CodeResult;
import dev.codebox.Language;
import dev.codebox.OutputListener;
import dev.codebox.WorkDirCopies;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's tools: their definitions (read from {@code tools.json}) and their handlers. A
 * handler never throws: a refused request is an {@code isError} result with a message for the
 * model, and code that fails, times out or is cancelled is a normal result with its exit code.
 */
final class CodeTools {

    /** The transport context entry naming the client identity (set by the HTTP filter). */
    static final String PRINCIPAL = "dev.codebox.mcp/principal";

    private static final Logger LOG = LoggerFactory.getLogger(CodeTools.class);
    private static final String STDIO_PRINCIPAL = "stdio";
    private static final int MAX_LISTED_FILES = 1000;
    private static final long STREAMED_OUTPUT_BUDGET = 4L << 20;
    private static final Map<String, String> IMAGE_TYPES = Map.of(
            "png", "image/png", "jpg", "image/jpeg", "jpeg", "image/jpeg", "gif", "image/gif",
            "webp", "image/webp", "svg", "image/svg+xml");

    @FunctionalInterface
    private interface Handler {
        CallToolResult handle(McpSyncServerExchange exchange, CallToolRequest request, Args args);
    }

    private final SessionRegistry sessions;
    private final CallTracker tracker;
    private final Limits limits;
    private final ScheduledExecutorService timer;
    private final ObjectMapper json;
    private final Semaphore executions;

    CodeTools(SessionRegistry sessions, CallTracker tracker, Limits limits, ScheduledExecutorService timer, ObjectMapper json) {
        this.sessions = sessions;
        this.tracker = tracker;
        this.limits = limits;
        this.timer = timer;
        this.json = json;
        this.executions = new Semaphore(limits.maxConcurrentExecutions(), true);
    }

    /** The tool specifications to register with the SDK. */
    List<SyncToolSpecification> specifications() {
        Map<String, Handler> handlers = Map.of(
                "execute_code", this::executeCode,
                "create_session", this::createSession,
                "close_session", this::closeSession,
                "list_sessions", this::listSessions,
                "upload_file", this::uploadFile,
                "download_file", this::downloadFile,
                "list_files", this::listFiles,
                "list_languages", this::listLanguages);
        List<SyncToolSpecification> specifications = new ArrayList<>();
        for (McpSchema.Tool tool : definitions()) {
            Handler handler = handlers.get(tool.name());
            specifications.add(SyncToolSpecification.builder().tool(tool)
                    .callHandler((exchange, request) -> call(handler, exchange, request))
                    .build());
        }
        return specifications;
    }

    private List<McpSchema.Tool> definitions() {
        try (InputStream in = CodeTools.class.getResourceAsStream("tools.json")) {
            if (in == null) {
                throw new IllegalStateException("tools.json is missing from the jar of " + CodeTools.class.getName());
            }
            List<Map<String, Object>> entries = json.readValue(in, new TypeReference<>() { });
            List<McpSchema.Tool> tools = new ArrayList<>();
            for (Map<String, Object> entry : entries) {
                tools.add(McpSchema.Tool.builder()
                        .name((String) entry.get("name"))
                        .title((String) entry.get("title"))
                        .description((String) entry.get("description"))
                        .inputSchema(map(entry.get("inputSchema")))
                        .outputSchema(map(entry.get("outputSchema")))
                        .build());
            }
            return tools;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tools.json", e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }

    private CallToolResult call(Handler handler, McpSyncServerExchange exchange, CallToolRequest request) {
        try {
            return handler.handle(exchange, request, new Args(request.arguments()));
        } catch (ToolException e) {
            return error(e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("tool {} failed", request.name(), e);
            return error("internal error in " + request.name() + ": " + e);
        } finally {
            // Every call is tracked from its message on, whichever tool it names.
            tracker.end(callKey(request));
        }
    }

    private static String callKey(CallToolRequest request) {
        return request.meta() == null ? null : (String) request.meta().get(CallTracker.META_KEY);
    }

    private CallToolResult executeCode(McpSyncServerExchange exchange, CallToolRequest request, Args args) {
        String code = args.string("code").orElseThrow(() -> new ToolException("code is required"));
        String language = Language.canonicalName(args.string("language").orElse("python"));
        Optional<String> sessionId = args.string("session_id");
        Duration timeout = args.integer("timeout_seconds").map(seconds -> {
            if (seconds < 1) {
                throw new ToolException("timeout_seconds must be at least 1");
            }
            return Duration.ofSeconds(seconds);
        }).orElse(limits.maxTimeout());
        String owner = owner(exchange);
        CancellationToken token = tracker.token(callKey(request));
        Session session = null;
        boolean oneOff = sessionId.isEmpty();
        try {
            List<String> languages = sessionId.isPresent()
                    ? sessions.get(owner, sessionId.get()).languages()
                    : sessions.languages(sessions.executorName(Optional.empty()));
            if (!languages.contains(language)) {
                throw new ToolException("this executor does not run " + language + "; it runs " + String.join(", ", languages));
            }
            acquireExecutionSlot(token);
            try {
                session = oneOff ? sessions.oneOff(owner) : sessions.get(owner, sessionId.get());
                return run(exchange, request, session, oneOff, new CodeBlock(language, code), timeout, token);
            } finally {
                executions.release();
            }
        } finally {
            if (oneOff && session != null) {
                sessions.closeOneOff(session);
            }
        }
    }

    private CallToolResult run(McpSyncServerExchange exchange, CallToolRequest request, Session session, boolean oneOff,
            CodeBlock block, Duration timeout, CancellationToken token) {
        if (!session.beginUse()) {
            throw new ToolException("session " + session.id() + " was closed");
        }
        AtomicBoolean deadlinePassed = new AtomicBoolean();
        ScheduledFuture<?> deadline = timeout.compareTo(limits.maxTimeout()) < 0
                ? timer.schedule(() -> {
                    if (!token.isCancelled()) {
                        deadlinePassed.set(true);
                        token.cancel();
                    }
                }, timeout.toMillis(), TimeUnit.MILLISECONDS)
                : null;
        Object progressToken = request.meta() == null ? null : request.meta().get("progressToken");
        ProgressForwarder progress = progressToken == null ? null
                : new ProgressForwarder(exchange, progressToken, timer, STREAMED_OUTPUT_BUDGET);
        OutputListener listener = progress == null ? OutputListener.NONE : progress;
        CodeResult result;
        try {
            result = session.executor().execute(List.of(block), token, listener);
        } catch (dev.codebox.CodeExecutorException e) {
            throw new ToolException("the executor failed: " + e.getMessage());
        } finally {
            session.endUse();
            if (deadline != null) {
                deadline.cancel(false);
            }
            if (progress != null) {
                progress.close();
            }
        }
        boolean timedOut = result.timedOut() || deadlinePassed.get() && result.cancelled();
        int exitCode = timedOut ? CodeResult.EXIT_TIMEOUT : result.exitCode();
        String output = timedOut && !result.timedOut() ? asTimeout(result.output()) : result.output();
        List<String> files = new ArrayList<>();
        for (Path file : result.outputFiles()) {
            relative(session, file).ifPresent(files::add);
        }
        Map<String, Object> structured = new LinkedHashMap<>();
        structured.put("exit_code", exitCode);
        structured.put("output", output);
        structured.put("timed_out", timedOut);
        structured.put("cancelled", result.cancelled() && !timedOut);
        structured.put("files", files);
        structured.put("session_id", oneOff ? null : session.id());
        structured.put("duration_ms", result.duration().toMillis());
        CallToolResult.Builder builder = CallToolResult.builder().structuredContent(structured).addTextContent(text(structured));
        addMedia(builder, session, files);
        return builder.build();
    }

    /** The deadline of a shorter timeout_seconds cancels the run; it reads as the timeout it is. */
    private static String asTimeout(String output) {
        String ending = "Cancelled\n";
        return output.endsWith(ending) ? output.substring(0, output.length() - ending.length()) + "Timeout\n" : output;
    }

    private static Optional<String> relative(Session session, Path file) {
        Path root = session.files().root();
        Path absolute = file.toAbsolutePath().normalize();
        return absolute.startsWith(root) && !absolute.equals(root)
                ? Optional.of(root.relativize(absolute).toString()) : Optional.empty();
    }

    /** Images as image content, HTML as an embedded resource, within the image budget. */
    private void addMedia(CallToolResult.Builder builder, Session session, List<String> files) {
        long budget = limits.maxImageBytes();
        for (String file : files) {
            String extension = file.substring(file.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
            String imageType = IMAGE_TYPES.get(extension);
            boolean html = extension.equals("html") || extension.equals("htm");
            if (imageType == null && !html) {
                continue;
            }
            byte[] content;
            try {
                content = session.files().read(file, budget);
            } catch (ToolException e) {
                builder.addTextContent("[" + file + " is not returned inline: " + e.getMessage()
                        + "; download_file can fetch files up to the download limit]");
                continue;
            }
            budget -= content.length;
            if (imageType != null) {
                builder.addContent(new McpSchema.ImageContent(null, Base64.getEncoder().encodeToString(content), imageType));
            } else {
                builder.addContent(new McpSchema.EmbeddedResource(null, new McpSchema.TextResourceContents(
                        "codebox://files/" + file, "text/html", new String(content, StandardCharsets.UTF_8))));
            }
        }
    }

    private void acquireExecutionSlot(CancellationToken token) {
        long deadline = System.nanoTime() + limits.queueTimeout().toNanos();
        try {
            while (!executions.tryAcquire(50, TimeUnit.MILLISECONDS)) {
                if (token.isCancelled()) {
                    throw new ToolException("cancelled while waiting for a free execution slot");
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new ToolException("the server is busy: " + limits.maxConcurrentExecutions()
                            + " executions are running and none ended within " + limits.queueTimeout().toSeconds()
                            + " s; try again later");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ToolException("interrupted while waiting for a free execution slot");
        }
    }

    private CallToolResult createSession(McpSyncServerExchange exchange, CallToolRequest request, Args args) {
        Session session = sessions.create(owner(exchange), args.string("executor"), args.string("kernel"));
        Map<String, Object> structured = new LinkedHashMap<>();
        structured.put("session_id", session.id());
        structured.put("executor", session.executorName());
        structured.put("kernel", session.kernel().orElse(null));
        structured.put("languages", session.languages());
        return result(structured);
    }

    private CallToolResult closeSession(McpSyncServerExchange exchange, CallToolRequest request, Args args) {
        String id = args.required("session_id");
        sessions.close(owner(exchange), id);
        return result(Map.of("session_id", id, "closed", true));
    }

    private CallToolResult listSessions(McpSyncServerExchange exchange, CallToolRequest request, Args args) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (Session session : sessions.list(owner(exchange))) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("session_id", session.id());
            entry.put("executor", session.executorName());
            entry.put("kernel", session.kernel().orElse(null));
            entry.put("created_at", session.createdAt().toString());
            entry.put("last_used_at", session.lastUsedAt().toString());
            list.add(entry);
        }
        return result(Map.of("sessions", list));
    }

    private CallToolResult uploadFile(McpSyncServerExchange exchange, CallToolRequest request, Args args) {
        Session session = sessions.get(owner(exchange), args.required("session_id"));
        String path = args.required("path");
        Optional<String> text = args.string("text");
        Optional<String> base64 = args.string("content_base64");
        if (text.isPresent() == base64.isPresent()) {
            throw new ToolException("give the content as exactly one of text and content_base64");
        }
        byte[] content;
        if (text.isPresent()) {
            content = text.get().getBytes(StandardCharsets.UTF_8);
        } else {
            if (base64.get().length() / 4 * 3 > limits.maxUploadBytes() + 3) {
                throw tooLarge();
            }
            try {
                content = Base64.getDecoder().decode(base64.get().replaceAll("\\s", ""));
            } catch (IllegalArgumentException e) {
                throw new ToolException("content_base64 is not valid base64: " + e.getMessage());
            }
        }
        if (content.length > limits.maxUploadBytes()) {
            throw tooLarge();
        }
        session.touch();
        long written = session.files().write(path, content);
        if (session.executor() instanceof WorkDirCopies copies && copies.copiesWorkDir()) {
            copyIn(copies, path, content); // the code works in a copy of the session's dir (a pod, a remote engine)
        }
        return result(Map.of("path", path, "bytes", written));
    }

    private static void copyIn(WorkDirCopies copies, String path, byte[] content) {
        Path temp = null;
        try {
            temp = Files.createTempFile("codebox-upload-", ".tmp");
            Files.write(temp, content);
            copies.copyIn(temp, path);
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            throw new ToolException("cannot copy " + path + " to the code's work dir: " + e.getMessage());
        } finally {
            deleteQuietly(temp);
        }
    }

    /** The file as the code sees it now, when the code works in a copy; empty when it is not there. */
    private Optional<byte[]> copyOut(WorkDirCopies copies, String path) {
        Path temp = null;
        try {
            temp = Files.createTempFile("codebox-download-", ".tmp");
            copies.copyOut(path, temp, limits.maxDownloadBytes());
            return Optional.of(Files.readAllBytes(temp));
        } catch (java.nio.file.NoSuchFileException e) {
            return Optional.empty();
        } catch (WorkDirCopies.TooLargeException e) {
            throw new ToolException(path + " is larger than the download limit of " + limits.maxDownloadBytes() + " bytes");
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            throw new ToolException("cannot copy " + path + " from the code's work dir: " + e.getMessage());
        } finally {
            deleteQuietly(temp);
        }
    }

    private static void deleteQuietly(Path temp) {
        if (temp != null) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException e) {
                LOG.warn("could not delete {}: {}", temp, e.toString());
            }
        }
    }

    private ToolException tooLarge() {
        return new ToolException("the file is larger than the upload limit of " + limits.maxUploadBytes() + " bytes");
    }

    private CallToolResult downloadFile(McpSyncServerExchange exchange, CallToolRequest request, Args args) {
        Session session = sessions.get(owner(exchange), args.required("session_id"));
        String path = args.required("path");
        session.touch();
        Optional<byte[]> copied = session.executor() instanceof WorkDirCopies copies && copies.copiesWorkDir()
                ? copyOut(copies, path) : Optional.empty();
        byte[] content = copied.isPresent() ? copied.get() : session.files().read(path, limits.maxDownloadBytes());
        Map<String, Object> structured = new LinkedHashMap<>();
        structured.put("path", path);
        structured.put("bytes", content.length);
        try {
            structured.put("text", StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(content)).toString());
        } catch (CharacterCodingException e) {
            structured.put("content_base64", Base64.getEncoder().encodeToString(content));
        }
        return result(structured);
    }

    private CallToolResult listFiles(McpSyncServerExchange exchange, CallToolRequest request, Args args) {
        Session session = sessions.get(owner(exchange), args.required("session_id"));
        session.touch();
        ConfinedDir.Listing listing = session.files().list(args.string("path").orElse(""), MAX_LISTED_FILES);
        List<Map<String, Object>> files = new ArrayList<>();
        for (ConfinedDir.Entry entry : listing.entries()) {
            files.add(Map.of("path", entry.path(), "type", entry.type(), "bytes", entry.bytes()));
        }
        return result(Map.of("files", files, "truncated", listing.truncated()));
    }

    private CallToolResult listLanguages(McpSyncServerExchange exchange, CallToolRequest request, Args args) {
        String executor = sessions.executorName(args.string("executor"));
        return result(Map.of("executor", executor, "languages", sessions.languages(executor),
                "executors", sessions.executorNames()));
    }

    private static String owner(McpSyncServerExchange exchange) {
        Object principal = exchange.transportContext() == null ? null : exchange.transportContext().get(PRINCIPAL);
        return principal == null ? STDIO_PRINCIPAL : principal.toString();
    }

    private CallToolResult result(Map<String, Object> structured) {
        return CallToolResult.builder().structuredContent(structured).addTextContent(text(structured)).build();
    }

    private String text(Map<String, Object> structured) {
        try {
            return json.writeValueAsString(structured);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static CallToolResult error(String message) {
        return CallToolResult.builder().isError(true).addTextContent(message).build();
    }

    /** A call's arguments, read with type checks that give the model a precise message. */
    private static final class Args {
        private final Map<String, Object> values;

        Args(Map<String, Object> values) {
            this.values = values == null ? Map.of() : values;
        }

        Optional<String> string(String name) {
            Object value = values.get(name);
            if (value == null) {
                return Optional.empty();
            }
            if (!(value instanceof String text)) {
                throw new ToolException(name + " must be a string");
            }
            return Optional.of(text);
        }

        String required(String name) {
            return string(name).filter(value -> !value.isBlank())
                    .orElseThrow(() -> new ToolException(name + " is required"));
        }

        Optional<Long> integer(String name) {
            Object value = values.get(name);
            if (value == null) {
                return Optional.empty();
            }
            if (value instanceof Integer || value instanceof Long) {
                return Optional.of(((Number) value).longValue());
            }
            if (value instanceof Number number && number.doubleValue() == Math.rint(number.doubleValue())) {
                return Optional.of(number.longValue());
            }
            throw new ToolException(name + " must be an integer");
        }
    }
}
