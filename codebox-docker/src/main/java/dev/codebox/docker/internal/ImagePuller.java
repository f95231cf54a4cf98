package dev.codebox.docker.internal;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.PullResponseItem;
import com.github.dockerjava.api.model.ResponseItem;
import dev.codebox.CodeExecutorException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure an image is present, pulling it when it is not. Pull progress is logged at INFO: each
 * layer's status changes, and at most every two seconds the layers done and the bytes downloaded.
 */
final class ImagePuller {

    private static final Logger LOG = LoggerFactory.getLogger(ImagePuller.class);
    private static final long PROGRESS_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final long PULL_TIMEOUT_MINUTES = 30;

    private ImagePuller() {
    }

    /**
     * Pulls {@code image} unless the engine has it.
     *
     * @throws CodeExecutorException when it cannot be pulled, with the engine's reason
     */
    static void ensurePresent(DockerClient client, String image) {
        try {
            client.inspectImageCmd(image).exec();
            return;
        } catch (NotFoundException e) {
            LOG.info("image {} is not present; pulling it", image);
        }
        Progress progress = new Progress(image);
        try {
            boolean finished = client.pullImageCmd(repository(image)).withTag(tag(image))
                    .exec(progress).awaitCompletion(PULL_TIMEOUT_MINUTES, TimeUnit.MINUTES);
            if (!finished) {
                throw new CodeExecutorException(CodeExecutorException.Reason.IMAGE_UNAVAILABLE, "pulling image " + image + " took more than " + PULL_TIMEOUT_MINUTES + " minutes");
            }
            if (progress.error() != null) {
                throw new IllegalStateException(progress.error());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CodeExecutorException(CodeExecutorException.Reason.INTERRUPTED, "interrupted while pulling image " + image, e);
        } catch (CodeExecutorException e) {
            throw e;
        } catch (RuntimeException e) { // the engine's refusal, or the error it reported in the stream
            throw new CodeExecutorException(CodeExecutorException.Reason.IMAGE_UNAVAILABLE, "cannot pull image " + image + ": " + DockerEngine.rootMessage(e).trim()
                    + ". Check the name, the registry's reachability and credentials, or build or load the image"
                    + " locally (docker build / docker load; see docs/docker.md for codebox/python:3).", e);
        }
        LOG.info("pulled image {}: {}", image, progress.summary());
    }

    /** The image without its tag: {@code python} for {@code python:3-slim}; digests are kept whole. */
    static String repository(String image) {
        if (image.contains("@")) {
            return image;
        }
        int colon = image.lastIndexOf(':');
        return colon > image.lastIndexOf('/') ? image.substring(0, colon) : image;
    }

    /** The tag: {@code 3-slim} for {@code python:3-slim}, {@code latest} when none, null for a digest. */
    static String tag(String image) {
        if (image.contains("@")) {
            return null;
        }
        int colon = image.lastIndexOf(':');
        return colon > image.lastIndexOf('/') ? image.substring(colon + 1) : "latest";
    }

    /** Logs layer status changes and byte counts as the engine reports them. */
    private static final class Progress extends ResultCallback.Adapter<PullResponseItem> {
        private final String image;
        private final Map<String, String> statusByLayer = new LinkedHashMap<>();
        private final Map<String, long[]> bytesByLayer = new LinkedHashMap<>();
        private long lastReport = System.nanoTime();
        private String error;

        Progress(String image) {
            this.image = image;
        }

        @Override
        public synchronized void onNext(PullResponseItem item) {
            if (item.getErrorDetail() != null) {
                if (error == null) {
                    error = String.valueOf(item.getErrorDetail().getMessage());
                }
                return;
            }
            String layer = item.getId();
            String status = item.getStatus();
            if (layer == null || status == null) {
                if (status != null) {
                    LOG.info("pulling {}: {}", image, status);
                }
                return;
            }
            if (!status.equals(statusByLayer.put(layer, status))) {
                LOG.info("pulling {}: layer {} {}", image, layer, status);
            }
            ResponseItem.ProgressDetail detail = item.getProgressDetail();
            if (detail != null && detail.getTotal() != null && detail.getCurrent() != null && status.startsWith("Downloading")) {
                bytesByLayer.put(layer, new long[] {detail.getCurrent(), detail.getTotal()});
            }
            if (System.nanoTime() - lastReport > PROGRESS_INTERVAL_NANOS) {
                lastReport = System.nanoTime();
                LOG.info("pulling {}: {}", image, summary());
            }
        }

        /** Keeps the engine's refusal for {@link #error()} (the default would log it with a stack trace). */
        @Override
        public void onError(Throwable throwable) {
            synchronized (this) {
                if (error == null) {
                    error = DockerEngine.rootMessage(throwable);
                }
            }
            onComplete();
        }

        synchronized String error() {
            return error;
        }

        synchronized String summary() {
            long done = statusByLayer.values().stream().filter(s -> s.equals("Pull complete") || s.equals("Already exists")).count();
            long current = bytesByLayer.values().stream().mapToLong(b -> b[0]).sum();
            long total = bytesByLayer.values().stream().mapToLong(b -> b[1]).sum();
            return done + " of " + statusByLayer.size() + " layers done, " + (current >> 20) + " of " + (total >> 20) + " MiB downloaded";
        }
    }
}
