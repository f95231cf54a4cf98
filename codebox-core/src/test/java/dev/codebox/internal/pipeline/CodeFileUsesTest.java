package dev.codebox.internal.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CodeFileUsesTest {

    private final CodeFileUses uses = new CodeFileUses();
    private final List<List<String>> deleted = Collections.synchronizedList(new ArrayList<>());

    @Test
    void aFileIsDeletedWhenItsLastUseEnds() {
        uses.begin("a.py");
        uses.begin("a.py");
        uses.begin("b.py");
        uses.end(List.of("a.py", "b.py"), deleted::add);
        assertEquals(List.of(List.of("b.py")), deleted);
        uses.end(List.of("a.py"), deleted::add);
        assertEquals(List.of(List.of("b.py"), List.of("a.py")), deleted);
    }

    @Test
    void twoUsesInOneEndCountTwice() {
        uses.begin("a.py");
        uses.begin("a.py");
        uses.end(List.of("a.py", "a.py"), deleted::add);
        assertEquals(List.of(List.of("a.py")), deleted);
    }

    @Test
    void nothingIsDeletedWithoutADeleter() {
        uses.begin("a.py");
        uses.end(List.of("a.py"), null);
        uses.begin("a.py");
        uses.end(List.of("a.py"), deleted::add);
        assertEquals(List.of(List.of("a.py")), deleted);
    }

    @Test
    void aUseThatBeginsDuringTheDeletionWaitsForIt() throws Exception {
        CountDownLatch finish = new CountDownLatch(1);
        CompletableFuture<Void> ending = endWithADeletionThatWaitsFor(finish);
        CompletableFuture<Void> beginning = CompletableFuture.runAsync(() -> uses.begin("a.py"));
        Thread.sleep(200);
        assertFalse(beginning.isDone(), "a use began while its file was being deleted");
        finish.countDown();
        beginning.get(10, TimeUnit.SECONDS);
        ending.get(10, TimeUnit.SECONDS);
        assertEquals(List.of(List.of("a.py")), deleted);
        // The new use holds the file: its end deletes it again, once.
        uses.end(List.of("a.py"), deleted::add);
        assertEquals(2, deleted.size());
    }

    @Test
    void aUseOfAnotherFileDoesNotWaitForTheDeletion() throws Exception {
        CountDownLatch finish = new CountDownLatch(1);
        CompletableFuture<Void> ending = endWithADeletionThatWaitsFor(finish);
        CompletableFuture.runAsync(() -> uses.begin("b.py")).get(10, TimeUnit.SECONDS);
        finish.countDown();
        ending.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aFailedDeletionStillLetsUsesBegin() throws Exception {
        uses.begin("a.py");
        CompletableFuture<Void> ending = CompletableFuture.runAsync(() -> uses.end(List.of("a.py"), names -> {
            throw new IllegalStateException("gone");
        }));
        assertTrue(ending.handle((ok, e) -> e).get(10, TimeUnit.SECONDS) != null);
        CompletableFuture.runAsync(() -> uses.begin("a.py")).get(10, TimeUnit.SECONDS);
    }

    /** Begins and ends a use of a.py whose deletion (recorded) is under way when this returns, and waits for {@code finish}. */
    private CompletableFuture<Void> endWithADeletionThatWaitsFor(CountDownLatch finish) throws InterruptedException {
        uses.begin("a.py");
        CountDownLatch deleting = new CountDownLatch(1);
        CompletableFuture<Void> ending = CompletableFuture.runAsync(() -> uses.end(List.of("a.py"), names -> {
            deleting.countDown();
            await(finish);
            deleted.add(names);
        }));
        assertTrue(deleting.await(10, TimeUnit.SECONDS));
        return ending;
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
