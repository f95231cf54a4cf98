package dev.codebox.jupyter.internal.kernel;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codebox.jupyter.internal.protocol.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * What a kernel and its client share: loopback TCP ports for the five channels and the HMAC key.
 *
 * @param shellPort shell channel
 * @param iopubPort iopub channel
 * @param stdinPort stdin channel
 * @param controlPort control channel
 * @param heartbeatPort heartbeat
 * @param key the HMAC-SHA256 key, 64 random hex characters
 */
public record ConnectionInfo(int shellPort, int iopubPort, int stdinPort, int controlPort, int heartbeatPort, String key) {

    /** The ports; the key is a secret and never shown. */
    @Override
    public String toString() {
        return "ConnectionInfo[shell=" + shellPort + ", iopub=" + iopubPort + ", stdin=" + stdinPort + ", control="
                + controlPort + ", heartbeat=" + heartbeatPort + ", key=(hidden)]";
    }

    /** The kernel listens on loopback only. */
    public static final String IP = "127.0.0.1";

    private static final SecureRandom RANDOM = new SecureRandom();

    /** Five ports free at the moment and a new random key. */
    public static ConnectionInfo allocate() {
        ServerSocket[] sockets = new ServerSocket[5];
        try {
            for (int i = 0; i < sockets.length; i++) {
                sockets[i] = new ServerSocket(0, 1, InetAddress.getByName(IP));
            }
            byte[] key = new byte[32];
            RANDOM.nextBytes(key);
            return new ConnectionInfo(sockets[0].getLocalPort(), sockets[1].getLocalPort(), sockets[2].getLocalPort(),
                    sockets[3].getLocalPort(), sockets[4].getLocalPort(), HexFormat.of().formatHex(key));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find free ports for a kernel", e);
        } finally {
            for (ServerSocket socket : sockets) {
                if (socket != null) {
                    try {
                        socket.close();
                    } catch (IOException e) {
                        // Closing a listening socket that accepted nothing does not fail in practice.
                    }
                }
            }
        }
    }

    /** The ZeroMQ address of {@code port}. */
    public static String address(int port) {
        return "tcp://" + IP + ":" + port;
    }

    /** Writes the connection file, readable by the owner only. */
    public void write(Path file) {
        ObjectNode json = Json.object()
                .put("shell_port", shellPort)
                .put("iopub_port", iopubPort)
                .put("stdin_port", stdinPort)
                .put("control_port", controlPort)
                .put("hb_port", heartbeatPort)
                .put("ip", IP)
                .put("key", key)
                .put("transport", "tcp")
                .put("signature_scheme", "hmac-sha256")
                .put("kernel_name", "");
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            Files.write(file, Json.bytes(json));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the connection file " + file, e);
        }
    }
}
