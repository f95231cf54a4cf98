package dev.codebox.runner.internal;

import java.util.ArrayList;
import java.util.List;

/** Actions run once when a host closes: {@link RunnerHost#whenClosed} for its implementations. */
public final class CloseActions {

    private final List<Runnable> actions = new ArrayList<>();
    private boolean ran;

    /** Adds {@code action}, or runs it at once when the actions already ran. */
    public void add(Runnable action) {
        synchronized (this) {
            if (!ran) {
                actions.add(action);
                return;
            }
        }
        action.run();
    }

    /** Runs the actions, once; later calls do nothing. */
    public void run() {
        List<Runnable> due;
        synchronized (this) {
            if (ran) {
                return;
            }
            ran = true;
            due = List.copyOf(actions);
            actions.clear();
        }
        due.forEach(Runnable::run);
    }
}
