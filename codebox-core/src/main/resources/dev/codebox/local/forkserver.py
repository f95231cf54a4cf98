# The codebox fork server (run as: python -c SOURCE SOCKET WORK_DIR INTERPRETER [spawn]).
#
# An interpreter that has done its start-up once and then forks children that each become one
# python block. A child is forked ahead of its block (a standby): it makes itself the leader of a
# new session, connects to the JVM's socket, names itself, and waits there for the file to run.
# Then it makes itself what `INTERPRETER FILE` would have been: in the work dir, stdin /dev/null,
# stdout and stderr on its connection, default SIGCHLD and signal mask, fresh import caches, a new
# __main__, sys.argv, sys.path[0], sys.orig_argv, and the modules this server imported taken out of
# sys.modules. It runs the file as the interpreter runs a script and exits as the interpreter does
# (threads joined, atexit handlers, buffered output flushed), minus the teardown of the
# interpreter's objects. Nothing user-level is imported here, so every block sees the work dir,
# the functions module and the packages as they are when it starts.
#
# The server keeps to the CPU it started on, and so do its children until their code runs, when
# they get the server's original CPU set back: a copy-on-write fault in a process that has run on
# several CPUs flushes their TLBs with an interrupt each, and on some virtual machines that is most
# of a child's cost (measured on 2 vCPUs: 22 ms of CPU per back-to-back block, 11 ms this way).
#
# Protocol. Requests on stdin, one per line: "fork NONCE", "fork NONCE warm" (the child runs the
# compiler and the steps that make it the block once while it waits: less latency for its block,
# more work when blocks come back to back) or "fork NONCE spread" (the child takes the server's
# original CPU set at once, not when its code runs: for blocks that run side by side, which would
# otherwise all prepare on the server's one CPU). Replies on stdout, one per line:
# "ready", then "watch DIR" for each site-packages dir (a change there, such as a pip install,
# makes the JVM replace this server) and "end"; after each request "pid NONCE PID", and when that
# child exits "exit NONCE CODE" (128 + the signal for a child killed by a signal). A child sends
# "NONCE\n" first on its connection and then reads "FILE\n" from it; at end of input instead it
# exits quietly. End of stdin stops the server; its children live on.
#
# Early exit. A block of a warm standby (blocks with pauses between them, where latency counts)
# that ends through its script (not os._exit, not a signal) closes every file it has, as exit
# would, except stdout and stderr, then sends "NONCE CODE\n" on a new connection to the socket,
# closes those two and _exits: the JVM need not wait for the kernel to tear down its memory (about
# 1 ms here) and for the server's "exit". The JVM ends the block at the end of its output, which
# comes after the report; its files, sockets, locks and pipes are released by then, as after an
# exit; only the process lingers for that moment. A block with more than 64 MiB resident memory does not report
# (freeing that takes longer, and the next block may need the memory), nor do blocks back to back
# (the next one would only start beside this one's teardown).
#
# Spawn mode (the fork server turned off; the JVM starts the server with -I -S, since it runs no
# block, needs no site-packages and must not heed PYTHON* variables): the server forks nothing. A
# request "spawn NONCE FILE" has it connect to the socket on the block's behalf, send "NONCE\n",
# and posix_spawn `INTERPRETER FILE` as a new session in the work dir, with the environment the
# server was started with, stdin /dev/null, stdout and stderr on that connection, every signal at
# its default and none blocked. The replies are the same ("pid", then "exit"), or "fail NONCE
# REASON" when it could not be spawned (the JVM then starts the block itself, which reports why).
# One process image per block, where a spawn from the JVM takes four (its helper, setsid, the
# shell that enters the work dir, the interpreter).
import os
import sys
import _signal

_PRESENT = set(sys.modules)
import _socket  # noqa: E402  (after the snapshot: taken out of the children's sys.modules)
import atexit as _atexit  # noqa: E402  (the callbacks live in the interpreter, whichever module object)
import gc as _gc  # noqa: E402
import select as _select  # noqa: E402

_SOCKET, _WORK_DIR, _INTERPRETER = sys.argv[1], sys.argv[2], sys.argv[3]
_SPAWN = sys.argv[4:] == ["spawn"]
_ENV = dict(os.environb)  # what a spawned block gets: the server's own, as the JVM passed it
_CHILDREN = {}
_WAKE = []
_CPUS = []  # the server's CPU set before it kept to one CPU, for the children's code
_MAX_LINE = 65536
_REPORT_MAX_RSS = 64 << 20
_BLOCK = []  # in a child that became a block: its nonce, its pid, whether it was a warm standby, its output's identity
# The server's objects a block replaces (its __main__, sys.argv): kept, since freeing them in a child
# writes their pages and their neighbours' (about 0.1 ms of copy-on-write faults on a small VM).
_REPLACED = []
_WARM_UP = "import os\nclass A:\n    def f(self, a, *b, c=1, **d):\n        return [x + 1 for x in a if x], {k: v for k, v in d.items()}\nprint(A().f([1], c=2))\n"


def _reply(line):
    data = (line + "\n").encode("utf-8", "surrogateescape")
    while data:
        data = data[os.write(1, data):]


def _reap():
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        nonce = _CHILDREN.pop(pid, None)
        if nonce is not None:
            code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)
            _reply("exit %s %d" % (nonce, code))


def _serve():
    """Answers requests until stdin ends; returns (nonce, warm) in a child."""
    # A process the JVM starts has SIGQUIT blocked (the mask of the JVM's threads): blocks start
    # with no signal blocked, as from a shell, whether forked or spawned.
    _signal.pthread_sigmask(_signal.SIG_SETMASK, ())
    # SIGCHLD only wakes the loop up (a byte on the wake-up pipe), which reaps: a handler that
    # reaped could miss a signal that comes just before the loop blocks in a read.
    _WAKE[:] = os.pipe()
    for fd in _WAKE:
        os.set_blocking(fd, False)
    _signal.signal(_signal.SIGCHLD, lambda signum, frame: None)
    _signal.set_wakeup_fd(_WAKE[1])
    _reply("ready")
    if not _SPAWN:  # a spawned block is a fresh interpreter: it sees packages installed since
        import site
        dirs = list(site.getsitepackages()) if hasattr(site, "getsitepackages") else []
        if site.ENABLE_USER_SITE:
            dirs.append(site.getusersitepackages())
        for d in dirs:
            _reply("watch " + d)
    _reply("end")
    if not _SPAWN:
        _keep_to_one_cpu()
        _prepare()
    pending = b""
    while True:
        readable = _select.select([0, _WAKE[0]], [], [])[0]
        if _WAKE[0] in readable:
            try:
                os.read(_WAKE[0], 4096)
            except BlockingIOError:
                pass
            _reap()
        if 0 not in readable:
            continue
        chunk = os.read(0, 65536)
        if not chunk:
            os._exit(0)
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            if _SPAWN:
                if line.startswith(b"spawn "):
                    nonce, _, file = line[6:].partition(b" ")
                    _spawn(nonce.decode("ascii", "replace"), file)
                continue
            op, nonce, warm = (line.decode("ascii", "replace").split(" ") + ["", ""])[:3]
            if op != "fork":
                continue
            pid = os.fork()
            if pid == 0:
                if warm == "spread":
                    _release_cpus()
                return nonce, warm == "warm"
            _CHILDREN[pid] = nonce
            _reply("pid %s %d" % (nonce, pid))


def _spawn(nonce, file):
    """Starts `INTERPRETER FILE` as the JVM would (see the protocol above) and reports its pid."""
    conn = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    null = -1
    try:
        conn.connect(_SOCKET)
        conn.sendall((nonce + "\n").encode("ascii"))
        os.chdir(_WORK_DIR)  # by name: code may have replaced the work dir since the last block
        null = os.open(os.devnull, os.O_RDONLY)
        out = conn.fileno()
        spawn = os.posix_spawn if os.sep in _INTERPRETER else os.posix_spawnp
        pid = spawn(_INTERPRETER, [_INTERPRETER.encode("utf-8", "surrogateescape"), file], _ENV,
                    file_actions=[(os.POSIX_SPAWN_DUP2, null, 0), (os.POSIX_SPAWN_DUP2, out, 1),
                                  (os.POSIX_SPAWN_DUP2, out, 2)],
                    setsid=True, setsigmask=(), setsigdef=_DEFAULT_SIGNALS)
    except (OSError, NotImplementedError) as e:
        _reply("fail %s %s" % (nonce, str(e).replace("\n", " ")))
        return
    finally:
        conn.close()
        if null >= 0:
            os.close(null)
    _CHILDREN[pid] = nonce
    _reply("pid %s %d" % (nonce, pid))


# Python ignores SIGPIPE and SIGXFSZ for itself; a spawned block gets them back at their default.
_DEFAULT_SIGNALS = _signal.valid_signals() - {_signal.SIGKILL, _signal.SIGSTOP}


def _prepare():
    """
    Makes the server what a fresh interpreter is before it runs a script, once, so that children
    need not (in a child every object touched is a page copied): it goes through a child's steps
    once (_rehearse), the server's own imports leave sys.modules (it keeps its references), the
    import system's caches are emptied as importlib.invalidate_caches() does, and the objects of
    the start-up leave the collector's generations, since a collection in a child would write to
    every one of them.
    """
    _rehearse()
    for name in set(sys.modules) - _PRESENT:
        del sys.modules[name]
    sys.path_importer_cache.pop("", None)
    for finder in list(sys.path_importer_cache.values()) + sys.meta_path:
        if hasattr(finder, "invalidate_caches"):
            finder.invalidate_caches()
    _gc.collect()
    _gc.freeze()


def _keep_to_one_cpu():
    """Pins the server to the CPU it runs on (the first it may use when that cannot be read)."""
    if not hasattr(os, "sched_setaffinity"):
        return
    try:
        allowed = os.sched_getaffinity(0)
        try:
            with open("/proc/self/stat", "rb") as f:
                cpu = int(f.read().rsplit(b")", 1)[1].split()[36])  # field 39, "processor"
        except (OSError, ValueError, IndexError):
            cpu = -1
        os.sched_setaffinity(0, {cpu} if cpu in allowed else {min(allowed)})
        _CPUS[:] = allowed
    except OSError:
        pass


def _release_cpus():
    """Gives a child the server's original CPU set, before its code runs."""
    if _CPUS:
        try:
            os.sched_setaffinity(0, _CPUS)
        except OSError:
            pass


def _rehearse():
    """
    Goes once through the steps of a child that touch state the interpreter sets up on first use
    (argument parsers of the functions called, the type attribute cache, the compiler's and the
    socket module's state): done in the server, children find it set up instead of each writing it
    to pages of their own (on 2 vCPUs: 431 page faults per block down to 287, and a third less CPU).
    Harmless in the server: no standard stream is written, every file it opens is closed.
    """
    for mode in (os.O_RDONLY, os.O_WRONLY):  # as _await_block, onto a spare descriptor
        null = os.open(os.devnull, mode)
        spare = os.dup(null)
        os.dup2(null, spare)
        os.close(spare)
        os.close(null)
    compile(_WARM_UP, "<codebox warm-up>", "exec", dont_inherit=True)
    try:
        os.chdir(_WORK_DIR)
        path = os.path.abspath("codebox-warm-up.py")
        os.path.dirname(os.path.realpath(path))
    except OSError:
        path = "codebox-warm-up.py"  # the block reports a missing work dir
    main = type(sys)("__main__")
    main.__annotations__ = {}
    main.__loader__ = sys.modules["_frozen_importlib_external"].SourceFileLoader("__main__", path)
    sys.modules["__main__"] = sys.modules["__main__"]
    sys.argv = sys.argv
    sys.path[0] = sys.path[0]
    with open(os.devnull, "rb") as f:
        f.read()
    _flush_io()
    if not getattr(_atexit, "_ncallbacks", lambda: 1)():
        # Only the registry's pages: this runs the handlers and unregisters them, and those that
        # start-up code registered (sitecustomize, a .pth file) belong to the blocks' exits.
        _atexit._run_exitfuncs()
    _flush(0)
    _gc.collect()
    _resident()
    _identity(1)
    os.listdir("/proc/self/fd")
    _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM).close()


def _warm_up():
    """
    Does once in a standby what its block does first and last, so that the pages this writes (every
    object touched is written, its reference count if nothing else) are copied before the block
    waits for them: the steps of _rehearse, and the output buffer's pages. A copy-on-write fault
    costs 12-40 us on a small VM, where a block takes a few milliseconds.
    """
    _rehearse()
    sys.stdout.write("\n")  # its buffer's pages (stdout is /dev/null until the block comes)
    _flush_io()


def _await_block(nonce, warm):
    """Becomes a standby for a block, and returns the name of its file once the JVM sends it."""
    # Away from the server's pipes at once: the JVM sees the server's end by their end.
    for fd, mode in ((0, os.O_RDONLY), (1, os.O_WRONLY)):
        null = os.open(os.devnull, mode)
        os.dup2(null, fd)
        os.close(null)
    os.setsid()
    _signal.set_wakeup_fd(-1)
    _signal.signal(_signal.SIGCHLD, _signal.SIG_DFL)
    for fd in _WAKE:
        os.close(fd)
    try:
        conn = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
        conn.connect(_SOCKET)
        conn.sendall((nonce + "\n").encode("ascii"))
        identity = _identity(conn.fileno())
        if warm:
            _warm_up()
        line = b""
        while not line.endswith(b"\n"):
            chunk = conn.recv(_MAX_LINE - len(line))
            if not chunk or len(line) + len(chunk) >= _MAX_LINE:
                os._exit(0)  # not needed after all
            line += chunk
    except (ConnectionError, FileNotFoundError):
        os._exit(0)  # the JVM has let the socket go: not needed after all
    except OSError as e:
        os.write(2, ("codebox fork server: a standby could not connect: %s\n" % e).encode())
        os._exit(127)
    _BLOCK[:] = nonce, os.getpid(), warm, identity
    return conn, line[:-1].decode("utf-8", "surrogateescape")


def _become_block(conn, file):
    try:
        os.chdir(_WORK_DIR)
    except OSError as e:
        conn.sendall(("codebox: cannot enter the work dir: %s\n" % e).encode("utf-8", "replace"))
        os._exit(127)
    fd = conn.detach()
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)

    path = os.path.abspath(file)
    main = type(sys)("__main__")
    main.__annotations__ = {}
    main.__builtins__ = sys.modules["builtins"]
    main.__file__ = path
    main.__cached__ = None
    main.__loader__ = sys.modules["_frozen_importlib_external"].SourceFileLoader("__main__", path)
    _REPLACED.extend((sys.modules["__main__"], sys.argv, getattr(sys, "orig_argv", None)))
    sys.modules["__main__"] = main
    sys.argv = [file]
    if hasattr(sys, "orig_argv"):
        sys.orig_argv = [_INTERPRETER, file]
    sys.path[0] = os.path.dirname(os.path.realpath(path))
    return main, path


def _run(main, path):
    """Runs the file and ends the process with the code `python FILE` would end with."""
    try:
        with open(path, "rb") as f:
            source = f.read()
        code = compile(source, path, "exec", dont_inherit=True)
        del source
        _release_cpus()
        exec(code, main.__dict__)
    except SystemExit as e:
        _flush_io()
        _finish(_exit_code(e))
    except BaseException:
        _flush_io()
        kind, value, tb = sys.exc_info()
        tb = tb.tb_next  # without this frame, as the interpreter prints it
        value.__traceback__ = tb
        sys.last_type, sys.last_value, sys.last_traceback = kind, value, tb
        if hasattr(sys, "last_exc"):
            sys.last_exc = value
        sys.excepthook(kind, value, tb)
        del kind, value, tb
        _finish(1, interrupted=isinstance(sys.last_value, KeyboardInterrupt))
    _flush_io()
    _finish(0)


def _flush_io():
    """As the interpreter does right after a script: stderr, then stdout, errors ignored."""
    for stream in (sys.stderr, sys.stdout):
        try:
            stream.flush()
        except Exception:
            pass


def _exit_code(exit):
    """What the interpreter makes of an uncaught SystemExit, printing a code that is not a number."""
    code = exit.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    try:
        sys.stderr.write(str(code) + "\n")
    except Exception:
        pass
    return 1


def _flush(code):
    """Flushes stdout and stderr; 120 instead of 0 when that fails, as the interpreter exits."""
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None and not stream.closed:
                stream.flush()
        except Exception:
            if code == 0:
                code = 120
    return code


def _finish(code, interrupted=False):
    """
    Ends as the interpreter's exit does (non-daemon threads joined, atexit handlers, standard
    streams flushed), without tearing the interpreter down: its objects are the server's pages,
    shared copy-on-write, and the teardown would touch, and so copy, every one of them.
    """
    threading = sys.modules.get("threading")
    if threading is not None:
        threading._shutdown()
    _atexit._run_exitfuncs()
    code = _flush(code)
    # The part of the teardown code can see: __main__'s names are cleared as the interpreter
    # clears a module (single-underscore names first), so their __del__ methods run, then cycles.
    names = sys.modules["__main__"].__dict__
    for only_private in (True, False):
        for name in list(names):
            if name != "__builtins__" and (not only_private or (name[:1] == "_" and name[:2] != "__")):
                names[name] = None
    del names
    _gc.collect()
    code = _flush(code)
    _report_exit(128 + _signal.SIGINT if interrupted else code)
    if interrupted:
        # As the interpreter: die of SIGINT so the parent sees it.
        _signal.signal(_signal.SIGINT, _signal.SIG_DFL)
        os.kill(os.getpid(), _signal.SIGINT)
    os._exit(code)


def _resident():
    """The process's resident memory in bytes; unbounded when it cannot be read."""
    try:
        fd = os.open("/proc/self/statm", os.O_RDONLY)
        try:
            return int(os.read(fd, 256).split()[1]) * os.sysconf("SC_PAGE_SIZE")
        finally:
            os.close(fd)
    except (OSError, ValueError, IndexError):
        return float("inf")


def _report_exit(code):
    """Closes every file and sends the exit code ahead of the exit (see "Early exit" above)."""
    nonce, pid, warm, output = _BLOCK
    if os.getpid() != pid:
        return  # a process the block's code forked, returning from the script too: not the block
    if not warm:
        return  # blocks back to back: the next one would start beside this one's teardown, no sooner
    if _resident() > _REPORT_MAX_RSS:
        return
    # Stdout and stderr, when they are still the output connection, close after the report: the end
    # of output is what the JVM waits for after it, so the two arrive together.
    last = [fd for fd in (1, 2) if _identity(fd) == output]
    for fd in os.listdir("/proc/self/fd"):  # the files open now, however high the limit
        if int(fd) not in last:
            try:
                os.close(int(fd))
            except OSError:
                pass  # the directory's own, closed already
    try:
        conn = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
        conn.connect(_SOCKET)
        conn.sendall(("%s %d\n" % (nonce, code)).encode("ascii"))
    except OSError:
        pass  # the server reports the exit
    for fd in last:
        os.close(fd)


def _identity(fd):
    """The device and inode of what fd is open on, or None."""
    try:
        st = os.fstat(fd)
    except OSError:
        return None
    return st.st_dev, st.st_ino


_conn, _file = _await_block(*_serve())
_main, _path = _become_block(_conn, _file)
del _conn, _file, _serve, _await_block, _become_block, _reap, _reply
_run(_main, _path)
