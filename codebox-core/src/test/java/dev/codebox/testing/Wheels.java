package dev.codebox.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Builds a minimal pure-Python wheel, so tests can pip install without a package index. */
public final class Wheels {

    private Wheels() {
    }

    /** Writes {@code NAME-VERSION-py3-none-any.whl} into {@code dir} with module {@code NAME} holding {@code source}. */
    public static Path build(Path dir, String name, String version, String source) throws IOException {
        Files.createDirectories(dir);
        String info = name + "-" + version + ".dist-info/";
        Map<String, String> files = new LinkedHashMap<>();
        files.put(name + "/__init__.py", source);
        files.put(info + "METADATA", "Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\n");
        files.put(info + "WHEEL", "Wheel-Version: 1.0\nGenerator: codebox-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n");
        StringBuilder record = new StringBuilder();
        files.forEach((path, content) -> record.append(path).append(",sha256=").append(hash(content))
                .append(',').append(content.getBytes(StandardCharsets.UTF_8).length).append('\n'));
        record.append(info).append("RECORD,,\n");
        files.put(info + "RECORD", record.toString());
        Path wheel = dir.resolve(name + "-" + version + "-py3-none-any.whl");
        try (OutputStream out = Files.newOutputStream(wheel); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, String> file : files.entrySet()) {
                zip.putNextEntry(new ZipEntry(file.getKey()));
                zip.write(file.getValue().getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        }
        return wheel;
    }

    private static String hash(String content) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(content.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
