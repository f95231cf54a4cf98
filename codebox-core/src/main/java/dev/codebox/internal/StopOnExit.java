package dev.codebox.internal;

import dev.codebox.CodeExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops started executors when the JVM exits, so that processes, containers and kernels do not
 * outlive the program that started them. Executors register when they start and unregister when
 * they stop; one shutdown hook stops whatever is still registered, all in parallel.
 *
 * <p>Internal: exported only to codebox's own modules.
 */
public final class StopOnExit {

    private static final Logger LOG = LoggerFactory.getLogger(StopOnExit.class);
    private static final long HOOK_WAIT_MILLIS = 10_000;
    private static final Set<CodeExecutor> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(StopOnExit::stopAll, "codebox-stop-on-exit"));
    }

    private StopOnExit() {
    }

    /** Stops {@code executor} at JVM exit unless it unregisters first. */
    public static void register(CodeExecutor executor) {
        LIVE.add(executor);
    }

    /** Forgets {@code executor}. */
    public static void unregister(CodeExecutor executor) {
        LIVE.remove(executor);
    }

    private static void stopAll() {
        List<Thread> stoppers = new ArrayList<>();
        for (CodeExecutor executor : List.copyOf(LIVE)) {
            Thread stopper = new Thread(() -> {
                try {
                    executor.stop();
                } catch (RuntimeException e) {
                    LOG.warn("could not stop {} at exit", executor, e);
                }
            }, "codebox-stop-" + executor);
            stoppers.add(stopper);
            stopper.start();
        }
        long deadline = System.currentTimeMillis() + HOOK_WAIT_MILLIS;
        for (Thread stopper : stoppers) {
            try {
                stopper.join(Math.max(1, deadline - System.currentTimeMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
