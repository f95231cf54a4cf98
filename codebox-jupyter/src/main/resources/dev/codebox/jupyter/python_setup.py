# codebox's silent set-up of every new Python kernel: see PythonSetup.java for what it does and why.
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
            if not isinstance(text, str) or len(text) <= 1 << 20:
                written = write(text)
                if pending() > 1 << 20:
                    stream.flush()
                return written
            # One huge write would be one huge message, which the executor refuses: send slices.
            written = 0
            for start in range(0, len(text), 1 << 20):
                written += write(text[start:start + (1 << 20)])
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
    def tune_ipykernel(kernel):
        import os, threading
        # ipykernel sleeps half a millisecond after every execution, "to mitigate" flushes
        # lost in its IO thread; with the direct sends below nothing goes through that thread.
        if isinstance(getattr(kernel, "_execute_sleep", None), float):
            kernel._execute_sleep = 0.0
        # Before every shell message ipykernel wakes its control thread to flush the control
        # channel, without waiting for it: the thread switch costs more than the execution of
        # a small cell. Control messages are still handled by the control thread.
        if getattr(kernel, "control_thread", None) is not None and hasattr(kernel, "_flush_control_queue"):
            async def no_control_flush():
                return None
            kernel._flush_control_queue = no_control_flush
        # ipykernel hands every iopub message to its IO thread and waits for that thread on
        # every flush (four per execution). Here the thread that produces a message sends it,
        # under one lock; a stream flush takes its buffer and sends it under the same lock, so
        # no message overtakes output written before it.
        iopub = getattr(sys.stdout, "pub_thread", None)
        streams = (sys.stdout, sys.stderr)
        if iopub is None or not callable(getattr(iopub, "_really_send", None)) or not all(
                getattr(stream, "pub_thread", None) is iopub and callable(getattr(stream, "_flush", None))
                for stream in streams):
            return
        lock = [threading.RLock()]
        os.register_at_fork(after_in_child=lambda: lock.__setitem__(0, threading.RLock()))
        really_send = iopub._really_send
        def locked_send(*args, **kwargs):
            with lock[0]:
                really_send(*args, **kwargs)
        # Sends already queued for the IO thread take the lock too; once the IO thread has
        # done them, this thread may send by itself.
        iopub._really_send = locked_send
        caught_up = threading.Event()
        iopub.schedule(caught_up.set)
        if not caught_up.wait(10):
            return
        iopub.send_multipart = locked_send
        for stream in streams:
            take_and_send = stream._flush
            def flush(take_and_send=take_and_send):
                with lock[0]:
                    take_and_send()
            stream._flush = flush
            stream.flush = flush
    try:
        tune_ipykernel(get_ipython().kernel)
    except Exception:
        pass
    def copy_descriptor_output_before_each_flush(stream, fd):
        import fcntl, os, select, threading
        # What subprocesses and C code write to file descriptor 1 or 2 reaches ipykernel through
        # a pipe that one of its threads copies into the stream whenever it gets to it, so the end
        # of an execution could overtake it: the output came late, with the next execution or
        # never. ipykernel's thread is replaced by one that copies under a lock, and every flush
        # first copies whatever the pipe holds.
        pipe = getattr(stream, "_fid", None)
        echo = getattr(stream, "_original_stdstream_copy", None)
        old = getattr(stream, "watch_fd_thread", None)
        if pipe is None or old is None or not old.is_alive() or not hasattr(stream, "_should_watch"):
            return
        if os.fstat(fd).st_ino != os.fstat(pipe).st_ino:
            return
        # ipykernel's thread ends after its next read: give it one byte to read.
        stream._should_watch = False
        os.write(fd, b"\n")
        old.join(1)
        if old.is_alive():
            stream._should_watch = True
            return
        os.set_blocking(pipe, False)
        master = os.getpid()
        lock = threading.RLock()
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        copying = threading.local()
        def copy():
            if os.getpid() != master or getattr(copying, "now", False):
                return
            with lock:
                copying.now = True
                try:
                    while True:
                        try:
                            data = os.read(pipe, 1 << 16)
                        except BlockingIOError:
                            return
                        if not data:
                            return
                        if echo is not None:
                            try:
                                os.write(echo, data)
                            except OSError:
                                pass
                        text = decoder.decode(data)
                        if text:
                            stream.write(text)
                finally:
                    copying.now = False
        def watch():
            poller = select.poll()
            poller.register(pipe, select.POLLIN)
            try:
                while stream._should_watch:
                    if poller.poll(100):
                        copy()
            except Exception:
                pass
        stream._should_watch = True
        thread = threading.Thread(target=watch, name="codebox-descriptor-output", daemon=True)
        thread.start()
        stream.watch_fd_thread = thread
        flush = stream.flush
        def copy_and_flush():
            copy()
            flush()
        stream.flush = copy_and_flush
    for stream, fd in ((sys.stdout, 1), (sys.stderr, 2)):
        try:
            copy_descriptor_output_before_each_flush(stream, fd)
        except Exception:
            pass
try:
    __codebox_setup()
finally:
    del __codebox_setup
