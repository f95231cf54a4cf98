package dev.codebox.testing;

import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Assumptions;

/**
 * What tests do when something they need (a Docker engine, an image, a kernel) is missing: skip with
 * a message on a developer's machine, but fail with {@code CI=true}, where everything must run.
 */
public final class TestEnvironment {

    private TestEnvironment() {
    }

    /** Whether this run is CI's ({@code CI=true}). */
    public static boolean isCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Fails (under CI) or skips the calling test because {@code what} is unavailable. */
    public static void unavailable(String what, Throwable cause) {
        if (isCi()) {
            fail(what, cause);
        }
        Assumptions.abort(what);
    }

    /** Does nothing when {@code available}; else fails (under CI) or skips the calling test. */
    public static void require(boolean available, String what) {
        if (!available) {
            unavailable(what, null);
        }
    }
}
