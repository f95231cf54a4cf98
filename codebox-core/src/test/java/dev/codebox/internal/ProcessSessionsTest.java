package dev.codebox.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ProcessSessionsTest {

    @Test
    void killsEachSessionsLeaderBeforeItsOtherMembers() {
        // Pids in the order /proc or a hash map may list them: children before their leaders.
        List<Long> order = ProcessSessions.killOrder(List.of(31L, 16L, 40L, 15L, 39L), Set.of(15L, 39L));

        assertEquals(List.of(15L, 39L, 31L, 16L, 40L), order);
    }
}
