package dev.codebox.jupyter.internal.session;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codebox.CodeExecutorException;
import dev.codebox.internal.OutputSink;
import dev.codebox.jupyter.internal.protocol.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Turns the iopub messages of executions into a result: streams and {@code text/plain} go to the
 * output sink; PNG, JPEG, SVG and HTML are saved as {@code <uuid>.<ext>} in the output dir and listed;
 * any other MIME type is written to the output as one line of JSON ({@code {"mime": data}}).
 * Values the kernel saved itself because they were large (see {@code display_limit.py}) are listed
 * when they are files of the output dir; values it dropped get a line saying so; a value of more
 * than {@value #MAX_VALUE_CHARS} characters from a kernel without that set-up is dropped the same way.
 * One execution saves at most {@value #MAX_SAVED_FILES} files and {@value #MAX_SAVED_BYTES} bytes
 * (code that displays in a loop would fill this machine's disk); later ones are dropped, with one
 * line saying so.
 */
public final class ResultCollector {

    private static final Map<String, String> SAVED_TYPES = Map.of(
            "image/png", "png", "image/jpeg", "jpg", "image/svg+xml", "svg", "text/html", "html");
    static final String SAVED_BY_KERNEL = "application/vnd.codebox.saved+json";
    static final String DROPPED_BY_KERNEL = "application/vnd.codebox.dropped+json";
    static final int MAX_VALUE_CHARS = 32 << 20;
    static final int MAX_SAVED_FILES = 1000;
    static final long MAX_SAVED_BYTES = 1L << 30;
    private static final Pattern SAVED_NAME = Pattern.compile("[0-9a-f-]{36}\\.(png|jpg|svg|html)");

    private final OutputSink sink;
    private final Path outputDir;
    private final List<Path> files = new ArrayList<>();
    private long savedBytes;
    private boolean overBudget;

    public ResultCollector(OutputSink sink, Path outputDir) {
        this.sink = sink;
        this.outputDir = outputDir;
    }

    /** A {@code stream} message: stdout or stderr text. */
    void stream(JsonNode content) {
        sink.write(content.path("text").asText());
    }

    /** An {@code execute_result} or {@code display_data} message: a MIME bundle. */
    void display(JsonNode content) {
        Iterator<Map.Entry<String, JsonNode>> entries = content.path("data").fields();
        while (entries.hasNext()) {
            Map.Entry<String, JsonNode> entry = entries.next();
            String mime = entry.getKey();
            String extension = SAVED_TYPES.get(mime);
            if (mime.equals(SAVED_BY_KERNEL)) {
                entry.getValue().forEach(this::savedByKernel);
            } else if (mime.equals(DROPPED_BY_KERNEL)) {
                long limit = entry.getValue().path("limit").asLong();
                entry.getValue().path("dropped").forEach(dropped -> dropped(dropped.path("mime").asText(),
                        dropped.path("bytes").asLong(), limit));
            } else if (length(entry.getValue()) > MAX_VALUE_CHARS) {
                dropped(mime, length(entry.getValue()), MAX_VALUE_CHARS);
            } else if (mime.equals("text/plain")) {
                sink.writeLine(text(entry.getValue()));
            } else if (extension != null) {
                if (withinBudget(length(entry.getValue()))) {
                    files.add(save(mime, extension, entry.getValue()));
                }
            } else {
                sink.writeLine(Json.text(Json.object().set(mime, entry.getValue())));
            }
        }
    }

    // Only a file of the output dir with the name the set-up gives, never a link: the kernel's code could forge the message.
    private void savedByKernel(JsonNode saved) {
        String name = saved.path("name").asText();
        if (!SAVED_NAME.matcher(name).matches()) {
            return;
        }
        Path file = outputDir.resolve(name);
        if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) && withinBudget(0)) {
            files.add(file);
        }
    }

    /** Whether a file of about {@code bytes} may still be saved; says once when not. */
    private boolean withinBudget(long bytes) {
        if (!overBudget && files.size() < MAX_SAVED_FILES && savedBytes + bytes <= MAX_SAVED_BYTES) {
            savedBytes += bytes;
            return true;
        }
        if (!overBudget) {
            overBudget = true;
            sink.writeLine("codebox: this execution saved " + files.size() + " files of displays, " + savedBytes
                    + " bytes; later images and HTML are dropped (at most " + MAX_SAVED_FILES + " files and "
                    + MAX_SAVED_BYTES + " bytes)");
        }
        return false;
    }

    private void dropped(String mime, long bytes, long limit) {
        sink.writeLine("codebox: a " + mime + " display of " + bytes + " bytes was dropped (more than the limit of "
                + limit + " bytes)");
    }

    private static long length(JsonNode value) {
        if (value.isTextual()) {
            return value.textValue().length();
        }
        long length = 0;
        for (JsonNode part : value) {
            length += part.isTextual() ? part.textValue().length() : 0;
        }
        return length;
    }

    /** An error: the traceback without ANSI colours, else {@code ename: evalue}. */
    void error(JsonNode content) {
        StringBuilder traceback = new StringBuilder();
        for (JsonNode line : content.path("traceback")) {
            traceback.append(line.asText()).append('\n');
        }
        if (traceback.length() == 0) {
            traceback.append(content.path("ename").asText()).append(": ").append(content.path("evalue").asText());
        }
        sink.writeLine(Ansi.strip(traceback.toString().stripTrailing()));
    }

    /** A line of text of codebox's own (a notice). */
    public void notice(String line) {
        sink.writeLine(line);
    }

    /** The files saved so far, in order. */
    public List<Path> files() {
        return List.copyOf(files);
    }

    // Kernels may send a multi-line text as a JSON array of lines (nbformat style).
    private static String text(JsonNode value) {
        if (!value.isArray()) {
            return value.asText();
        }
        StringBuilder text = new StringBuilder();
        value.forEach(line -> text.append(line.asText()));
        return text.toString();
    }

    private Path save(String mime, String extension, JsonNode value) {
        byte[] bytes = mime.startsWith("image/") && !mime.equals("image/svg+xml")
                ? Base64.getMimeDecoder().decode(text(value))
                : text(value).getBytes(StandardCharsets.UTF_8);
        Path file = outputDir.resolve(UUID.randomUUID() + "." + extension);
        try {
            // The kernel's code can write the output dir: a new file only, never through a link it made.
            Files.write(file, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new CodeExecutorException(CodeExecutorException.Reason.WORK_DIR,
                    "cannot save " + mime + " output to " + file + ": " + e, e);
        }
        return file;
    }
}
