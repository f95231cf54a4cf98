package dev.codebox.runner.internal;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The per-container secret that the JVM and the runner prove to each other (HMAC-SHA256 of a role
 * name) before any request, so that no other local user's connection is served and no other socket
 * is mistaken for the runner. It reaches the runner as the first line of its stdin, never in the
 * environment (a container's spec shows that through the API, and docker's init process, PID 1,
 * keeps it readable to the code) nor on a command line; {@link #toString()} does not show it.
 */
public final class RunnerSecret {

    /** The name in the line that carries the secret to the runner. */
    public static final String VARIABLE = "CODEBOX_RUNNER_SECRET";
    public static final String RUNNER = "codebox-runner";
    public static final String CLIENT = "codebox-client";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String hex;

    private RunnerSecret(String hex) {
        this.hex = hex;
    }

    public static RunnerSecret generate() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return new RunnerSecret(HexFormat.of().formatHex(bytes));
    }

    /**
     * {@code CODEBOX_RUNNER_SECRET=HEX\n}, the first line of a runner's stdin: sent once, to a runner
     * this JVM just started (on the stdio stream, before the first hello).
     */
    public byte[] firstLine() {
        return (VARIABLE + "=" + hex + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    public String proof(String role) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(hex.getBytes(StandardCharsets.US_ASCII), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(role.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }

    public boolean verifies(String role, String claimed) {
        return MessageDigest.isEqual(proof(role).getBytes(StandardCharsets.US_ASCII),
                claimed.getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public String toString() {
        return "RunnerSecret[hidden]";
    }
}
