package dev.codebox.jupyter;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.codebox.internal.Resources;
import dev.codebox.jupyter.internal.protocol.Json;
import java.util.Optional;

/**
 * Code run silently in every new Python kernel so that it behaves like a Python process: binary
 * writes to {@code sys.stdout.buffer} work (ipykernel's streams have no buffer; bytes are decoded as
 * UTF-8 with U+FFFD for invalid bytes), and {@code sys.exit(n)} does not add IPython's "To exit:
 * use 'exit'" warning to the output. IPython's history stays in memory ({@code In}, {@code Out} and
 * {@code _} work) instead of being written to the user's {@code ~/.ipython} database after every
 * cell, which also takes about a millisecond off each execution. ipykernel sends what code prints
 * in one message per flush interval, however large, so a block printing 300 MB would arrive as one
 * 300 MB message; the streams here are flushed whenever they hold more than 1 MiB, which keeps
 * every message, and so the executor's memory, small. What subprocesses and C code write to file
 * descriptors 1 and 2 is copied into the streams before each flush, so it arrives with the
 * execution that wrote it (ipykernel copies it in a thread of its own, which the end of an
 * execution could overtake: the output came with the next execution or never).
 *
 * <p>It also takes thread switches off ipykernel's path, which halves the round trip of a small
 * cell: iopub messages and stream flushes are sent by the thread that makes them, under one lock,
 * instead of being handed to ipykernel's IO thread and waited for; the half-millisecond sleep after
 * each execution and the wake-up of the control thread before each request are skipped. Messages
 * and output reach the client in the same order as before. The changes are applied only where
 * ipykernel has the internals they rely on; failures are ignored, so a kernel without IPython or
 * with another ipykernel still works, only slower. A set-up that raises makes the kernel's start
 * fail with the error.
 *
 * <p>A second set-up, {@link #displayLimit}, bounds display data: a value larger than
 * {@value #SAVED_ABOVE_BYTES} bytes (a 50 MB plot) is written to the output dir by the kernel itself
 * and the message only names the file, so it never passes through the executor's memory; where the
 * kernel cannot write the output dir (a remote server), values above {@value #DROPPED_ABOVE_BYTES}
 * bytes are dropped with a line saying so.
 */
final class PythonSetup {

    static final String CODE = Resources.read(PythonSetup.class, "python_setup.py");

    /** A display value larger than this is saved to a file by the kernel, when it can write the output dir. */
    static final long SAVED_ABOVE_BYTES = 1 << 20;
    /** A display value larger than this is dropped when the kernel cannot write the output dir. */
    static final long DROPPED_ABOVE_BYTES = 16 << 20;
    private static final String DISPLAY_LIMIT = Resources.read(PythonSetup.class, "display_limit.py");

    /** {@code display_limit.py} for a kernel that sees the output dir as {@code outputDir} (or not at all). */
    static String displayLimit(Optional<String> outputDir) {
        return DISPLAY_LIMIT
                .replace("OUTPUT_DIR = None  # codebox: the output dir",
                        "OUTPUT_DIR = " + outputDir.map(dir -> Json.text(TextNode.valueOf(dir))).orElse("None"))
                .replace("LIMIT = 1 << 20    # codebox: the limit in bytes",
                        "LIMIT = " + (outputDir.isPresent() ? SAVED_ABOVE_BYTES : DROPPED_ABOVE_BYTES));
    }

    private PythonSetup() {
    }
}
