package dev.codebox.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.CodeBlock;
import dev.codebox.CodeResult;
import dev.codebox.testing.FilenameRace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Code in the container races the executor's writes: a background process (its own session, so it
 * outlives its block) exchanges a directory {@code d} and a symbolic link to a host directory in a
 * loop with {@code renameat2(RENAME_EXCHANGE)}, while blocks named {@code # filename: d/x.sh} are
 * written. The host writer used to follow the swapped link and write the code (and its temporary
 * files) outside the work dir; now every write happens inside the container and never through a
 * link, so the host directory stays empty whatever the timing.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class DockerWorkDirRaceTest {

    private static final int TRIES = 2000;
    private static final String SWAPPER = String.join("\n",
            "import ctypes, os, sys",
            "libc = ctypes.CDLL(None, use_errno=True)",
            "os.makedirs(sys.argv[1], exist_ok=True)  # the target exists inside the container too",
            "os.makedirs('d', exist_ok=True)",
            "os.symlink(sys.argv[1], 'l')",
            "open('swapping', 'w').close()",
            "while not os.path.exists('stop'):",
            "    libc.renameat2(-100, b'd', -100, b'l', 2)  # AT_FDCWD, RENAME_EXCHANGE",
            "");

    private DockerCommandLineExecutor executor;
    private Path outside;

    @AfterEach
    void stop() throws IOException {
        if (executor != null) {
            executor.stop();
        }
        if (outside != null) {
            try (Stream<Path> files = Files.list(outside)) {
                for (Path file : files.toList()) {
                    Files.delete(file);
                }
            }
            Files.delete(outside);
        }
    }

    @Test
    void aSwappedLinkNeverRedirectsAWriteOutOfTheWorkDir() throws Exception {
        outside = Files.createTempDirectory("codebox-race-outside-");
        executor = new DockerCommandLineExecutor(TestEngine.config().timeout(Duration.ofSeconds(20)).build());
        CodeResult started = executor.execute(new CodeBlock("sh", "cat > swapper.py <<'EOF'\n" + SWAPPER + "EOF\n"
                + "setsid python3 swapper.py '" + outside + "' >/dev/null 2>&1 < /dev/null &\n"
                + "while [ ! -e swapping ]; do sleep 0.01; done\necho swapping"));
        assertEquals(0, started.exitCode(), started.output());

        FilenameRace.Counts counts = FilenameRace.writeNamedBlocks(executor, TRIES, () -> false);
        executor.execute(new CodeBlock("sh", "touch stop"));

        try (Stream<Path> files = Files.list(outside)) {
            assertEquals(List.of(), files.toList(), "files written outside the work dir");
        }
        CodeResult inside = executor.execute(new CodeBlock("sh", "ls -A '" + outside + "' | wc -l"));
        assertEquals("0", inside.output().trim(), "the runner followed the link inside the container");
        assertEquals(TRIES, counts.written() + counts.refused());
        assertTrue(counts.raced(), "the race did not happen: " + counts);
    }
}
