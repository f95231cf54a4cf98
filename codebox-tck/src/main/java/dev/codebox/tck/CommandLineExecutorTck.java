package dev.codebox.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.CodeBlock;
import dev.codebox.CodeExecutor;
import dev.codebox.CodeResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The kit for command-line backends, whose blocks become code files in a work dir: everything of
 * {@link CodeExecutorTck}, plus {@code # filename:}, file names that lead out of the work dir (also
 * through a link the code made), content-hash names and the languages that are saved, not run.
 */
public abstract class CommandLineExecutorTck extends CodeExecutorTck {

    @Test
    void filenameCommentNamesTheCodeFile() {
        CodeResult result = executor().execute(CodeBlock.python("# filename: sub/named.py\nprint(__file__)"));
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().trim().endsWith("sub/named.py"), result.output());
        assertEquals(1, result.codeFiles().size());
        assertTrue(result.codeFiles().get(0).endsWith("sub/named.py"), result.codeFiles().toString());
    }

    @Test
    void filenameOutsideTheWorkDirIsRefused() {
        for (String name : List.of("../escape.py", "/tmp/escape.py", "a/../../escape.py")) {
            CodeResult result = executor().execute(CodeBlock.python("# filename: " + name + "\nprint('ran')"));
            assertEquals(1, result.exitCode(), name);
            assertTrue(result.output().contains("Filename is not in the workspace"), result.output());
            assertFalse(result.output().contains("ran"), result.output());
            assertTrue(result.codeFiles().isEmpty());
        }
    }

    @Test
    void filenameThroughALinkTheCodeMadeIsRefused() throws Exception {
        Path outside = Files.createTempDirectory("codebox-outside-");
        try {
            CodeExecutor executor = executor();
            CodeResult linked = executor.execute(CodeBlock.python(
                    "import os\nos.symlink(" + pythonString(outside.toString()) + ", 'link')\n"
                    + "os.makedirs('real', exist_ok=True)\nos.symlink('real', 'inner')\n"
                    // what a run that went ahead despite the refused write would find behind the link
                    + "open('real/x.py', 'w').write('print(\"planted\")')"));
            assertEquals(0, linked.exitCode(), linked.output());
            for (String name : List.of("link/x.py", "link/sub/x.py", "inner/x.py")) {
                CodeResult result = executor.execute(CodeBlock.python("# filename: " + name + "\nprint('ran')"));
                assertEquals(1, result.exitCode(), name + ": " + result.output());
                assertTrue(result.output().contains("Filename is not in the workspace"), result.output());
                assertFalse(result.output().contains("ran") || result.output().contains("planted"), result.output());
            }
            try (Stream<Path> written = Files.list(outside)) {
                assertEquals(List.of(), written.toList());
            }
        } finally {
            try (Stream<Path> written = Files.list(outside)) {
                for (Path file : written.toList()) {
                    Files.delete(file);
                }
            }
            Files.delete(outside);
        }
    }

    @Test
    void aLinkTheCodeLeftAtACodeFileNameIsReplacedNotFollowed() throws Exception {
        Path outside = Files.createTempDirectory("codebox-outside-");
        Path target = outside.resolve("target.py");
        try {
            Files.writeString(target, "print('outside')\n");
            CodeExecutor executor = executor();
            CodeResult linked = executor.execute(CodeBlock.python(
                    "import os\nos.symlink(" + pythonString(target.toString()) + ", 'existing.py')\n"
                    + "os.symlink(" + pythonString(outside.resolve("dangling.py").toString()) + ", 'dangling.py')"));
            assertEquals(0, linked.exitCode(), linked.output());
            for (String name : List.of("existing.py", "dangling.py")) {
                CodeResult result = executor.execute(CodeBlock.python(
                        "# filename: " + name + "\nimport os\nprint('ran', os.path.islink('" + name + "'))"));
                assertEquals(0, result.exitCode(), name + ": " + result.output());
                assertEquals("ran False\n", result.output(), name);
            }
            assertEquals("print('outside')\n", Files.readString(target));
            try (Stream<Path> written = Files.list(outside)) {
                assertEquals(List.of(target), written.toList());
            }
        } finally {
            try (Stream<Path> written = Files.list(outside)) {
                for (Path file : written.toList()) {
                    Files.delete(file);
                }
            }
            Files.delete(outside);
        }
    }

    @Test
    void javascriptAndHtmlBlocksAreSavedNotRun() {
        CodeResult result = executor().execute(List.of(
                new CodeBlock("javascript", "console.log('must not run')"),
                new CodeBlock("html", "<p>hi</p>"),
                CodeBlock.python("import glob\nprint(len(glob.glob('tmp_code_*.js')), len(glob.glob('tmp_code_*.html')))")));
        assertEquals(0, result.exitCode(), result.output());
        assertFalse(result.output().contains("must not run"), result.output());
        assertTrue(result.output().matches("(?s).*Code saved to tmp_code_[0-9a-f]{64}\\.js \\(javascript blocks are saved, not run\\).*"),
                result.output());
        assertTrue(result.output().matches("(?s).*Code saved to tmp_code_[0-9a-f]{64}\\.html \\(html blocks.*"), result.output());
        assertTrue(result.output().contains("\n1 1\n"), result.output());
        assertTrue(result.outputFiles().stream().anyMatch(file -> file.toString().endsWith(".js")), result.outputFiles().toString());
        assertTrue(result.outputFiles().stream().anyMatch(file -> file.toString().endsWith(".html")), result.outputFiles().toString());
    }

    private static String pythonString(String text) {
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    @Test
    void filesABlockWritesAreItsOutputFilesAndItsCodeFileIsNot() {
        CodeExecutor executor = executor();
        for (int i = 0; i < 10; i++) {
            // Written first thing: the listing taken before the block must not see it (the listing
            // and the run may go to the runner together).
            CodeResult result = executor.execute(CodeBlock.python("open('out" + i + ".txt', 'w').write('x' * " + (i + 1) + ")"));
            assertEquals(0, result.exitCode(), result.output());
            assertEquals(List.of("out" + i + ".txt"),
                    result.outputFiles().stream().map(file -> file.getFileName().toString()).toList());
        }
        CodeResult changed = executor.execute(CodeBlock.python("open('out0.txt', 'w').write('changed')"));
        assertEquals(List.of("out0.txt"), changed.outputFiles().stream().map(file -> file.getFileName().toString()).toList());
        CodeResult none = executor.execute(CodeBlock.python("print(open('out0.txt').read())"));
        assertEquals("changed\n", none.output());
        assertEquals(List.of(), none.outputFiles());
    }

    @Test
    void outputFilesAreWhatEveryBlockThatRanWroteWhicheverBlockEndsTheExecution() {
        CodeExecutor executor = executor();
        CodeResult failed = executor.execute(List.of(
                CodeBlock.python("open('first.txt', 'w').write('1')\nraise SystemExit(3)"),
                CodeBlock.python("open('never.txt', 'w').write('2')")));
        assertEquals(3, failed.exitCode(), failed.output());
        assertEquals(List.of("first.txt"), names(failed.outputFiles()));
        CodeResult both = executor.execute(List.of(
                CodeBlock.python("open('a.txt', 'w').write('1')"),
                CodeBlock.bash("echo 2 > b.txt")));
        assertEquals(0, both.exitCode(), both.output());
        assertEquals(List.of("a.txt", "b.txt"), names(both.outputFiles()));
    }

    private static List<String> names(List<Path> files) {
        return files.stream().map(file -> file.getFileName().toString()).sorted().toList();
    }

    @Test
    void codeFilesAreNamedByContentHash() {
        CodeResult result = executor().execute(CodeBlock.python("print('hash me')"));
        assertEquals(0, result.exitCode());
        String name = result.codeFiles().get(0).getFileName().toString();
        assertTrue(name.matches("tmp_code_[0-9a-f]{64}\\.py"), name);
    }

    /**
     * Executions of the same code at once share one content-named file: the one that ends last
     * deletes it (when the backend deletes code files), and none deletes it under another's run.
     */
    @Test
    void concurrentExecutionsOfTheSameCodeEachRunIt() throws Exception {
        CodeExecutor executor = executor();
        executor.start();
        int threads = 8;
        int rounds = 20;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<CodeResult>>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    List<CodeResult> results = new ArrayList<>();
                    for (int i = 0; i < rounds; i++) {
                        results.add(executor.execute(CodeBlock.python("print('same')")));
                    }
                    return results;
                }));
            }
            for (Future<List<CodeResult>> future : futures) {
                for (CodeResult result : future.get(120, TimeUnit.SECONDS)) {
                    assertEquals(0, result.exitCode(), result.output());
                    assertEquals("same\n", result.output());
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
