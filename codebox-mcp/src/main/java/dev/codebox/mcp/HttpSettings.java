package dev.codebox.mcp;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Where and how {@link CodeboxMcpServer#serveHttp} listens. Immutable; build with {@link #builder()}.
 *
 * <p>Defaults: bind {@value #DEFAULT_BIND}, port {@value #DEFAULT_PORT}, endpoint {@code /mcp}, and a
 * bearer token required on every request. Browsers' cross-origin requests are refused unless their
 * {@code Origin} is a loopback origin or one of {@link Builder#allowedOrigin(String)}; the
 * {@code Host} header must name the bound address, a loopback name or an allowed host (protection
 * against DNS rebinding).
 */
public final class HttpSettings {

    /** The default bind address: loopback only. */
    public static final String DEFAULT_BIND = "127.0.0.1";
    /** The default port. */
    public static final int DEFAULT_PORT = 8808;
    /** The path of the streamable HTTP endpoint. */
    public static final String ENDPOINT = "/mcp";

    private final String bind;
    private final int port;
    private final List<String> tokens;
    private final boolean noAuth;
    private final List<String> allowedOrigins;
    private final List<String> allowedHosts;

    private HttpSettings(Builder builder) {
        this.bind = builder.bind;
        this.port = builder.port;
        this.tokens = List.copyOf(builder.tokens);
        this.noAuth = builder.noAuth;
        this.allowedOrigins = List.copyOf(builder.allowedOrigins);
        this.allowedHosts = List.copyOf(builder.allowedHosts);
    }

    public static Builder builder() {
        return new Builder();
    }

    public String bind() {
        return bind;
    }

    public int port() {
        return port;
    }

    /** The accepted bearer tokens; empty only with {@link #noAuth()}. */
    public List<String> tokens() {
        return tokens;
    }

    public boolean noAuth() {
        return noAuth;
    }

    public List<String> allowedOrigins() {
        return allowedOrigins;
    }

    public List<String> allowedHosts() {
        return allowedHosts;
    }

    /** Whether {@link #bind()} is a loopback address. */
    public boolean loopback() {
        return isLoopback(bind);
    }

    private static boolean isLoopback(String address) {
        try {
            return InetAddress.getByName(address).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        // The tokens are secrets: their number only.
        return "HttpSettings[bind=" + bind + ", port=" + port + ", tokens=" + tokens.size() + ", noAuth=" + noAuth
                + ", allowedOrigins=" + allowedOrigins + ", allowedHosts=" + allowedHosts + "]";
    }

    /** Builds {@link HttpSettings}. */
    public static final class Builder {
        private String bind = DEFAULT_BIND;
        private int port = DEFAULT_PORT;
        private final List<String> tokens = new ArrayList<>();
        private boolean noAuth;
        private final List<String> allowedOrigins = new ArrayList<>();
        private final List<String> allowedHosts = new ArrayList<>();

        private Builder() {
        }

        /** Address to listen on (default {@value #DEFAULT_BIND}). */
        public Builder bind(String bind) {
            this.bind = Objects.requireNonNull(bind, "bind");
            return this;
        }

        /** Port to listen on, 0 for any free port (default {@value #DEFAULT_PORT}). */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0..65535, not " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * Accepts {@code Authorization: Bearer token}. Several tokens may be added; a session
         * belongs to the token that created it.
         *
         * @throws IllegalArgumentException when the token is shorter than 16 characters or holds
         *     whitespace or control characters
         */
        public Builder token(String token) {
            Objects.requireNonNull(token, "token");
            if (token.length() < 16 || token.chars().anyMatch(c -> c <= ' ' || c == 127)
                    || token.getBytes(StandardCharsets.UTF_8).length != token.length()) {
                throw new IllegalArgumentException("a token must be at least 16 printable ASCII characters without spaces");
            }
            tokens.add(token);
            return this;
        }

        /**
         * Serves without authentication (default false): every client shares one identity. Only
         * allowed on a loopback bind address; meant for test clients that cannot send a token.
         */
        public Builder noAuth(boolean noAuth) {
            this.noAuth = noAuth;
            return this;
        }

        /** Also accepts requests whose {@code Origin} is this origin (e.g. {@code https://app.example}; {@code :*} for any port). */
        public Builder allowedOrigin(String origin) {
            allowedOrigins.add(Objects.requireNonNull(origin, "origin"));
            return this;
        }

        /** Also accepts this {@code Host} header value (e.g. {@code mcp.internal:8808}; {@code :*} for any port). */
        public Builder allowedHost(String host) {
            allowedHosts.add(Objects.requireNonNull(host, "host"));
            return this;
        }

        /**
         * @throws IllegalArgumentException when there is no token and {@code noAuth} is not set, when
         *     {@code noAuth} is set with tokens, or with a bind address that is not loopback
         */
        public HttpSettings build() {
            if (noAuth && !tokens.isEmpty()) {
                throw new IllegalArgumentException("noAuth and tokens exclude each other");
            }
            if (!noAuth && tokens.isEmpty()) {
                throw new IllegalArgumentException("HTTP needs at least one bearer token (or noAuth on loopback)");
            }
            if (noAuth && !isLoopback(bind)) {
                throw new IllegalArgumentException("noAuth is only allowed on a loopback address, not " + bind);
            }
            return new HttpSettings(this);
        }
    }
}
