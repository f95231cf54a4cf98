package dev.codebox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CancellationTokenTest {

    @Test
    void runsCallbacksOnceAndAtOnceWhenAlreadyCancelled() {
        CancellationToken token = new CancellationToken();
        AtomicInteger calls = new AtomicInteger();
        token.onCancel(calls::incrementAndGet);
        CancellationToken.Registration removed = token.onCancel(calls::incrementAndGet);
        removed.close();
        token.cancel();
        token.cancel();
        assertEquals(1, calls.get());
        assertTrue(token.isCancelled());
        token.onCancel(calls::incrementAndGet);
        assertEquals(2, calls.get());
    }

    @Test
    void cancelFromAnotherThreadIsSeen() throws Exception {
        CancellationToken token = new CancellationToken();
        Thread other = new Thread(token::cancel);
        other.start();
        other.join();
        assertTrue(token.isCancelled());
    }
}
