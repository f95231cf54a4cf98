package dev.codebox.mcp.internal;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * Lets a request through only with {@code Authorization: Bearer <token>} naming one of the server's
 * tokens, and names the client identity (which token) for the request; everything else gets 401
 * before it reaches the MCP transport. Tokens are compared as SHA-256 digests in constant time;
 * the identity is the token's position, so no token appears in memory beyond this filter or in logs.
 */
final class BearerAuthFilter implements Filter {

    /** The request attribute holding the client identity. */
    static final String PRINCIPAL_ATTRIBUTE = CodeTools.PRINCIPAL;

    private static final String PREFIX = "Bearer ";

    private final List<byte[]> digests = new ArrayList<>();
    private final boolean noAuth;

    /** A filter accepting {@code tokens}; with {@code noAuth}, every request as one anonymous client. */
    BearerAuthFilter(List<String> tokens, boolean noAuth) {
        for (String token : tokens) {
            digests.add(digest(token));
        }
        this.noAuth = noAuth;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest http = (HttpServletRequest) request;
        String principal = noAuth ? "anonymous" : principal(http.getHeader("Authorization"));
        if (principal == null) {
            HttpServletResponse denied = (HttpServletResponse) response;
            denied.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
            denied.setHeader("WWW-Authenticate", "Bearer realm=\"codebox\"");
            denied.setContentType("application/json");
            denied.getOutputStream().write("{\"error\":\"unauthorized\",\"error_description\":\"a valid bearer token is required\"}"
                    .getBytes(StandardCharsets.UTF_8));
            return;
        }
        http.setAttribute(PRINCIPAL_ATTRIBUTE, principal);
        // Cancellations are scoped to the client and its MCP session: see TrackingJsonMapper.
        TrackingJsonMapper.setScope(principal + '/' + http.getHeader("Mcp-Session-Id"));
        try {
            chain.doFilter(request, response);
        } finally {
            TrackingJsonMapper.clearScope();
        }
    }

    private String principal(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
            return null;
        }
        byte[] offered = digest(authorization.substring(PREFIX.length()).trim());
        String match = null;
        for (int i = 0; i < digests.size(); i++) {
            if (MessageDigest.isEqual(digests.get(i), offered) && match == null) {
                match = "token-" + (i + 1);
            }
        }
        return match;
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
