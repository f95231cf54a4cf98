package dev.codebox.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.CodeBlock;
import dev.codebox.CodeResult;
import dev.codebox.markdown.CodeBlockExtractor;
import dev.codebox.testing.TestPython;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs the scripts of {@code equivalence/} (markdown files, each block run in turn on one
 * executor) with and without the fork server, and requires the same exit codes and output,
 * once the work dir's path and object addresses are masked. The differences docs/fork-server.md
 * documents are asserted as documented.
 */
class ForkServerEquivalenceTest {

    private static final String DIR = "equivalence/";
    private static final Pattern ADDRESS = Pattern.compile("0x[0-9a-f]{6,16}");
    /** Cases whose results differ by design, with what each mode prints in its last block. */
    private static final Map<String, List<String>> DOCUMENTED = Map.of(
            // One hash secret per interpreter: every forked block of a server shares the server's.
            "hash-seed", List.of("False True\n", "False False\n"));

    @TestFactory
    Stream<DynamicTest> sameResultsWithAndWithoutTheForkServer() throws IOException {
        List<String> cases = cases();
        assertTrue(cases.size() >= 40, "at least 40 cases: " + cases.size());
        return cases.stream().map(name -> DynamicTest.dynamicTest(name, () -> compare(name)));
    }

    private void compare(String file) throws IOException {
        List<CodeBlock> blocks = CodeBlockExtractor.extract(read(DIR + file));
        List<String> spawned = run(blocks, false);
        List<String> forked = run(blocks, true);
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
            String last = "exit 0\n";
            assertEquals(last + documented.get(0), spawned.get(spawned.size() - 1), file + " without the fork server");
            assertEquals(last + documented.get(1), forked.get(forked.size() - 1), file + " with the fork server");
            assertNotEquals(spawned, forked);
        }
    }

    private static List<String> run(List<CodeBlock> blocks, boolean forkServer) {
        List<String> results = new ArrayList<>();
        LocalExecutorConfig config = LocalExecutorConfig.builder().python(TestPython.path()).pythonForkServer(forkServer).build();
        try (LocalCommandLineExecutor executor = new LocalCommandLineExecutor(config)) {
            executor.start();
            String workDir = executor.workDir().toString();
            for (CodeBlock block : blocks) {
                CodeResult result = executor.execute(block);
                String output = ADDRESS.matcher(result.output().replace(workDir, "<work>")).replaceAll("<address>");
                results.add("exit " + result.exitCode() + "\n" + output);
            }
        }
        return results;
    }

    private static List<String> cases() throws IOException {
        List<String> names = new ArrayList<>();
        for (String line : read(DIR + "cases.txt").split("\n")) {
            if (!line.isBlank()) {
                names.add(line.strip());
            }
        }
        return names;
    }

    private static String read(String resource) throws IOException {
        try (InputStream in = ForkServerEquivalenceTest.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("missing test resource " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
