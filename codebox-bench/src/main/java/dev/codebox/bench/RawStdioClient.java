package dev.codebox.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** {@link RawMcpClient} over the stdio of a server it starts: one line out, lines in until the answer. */
final class RawStdioClient extends RawMcpClient {

    private final Process process;
    private final BufferedReader in;
    private final OutputStream out;

    private RawStdioClient(Process process) {
        this.process = process;
        this.in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.out = process.getOutputStream();
    }

    /** Starts the server with {@code command} and completes the MCP initialisation. */
    static RawStdioClient start(List<String> command) throws IOException {
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        return initialized(new RawStdioClient(process));
    }

    @Override
    JsonNode exchange(Map<String, Object> request, int id) throws IOException {
        send(request);
        while (true) {
            String line = in.readLine();
            if (line == null) {
                throw new IOException("the server closed its stdout");
            }
            JsonNode answer = JSON.readTree(line);
            if (answer.path("id").asInt(-1) == id) {
                return answer;
            }
        }
    }

    @Override
    void send(Map<String, Object> message) throws IOException {
        out.write((JSON.writeValueAsString(message) + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
    /** Closes the server's stdin (its signal to end) and waits a little for it to exit. */
    @Override
    public void close() {
        try {
            out.close();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
