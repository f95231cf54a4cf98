package dev.codebox.internal.pipeline;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The code files that the executions of one executor use, counted by name. Concurrent executions
 * of the same code share one file named by its content, deleted when the last of them ends. A use
 * that begins while that deletion is under way waits for it to finish: otherwise it would find the
 * file still there, not write it again, and lose it to the deletion before its run opens it.
 * Thread-safe.
 */
final class CodeFileUses {

    private final Map<String, Integer> uses = new HashMap<>();
    private final Map<String, CompletableFuture<Void>> deleting = new HashMap<>();

    /** Counts a use of {@code name}, first waiting for a deletion of it that is under way. */
    void begin(String name) {
        while (true) {
            CompletableFuture<Void> deletion;
            synchronized (this) {
                deletion = deleting.get(name);
                if (deletion == null) {
                    uses.merge(name, 1, Integer::sum);
                    return;
                }
            }
            deletion.join();
        }
    }

    /**
     * Ends one use of each of {@code names}; the names no execution uses any more go to
     * {@code delete} (when it is not null), and no use of them begins before it has returned.
     */
    void end(List<String> names, Consumer<List<String>> delete) {
        List<String> unused = new ArrayList<>();
        CompletableFuture<Void> deletion = new CompletableFuture<>();
        synchronized (this) {
            for (String name : names) {
                if (uses.merge(name, -1, Integer::sum) <= 0) {
                    uses.remove(name);
                    unused.add(name);
                    if (delete != null) {
                        deleting.put(name, deletion);
                    }
                }
            }
        }
        if (delete == null || unused.isEmpty()) {
            return;
        }
        try {
            delete.accept(unused);
        } finally {
            synchronized (this) {
                unused.forEach(name -> deleting.remove(name, deletion));
            }
            deletion.complete(null);
        }
    }
}
