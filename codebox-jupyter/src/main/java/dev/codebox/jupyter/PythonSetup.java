package dev.codebox.jupyter;

/**
 * Code run silently in every new Python kernel so that it behaves like a Python process: binary
 * writes to {@code sys.stdout.buffer} work (ipykernel's streams have no buffer; bytes are decoded as
 * UTF-8 with U+FFFD for invalid bytes), and {@code sys.exit(n)} does not add IPython's "To exit:
 * use 'exit'" warning to the output. IPython's history stays in memory ({@code In}, {@code Out} and
 * {@code _} work) instead of being written to the user's {@code ~/.ipython} database after every
 * cell, which also takes about a millisecond off each execution. ipykernel sends what code prints
 * in one message per flush interval, however large, so a block printing 300 MB would arrive as one
 * 300 MB message; the streams here are flushed whenever they hold more than 1 MiB, which keeps
 * every message, and so the executor's memory, small. Failures are ignored: a kernel without
 * IPython still works.
 */
final class PythonSetup {

    static final String CODE = """
            def __codebox_setup():
                import codecs, io, sys, warnings
                warnings.filterwarnings("ignore", message="To exit: use 'exit'")
                class Buffer(io.RawIOBase):
                    def __init__(self, stream):
                        self._stream = stream
                        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
                    def writable(self):
                        return True
                    def write(self, data):
                        self._stream.write(self._decoder.decode(bytes(data)))
                        return len(data)
                    def flush(self):
                        self._stream.flush()
                def flushing_at_one_mib(stream):
                    write = stream.write
                    lock = getattr(stream, "_buffer_lock", None)
                    def pending():
                        # The IO thread swaps and closes the buffer under this lock.
                        try:
                            if lock is None:
                                return stream._buffer.tell()
                            with lock:
                                return stream._buffer.tell()
                        except Exception:
                            return 0
                    def write_and_maybe_flush(text):
                        written = write(text)
                        if pending() > 1 << 20:
                            stream.flush()
                        return written
                    return write_and_maybe_flush
                for stream in (sys.stdout, sys.stderr):
                    try:
                        stream.write = flushing_at_one_mib(stream)
                    except Exception:
                        pass
                    if not hasattr(stream, "buffer"):
                        try:
                            stream.buffer = Buffer(stream)
                        except Exception:
                            pass
                try:
                    history = get_ipython().history_manager
                    history.enabled = False
                    if history.save_thread is not None:
                        history.save_thread.stop()
                except Exception:
                    pass
            try:
                __codebox_setup()
            finally:
                del __codebox_setup
            """;

    private PythonSetup() {
    }
}
