package dev.codebox.kubernetes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The YAML examples of docs/kubernetes.md, which tests apply to the cluster as the page shows them. */
final class KubernetesDoc {

    static final Path PAGE = Path.of("..", "docs", "kubernetes.md");

    private KubernetesDoc() {
    }

    /** The page's first YAML block that declares {@code kind}. */
    static String yamlOf(String kind) {
        String page;
        try {
            page = Files.readString(PAGE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Matcher blocks = Pattern.compile("```yaml\\n(.*?)```", Pattern.DOTALL).matcher(page);
        while (blocks.find()) {
            if (blocks.group(1).contains("kind: " + kind + "\n")) {
                return blocks.group(1);
            }
        }
        throw new AssertionError("no " + kind + " in " + PAGE);
    }
}
