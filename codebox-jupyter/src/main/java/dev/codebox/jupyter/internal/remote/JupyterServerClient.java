package dev.codebox.jupyter.internal.remote;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codebox.CodeExecutorException;
import dev.codebox.jupyter.internal.protocol.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * The REST API of a Jupyter Server or Kernel Gateway, and its kernel websockets, with the JDK's
 * HttpClient. Every request carries {@code Authorization: token <token>} when a token is set.
 */
public final class JupyterServerClient {

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    /** An interrupt is sent when a block's deadline has passed: it may add only about a second. */
    private static final Duration INTERRUPT_TIMEOUT = Duration.ofSeconds(1);
    /** Deleting a kernel happens at stop and after an ignored interrupt; a frozen server must not hold either. */
    private static final Duration DELETE_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration RESTART_TIMEOUT = Duration.ofSeconds(10);

    private final URI base;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    /** @param base the server's URL, e.g. {@code http://127.0.0.1:8888/} */
    public JupyterServerClient(URI base, String token) {
        this.base = base.toString().endsWith("/") ? base : URI.create(base + "/");
        this.token = token;
    }

    /** {@code GET /api/kernelspecs}: {@code {"default": ..., "kernelspecs": {name: {"spec": ...}}}}. */
    public JsonNode kernelSpecs() {
        return call("GET", "api/kernelspecs", null);
    }

    /** {@code POST /api/kernels}: starts a kernel and returns its id. */
    public String startKernel(String name) {
        return call("POST", "api/kernels", Json.object().put("name", name)).path("id").asText();
    }

    /** {@code POST /api/kernels/<id>/interrupt}. */
    public void interruptKernel(String id) {
        call("POST", "api/kernels/" + id + "/interrupt", Json.object(), INTERRUPT_TIMEOUT);
    }

    /**
     * {@code POST /api/kernels/<id>/restart}: the server restarts the kernel process under the same
     * id and answers once the new process runs.
     */
    public void restartKernel(String id) {
        call("POST", "api/kernels/" + id + "/restart", Json.object(), RESTART_TIMEOUT);
    }

    /** {@code DELETE /api/kernels/<id>}. */
    public void deleteKernel(String id) {
        call("DELETE", "api/kernels/" + id, null, DELETE_TIMEOUT);
    }

    /** Whether the server answers its API with the token, without waiting long. */
    public boolean ready() {
        try {
            HttpResponse<String> response = http.send(request("GET", "api/kernelspecs", null)
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Opens {@code /api/kernels/<id>/channels} as a websocket. */
    public WebSocket connect(String id, String session, WebSocket.Listener listener) {
        String http = base.resolve("api/kernels/" + id + "/channels?session_id=" + session).toString();
        URI uri = URI.create("ws" + http.substring("http".length()));
        WebSocket.Builder builder = this.http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        if (!token.isEmpty()) {
            builder.header("Authorization", "token " + token);
        }
        try {
            return builder.buildAsync(uri, listener).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CodeExecutorException(CodeExecutorException.Reason.INTERRUPTED, "interrupted while connecting to " + uri, e);
        } catch (Exception e) {
            Throwable cause = e instanceof CompletionException || e.getCause() != null ? e.getCause() : e;
            throw new CodeExecutorException(CodeExecutorException.Reason.ENGINE_UNREACHABLE, "cannot open the kernel websocket " + uri + ": " + cause, e);
        }
    }

    @Override
    public String toString() {
        return base.toString();
    }

    private JsonNode call(String method, String path, JsonNode body) {
        return call(method, path, body, REQUEST_TIMEOUT);
    }

    private JsonNode call(String method, String path, JsonNode body, Duration timeout) {
        HttpResponse<String> response;
        try {
            response = http.send(request(method, path, body).timeout(timeout).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new CodeExecutorException(CodeExecutorException.Reason.ENGINE_UNREACHABLE, "cannot reach the Jupyter server at " + base + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CodeExecutorException(CodeExecutorException.Reason.INTERRUPTED, "interrupted while calling the Jupyter server at " + base, e);
        }
        if (response.statusCode() >= 300) {
            String text = response.body();
            throw new CodeExecutorException(CodeExecutorException.Reason.ENGINE_UNREACHABLE, method + " " + base.resolve(path) + " failed with HTTP "
                    + response.statusCode() + (response.statusCode() == 403 ? " (wrong token?)" : "") + ": "
                    + (text.length() > 500 ? text.substring(0, 500) : text));
        }
        return response.body().isBlank() ? Json.object() : Json.parse(response.body());
    }

    private HttpRequest.Builder request(String method, String path, JsonNode body) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(base.resolve(path)).timeout(REQUEST_TIMEOUT)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(Json.text(body)));
        if (body != null) {
            builder.header("Content-Type", "application/json");
        }
        if (!token.isEmpty()) {
            builder.header("Authorization", "token " + token);
        }
        return builder;
    }
}
