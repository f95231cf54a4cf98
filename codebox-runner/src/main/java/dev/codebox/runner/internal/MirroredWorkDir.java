package dev.codebox.runner.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codebox.CodeExecutorException.Reason;
import dev.codebox.CodeExecutorException;
import dev.codebox.internal.ByteSize;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The host mirror of a runner's work dir, copied into a new container or pod so that its files survive a restart. */
public final class MirroredWorkDir {

    private static final Logger LOG = LoggerFactory.getLogger(MirroredWorkDir.class);

    private MirroredWorkDir() {
    }

    /**
     * Copies the regular files of {@code workDir} (no link followed, codebox's temporary files left
     * out) through {@code connection} into the runner's work dir.
     *
     * @param limit the size of the runner's work dir, which the files must fit in
     * @param where "container NAME" or "pod NAME", for messages
     * @param timeout how long the copy may take before the connection is closed (a runner that
     *     stopped answering, in a paused container)
     * @throws CodeExecutorException ({@code WORK_DIR}) when the work dir cannot be read or does not
     *     fit, ({@code START_FAILED}) when the copy fails or takes longer than {@code timeout}
     */
    public static void copyIn(Path workDir, RunnerConnection connection, long limit, String where, Duration timeout) {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(workDir)) {
            files = walk.filter(file -> Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS))
                    .filter(file -> !file.getFileName().toString().startsWith(".codebox-"))
                    .sorted().collect(Collectors.toList());
        } catch (IOException | UncheckedIOException e) {
            throw new CodeExecutorException(Reason.WORK_DIR, "cannot read the work dir " + workDir + ": " + e.getMessage(), e);
        }
        try {
            long total = 0;
            for (Path file : files) {
                total += Files.size(file);
            }
            if (total > limit) {
                throw new CodeExecutorException(Reason.WORK_DIR, "the work dir " + workDir + " holds " + ByteSize.format(total)
                        + ", more than the work dir of " + where + " (" + ByteSize.format(limit) + ") can take");
            }
            try (CloseAtDeadline late = new CloseAtDeadline(ResidentRunner.TIMER, timeout.toMillis(), connection::close)) {
                try {
                    for (Path file : files) {
                        String relative = workDir.relativize(file).toString().replace(java.io.File.separatorChar, '/');
                        JsonNode reply = connection.writeFrom(file, relative, LinkOption.NOFOLLOW_LINKS);
                        if (reply.has("error")) {
                            throw new IOException(reply.path("error").asText());
                        }
                    }
                } catch (IOException e) {
                    throw late.passed() ? new IOException("not done within " + timeout.toMillis() + " ms", e) : e;
                }
            }
            if (!files.isEmpty()) {
                LOG.debug("copied {} files ({}) of {} into {}", files.size(), ByteSize.format(total), workDir, where);
            }
        } catch (IOException e) {
            throw new CodeExecutorException(Reason.START_FAILED, "cannot copy the work dir " + workDir + " into "
                    + where + ": " + e.getMessage(), e);
        }
    }
}
