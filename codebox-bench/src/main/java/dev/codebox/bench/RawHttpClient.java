package dev.codebox.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * {@link RawMcpClient} over streamable HTTP: HTTP/1.1 on one kept-alive socket, written and read by
 * the calling thread, answers as JSON or as an SSE stream. Each message is one POST with the same
 * headers the SDK's client sends.
 */
final class RawHttpClient extends RawMcpClient {

    private final URI endpoint;
    private final String token;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private String sessionId;

    private RawHttpClient(URI endpoint, String token) throws IOException {
        this.endpoint = endpoint;
        this.token = token;
        this.socket = new Socket(endpoint.getHost(), endpoint.getPort());
        socket.setTcpNoDelay(true);
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects to {@code endpoint} (e.g. {@code http://127.0.0.1:PORT/mcp}) and completes the MCP initialisation. */
    static RawHttpClient connect(URI endpoint, String token) throws IOException {
        return initialized(new RawHttpClient(endpoint, token));
    }

    @Override
    JsonNode exchange(Map<String, Object> request, int id) throws IOException {
        Response response = post(request);
        if (response.contentType.startsWith("text/event-stream")) {
            for (String line : response.body.split("\n")) {
                if (line.startsWith("data:")) {
                    JsonNode message = JSON.readTree(line.substring(5).trim());
                    if (message.path("id").asInt(-1) == id) {
                        return message;
                    }
                }
            }
            throw new IOException("the stream ended without an answer to request " + id + ": " + response.body);
        }
        return JSON.readTree(response.body);
    }

    @Override
    void send(Map<String, Object> notification) throws IOException {
        post(notification);
    }

    private Response post(Map<String, Object> message) throws IOException {
        byte[] body = JSON.writeValueAsBytes(message);
        StringBuilder head = new StringBuilder()
                .append("POST ").append(endpoint.getRawPath()).append(" HTTP/1.1\r\n")
                .append("Host: ").append(endpoint.getHost()).append(':').append(endpoint.getPort()).append("\r\n")
                .append("Authorization: Bearer ").append(token).append("\r\n")
                .append("Content-Type: application/json\r\n")
                .append("Accept: application/json, text/event-stream\r\n")
                .append("Content-Length: ").append(body.length).append("\r\n");
        if (sessionId != null) {
            head.append("Mcp-Session-Id: ").append(sessionId).append("\r\n");
        }
        head.append("\r\n");
        out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        return read();
    }

    private Response read() throws IOException {
        String status = line();
        if (!status.startsWith("HTTP/1.1 2")) {
            throw new IOException("the server answered " + status);
        }
        int length = 0;
        boolean chunked = false;
        String contentType = "";
        for (String header = line(); !header.isEmpty(); header = line()) {
            int colon = header.indexOf(':');
            String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = header.substring(colon + 1).trim();
            switch (name) {
                case "content-length" -> length = Integer.parseInt(value);
                case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                case "content-type" -> contentType = value.toLowerCase(Locale.ROOT);
                case "mcp-session-id" -> sessionId = value;
                default -> { }
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (chunked) {
            for (int size = Integer.parseInt(line(), 16); size > 0; size = Integer.parseInt(line(), 16)) {
                body.write(in.readNBytes(size));
                line();
            }
            line();
        } else {
            body.write(in.readNBytes(length));
        }
        return new Response(contentType, body.toString(StandardCharsets.UTF_8));
    }

    private String line() throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new EOFException("the server closed the connection");
            }
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing a socket of a bench client: nothing to do
        }
    }

    private record Response(String contentType, String body) {
    }
}
