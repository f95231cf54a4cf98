package dev.codebox.jupyter.internal.protocol;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC-SHA256 signatures of message frames, as hex ({@code signature_scheme = hmac-sha256}). An
 * empty key disables signing, as the protocol allows. Thread-safe: one {@link Mac} per thread.
 */
public final class Signer {

    private static final String ALGORITHM = "HmacSHA256";
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private final SecretKeySpec key;
    private final ThreadLocal<Mac> macs;

    /** @param key the connection file's key; empty for no signatures */
    public Signer(String key) {
        this.key = key.isEmpty() ? null : new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), ALGORITHM);
        this.macs = ThreadLocal.withInitial(this::newMac);
    }

    /** The hex signature of the frames, in order; empty when signing is disabled. */
    public byte[] sign(byte[]... frames) {
        if (key == null) {
            return new byte[0];
        }
        Mac mac = macs.get();
        for (byte[] frame : frames) {
            mac.update(frame);
        }
        byte[] digest = mac.doFinal();
        byte[] hex = new byte[digest.length * 2];
        for (int i = 0; i < digest.length; i++) {
            hex[2 * i] = HEX[(digest[i] >> 4) & 0xf];
            hex[2 * i + 1] = HEX[digest[i] & 0xf];
        }
        return hex;
    }

    /** Whether {@code signature} is the signature of the frames (in constant time). */
    public boolean verify(byte[] signature, byte[]... frames) {
        return key == null || MessageDigest.isEqual(signature, sign(frames));
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available in this JVM", e);
        }
    }
}
