package dev.codebox.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.CodeBlock;
import dev.codebox.CodeExecutor;
import dev.codebox.CodeResult;
import dev.codebox.markdown.CodeBlockExtractor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The scripts of {@code dev/codebox/local/equivalence/} (markdown files, each block run in turn on
 * one executor) and how results with and without a fork server must compare: identical exit codes
 * and output once the work dir's path and object addresses are masked, except the differences
 * docs/fork-server.md documents, asserted as documented.
 */
public final class ForkEquivalence {

    private static final String DIR = "/dev/codebox/local/equivalence/";
    private static final Pattern ADDRESS = Pattern.compile("0x[0-9a-f]{6,16}");
    /** Cases whose last block prints differently by design: without, then with the fork server. */
    private static final Map<String, List<String>> DOCUMENTED = Map.of(
            // One hash secret per interpreter: every forked block of a server shares the server's.
            "hash-seed", List.of("False True\n", "False False\n"));

    private ForkEquivalence() {
    }

    /** The case files, in order. */
    public static List<String> cases() {
        List<String> names = new ArrayList<>();
        for (String line : read("cases.txt").split("\n")) {
            if (!line.isBlank()) {
                names.add(line.strip());
            }
        }
        assertTrue(names.size() >= 40, "at least 40 cases: " + names.size());
        return names;
    }

    public static List<CodeBlock> blocks(String file) {
        return CodeBlockExtractor.extract(read(file));
    }

    /** Runs {@code blocks} in turn on {@code executor}: "exit N" and the output of each, masked. */
    public static List<String> run(CodeExecutor executor, List<CodeBlock> blocks, String workDir) {
        List<String> results = new ArrayList<>();
        for (CodeBlock block : blocks) {
            CodeResult result = executor.execute(block);
            String output = ADDRESS.matcher(result.output().replace(workDir, "<work>")).replaceAll("<address>");
            results.add("exit " + result.exitCode() + "\n" + output);
        }
        return results;
    }

    /** Asserts that {@code forked} is what {@code spawned} is, or differs only as documented. */
    public static void assertEquivalent(String file, List<String> spawned, List<String> forked) {
        String name = file.replaceAll("^\\d+-|\\.md$", "");
        List<String> documented = DOCUMENTED.get(name);
        if (name.equals("recursion-depth")) {
            // A forked block starts below two frames of the server, so it reaches the limit that much sooner.
            String[] plain = spawned.get(0).strip().split("\\s+");
            String[] fork = forked.get(0).strip().split("\\s+");
            assertEquals(plain[2], fork[2], "same recursion limit");
            int fewer = Integer.parseInt(plain[3]) - Integer.parseInt(fork[3]);
            assertTrue(fewer > 0 && fewer <= 3, spawned + " " + forked);
        } else if (documented == null) {
            assertEquals(spawned, forked, file);
        } else {
            assertEquals("exit 0\n" + documented.get(0), spawned.get(spawned.size() - 1), file + " without the fork server");
            assertEquals("exit 0\n" + documented.get(1), forked.get(forked.size() - 1), file + " with the fork server");
            assertNotEquals(spawned, forked);
        }
    }

    private static String read(String name) {
        try (InputStream in = ForkEquivalence.class.getResourceAsStream(DIR + name)) {
            if (in == null) {
                throw new IOException("missing test resource " + DIR + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
