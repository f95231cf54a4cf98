# codebox's resident runner: the main process of a codebox container (docs/runner-protocol.md).
#
# It serves the JVM over one byte stream: argv[1] is either the path of a Unix domain socket to
# listen on (mode 0600; each connection is a stream of its own), or "-" for the runner's stdin and
# stdout (the container's attach stream). argv[2] is the work dir (/workspace).
#
# Every frame, both ways: 1 type byte, a 4 byte big-endian channel, a 4 byte big-endian length, the
# payload. The JVM opens a channel with a request and the runner ends it with R (or X for a run).
#   JVM -> runner   Q  a request, JSON; on channel 0 only "hello" and "auth"
#                   D  file data for a "write" request of the channel, or bytes for a "connect"
#                   K  cancel the channel: kill a run's session, stop a read, drop a write
#   runner -> JVM   H  hello on channel 0: JSON {"protocol": 4, "proof": HEX}
#                   R  the reply, JSON; ends the channel
#                   D  file data of a "read" request, or bytes of a "connect"
#                   O  output of a run (at most 64 KiB)
#                   X  a run's end: a signed 4 byte exit code, then flags (1: the container's cgroup
#                      recorded an OOM kill while it ran; 2: its deadline passed; 4: not run, as the
#                      write it was to follow did not succeed), then for a run that asked for it the
#                      work dir's listing as a list request's reply; ends the channel
# The JVM speaks first: {"op": "hello"} (a new hello on the stdio stream ends what the previous
# attachment left running), then {"op": "auth", "proof": HEX}; the proofs are HMAC-SHA256 of
# "codebox-runner" and "codebox-client" keyed with CODEBOX_RUNNER_SECRET, so neither side sends
# the secret. (The secret comes as the first line of the runner's stdin, "CODEBOX_RUNNER_SECRET=HEX\n",
# sent once by the JVM that started it; on the stdio stream the frames follow it.)
# Requests on other channels:
#   {"op": "ping"}                                  -> R {}
#   {"op": "probe"}                                 -> R {"interpreters": {name: path}, "machine", "python"}
#   {"op": "write", "path", "size", "reuse", "mode"} + D frames of size bytes
#                                                   -> R {"ok": true} | {"outside": true} | {"error": ...}
#   {"op": "delete", "paths": [...]}                -> R {}
#   {"op": "list", "limit": N}                      -> R {"files": {name: stamp} or null when more than N}
#   {"op": "read", "path", "limit"}                 -> D ..., R {"size": N, "truncated": bool}
#                                                      | {"outside": true} | {"error": ...}
#   {"op": "run", "argv", "env", "cwd", "timeout_ms", "after", "list"} -> O ..., X
#                                                      (after: the channel of a write sent just before;
#                                                      the run starts only if that write succeeded;
#                                                      list: a limit, to have the X carry a listing
#                                                      of the work dir taken when the run ended)
#   {"op": "connect", "path"}                       -> a stream to the Unix socket path in the container:
#                                                      D frames both ways, R {} when it ends (K ends it)
# Paths are relative to the work dir and are resolved one directory at a time, never through a
# symbolic link: code running in the container may swap a directory for a link at any moment.
# Frames are handled in the order they come: a write, ping, probe, list or delete is done before the
# next frame is read (so a listing sent before a run shows the work dir as it was before the run);
# runs, reads and connects go on in threads of their own (Workers: kept for the next one).
#
# Python blocks are forked from codebox's fork server when CODEBOX_FORK_SERVER holds its source
# (forkserver.py of the local executor, which documents it): the runner plays the JVM's part,
# listening on a socket of its own for the children and relaying their output as O frames.
import errno
import hashlib
import hmac
import json
import os
import queue
import secrets
import select
import shutil
import signal
import socketserver
import struct
import socket
import subprocess
import sys
import tempfile
import threading
import time

PROTOCOL = 4
LINGER = 0.1  # output may stay open this long after the command exited before its session is killed
DRAIN = 1.0   # how long to wait for the end of output once the session was killed
POLL = 0.1    # how often a run whose output is still open looks whether its command exited
MAX_OUTCOMES = 64  # the outcomes of recent writes kept for the runs that follow them
MAX_FRAME = (1 << 20) + 4096  # the largest frame the JVM may send
MAX_REPLY = 12 << 20    # a listing larger than this is reported as untracked
MAX_GREETING = 48  # the longest first line a fork server's child sends: its nonce, or its nonce and exit code
CHUNK = 256 << 10       # the data of a read goes in frames of at most this many bytes
HEADER = struct.Struct(">BII")
OOM_FILES = ("/sys/fs/cgroup/memory.events", "/sys/fs/cgroup/memory/memory.oom_control")
DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC

SECRET = b""  # from stdin, in main()
FORK_SERVER_SOURCE = os.environ.pop("CODEBOX_FORK_SERVER", "")
WORK_DIR = None
FORKS = None  # the Forks of this runner, when python blocks are forked
OWN_CHILDREN = set()  # pids the runner started and waits for itself; the orphan reaper leaves them alone
CHILDREN_LOCK = threading.Lock()


class Workers:
    """
    Threads for runs and other work that may block, kept for the next task when they finish: starting
    a thread costs about 0.4 ms on small virtual machines, a block's whole budget. Never a bound on
    how many tasks run at once: a task that finds no idle thread gets a new one. A thread idle for
    IDLE seconds ends.
    """

    IDLE = 60.0

    def __init__(self):
        self.tasks = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.idle = 0  # threads waiting for a task and not yet promised one

    def submit(self, task):
        with self.lock:
            waiting = self.idle > 0
            if waiting:
                self.idle -= 1
        if waiting:
            self.tasks.put(task)
        else:
            threading.Thread(target=self.work, args=(task,), daemon=True).start()

    def work(self, task):
        # The runner's CPUs, whatever thread started this one (a session's keeps off one): a worker
        # starts blocks, and a process started from a thread gets that thread's CPUs.
        if RUNNER_CPUS:
            try:
                os.sched_setaffinity(0, RUNNER_CPUS)
            except OSError:
                pass  # the CPUs it may use changed since start (a cpuset update): its task runs all the same
        while True:
            try:
                task()
            except Exception:
                threading.excepthook(threading.ExceptHookArgs((*sys.exc_info(), threading.current_thread())))
            task = None
            with self.lock:
                self.idle += 1
            try:
                task = self.tasks.get(timeout=self.IDLE)
            except queue.Empty:
                with self.lock:
                    if self.idle > 0:  # no task was promised to an idle thread: this one ends
                        self.idle -= 1
                        return
                task = self.tasks.get()  # one was: it is on its way


WORKERS = Workers()
RUNNER_CPUS = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None


def proof(role):
    return hmac.new(SECRET, role, hashlib.sha256).hexdigest()


class Outside(Exception):
    """A path that leaves the work dir, or leads through something that is not a directory."""


def oom_kills():
    """The cgroup's count of OOM kills, -1 when unknown; read on every run, so without a file object."""
    for name in OOM_FILES:
        try:
            fd = os.open(name, os.O_RDONLY | os.O_CLOEXEC)
            try:
                data = b"\n" + os.read(fd, 4096)
            finally:
                os.close(fd)
            at = data.find(b"\noom_kill ")
            if at >= 0:
                return int(data[at + 10:].split(b"\n", 1)[0])
        except (OSError, ValueError):
            pass
    return -1


def session_members(sid):
    members = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/" + name + "/stat", "rb") as f:
                stat = f.read()
            # After "pid (comm) ": state, ppid, pgrp, session.
            if int(stat[stat.rindex(b")") + 2:].split()[3]) == sid:
                members.append(int(name))
        except (OSError, ValueError, IndexError):
            pass
    return members


def kill_session(sid):
    for pid in session_members(sid):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def split(path):
    parts = path.split("/")
    if not path or path.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise Outside()
    return parts[:-1], parts[-1]


def open_dir(parts, create):
    """A descriptor of the work dir's subdirectory parts, opened without following any link."""
    fd = os.open(WORK_DIR, DIR_FLAGS)
    try:
        for part in parts:
            if create:
                try:
                    os.mkdir(part, 0o777, dir_fd=fd)
                except FileExistsError:
                    pass
            try:
                child = os.open(part, DIR_FLAGS, dir_fd=fd)
            except OSError as e:
                if e.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise Outside()
                raise
            os.close(fd)
            fd = child
        return fd
    except BaseException:
        os.close(fd)
        raise


def delete_files(paths):
    for path in paths:
        try:
            parents, name = split(path)
            fd = open_dir(parents, False)
        except (Outside, OSError):
            continue
        try:
            os.unlink(name, dir_fd=fd)
        except OSError:
            pass
        finally:
            os.close(fd)


def open_regular(path):
    """A descriptor of the regular file path of the work dir, opened without following any link."""
    parents, name = split(path)
    fd = open_dir(parents, False)
    try:
        try:
            f = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, dir_fd=fd)
        except OSError as e:
            if e.errno in (errno.ELOOP, errno.ENOTDIR):
                raise Outside()
            raise
    finally:
        os.close(fd)
    if (os.fstat(f).st_mode & 0o170000) != 0o100000:
        os.close(f)
        raise Outside()  # a fifo or a device: nothing to copy
    return f


class TooMany(Exception):
    pass


MAX_LIST_DEPTH = 128  # directories held open at once by a listing (HostWorkDir.MAX_DEPTH in the JVM)


def list_files(limit):
    files = {}
    directories = [limit]  # more than limit directories count as too many, as more files do

    def walk(fd, prefix, depth):
        with os.scandir(fd) as entries:
            for entry in entries:
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if depth >= MAX_LIST_DEPTH:
                            continue  # as the JVM's own listing: files deeper are not listed
                        directories[0] -= 1
                        if directories[0] < 0:
                            raise TooMany()
                        child = os.open(entry.name, DIR_FLAGS, dir_fd=fd)
                        try:
                            walk(child, prefix + entry.name + "/", depth + 1)
                        finally:
                            os.close(child)
                    elif entry.is_file(follow_symlinks=False):
                        st = entry.stat(follow_symlinks=False)
                        files[prefix + entry.name] = "%d:%d" % (st.st_mtime_ns, st.st_size)
                        if len(files) > limit:
                            raise TooMany()
                except OSError:
                    pass  # gone meanwhile, or not readable

    fd = os.open(WORK_DIR, DIR_FLAGS)
    try:
        walk(fd, "", 0)
    except TooMany:
        return None
    finally:
        os.close(fd)
    return files


def listing(limit):
    """The reply of a list request: the files, or None for more than limit or than a reply holds."""
    files = list_files(limit)
    if files is not None and sum(len(k) + len(v) + 8 for k, v in files.items()) > MAX_REPLY:
        files = None
    return {"files": files}


class Child:
    """A child of the fork server: its pid, its connection and its exit code, as they come."""

    def __init__(self, nonce):
        self.nonce = nonce
        self.pid = None
        self.conn = None
        self.code = None
        self.handed = False  # whether it was given a block
        self.started = threading.Event()
        self.connected = threading.Event()
        self.exited = threading.Event()


class ForkServer:
    """One fork server process: children are forked ahead of their block (a standby)."""

    def __init__(self, python):
        self.python = python
        self.dir = tempfile.mkdtemp(prefix="codebox-fork-")
        self.path = os.path.join(self.dir, "fork.sock")
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.path)
        self.listener.listen(64)
        self.process = spawn([python, "-c", FORK_SERVER_SOURCE, self.path, WORK_DIR, python],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=WORK_DIR, start_new_session=True)
        self.lock = threading.Lock()
        self.children = {}
        self.standby = None
        self.watched = {}
        self.ready = threading.Event()
        self.gone = False
        self.retired = False
        threading.Thread(target=self.read_replies, daemon=True).start()
        threading.Thread(target=self.accept, daemon=True).start()

    @staticmethod
    def mtime(path):
        try:
            return os.stat(path).st_mtime_ns
        except OSError:
            return -1

    def usable(self):
        return (self.ready.is_set() and not self.gone
                and all(self.mtime(d) == t for d, t in self.watched.items()))

    def read_replies(self):
        for line in self.process.stdout:
            text = line.decode("utf-8", "surrogateescape").rstrip("\n")
            parts = text.split(" ", 2)
            if parts[0] == "watch":
                d = text[len("watch "):]
                self.watched[d] = self.mtime(d)
            elif parts[0] == "end":
                self.ready.set()
            elif parts[0] in ("pid", "exit") and len(parts) == 3:
                with self.lock:
                    child = self.children.get(parts[1])
                if child is None:
                    continue
                if parts[0] == "pid":
                    child.pid = int(parts[2])
                    child.started.set()
                else:
                    child.code = int(parts[2])
                    with self.lock:
                        self.children.pop(parts[1], None)
                    child.exited.set()
        self.gone = True
        self.ready.set()
        with self.lock:
            orphans = list(self.children.values())
            self.children.clear()
        for child in orphans:
            child.started.set()
            child.connected.set()
            child.exited.set()

    def accept(self):
        while not self.gone:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            # A child sends its greeting as it connects: most are taken here, without a worker.
            try:
                greeting = conn.recv(MAX_GREETING, socket.MSG_DONTWAIT)
            except OSError:
                greeting = b""
            if greeting.endswith(b"\n"):
                self.identify(conn, greeting)
            else:
                WORKERS.submit(lambda conn=conn, greeting=greeting: self.identify(conn, greeting))

    def identify(self, conn, greeting):
        """
        Takes a child's greeting (of which greeting came already): "NONCE" on the connection that is
        its output, or "NONCE CODE", its exit reported ahead of the server's "exit". A connection
        that names no pending child (code may connect too) is closed.
        """
        conn.settimeout(2)
        try:
            while not greeting.endswith(b"\n") and len(greeting) < MAX_GREETING:
                chunk = conn.recv(MAX_GREETING - len(greeting))
                if not chunk:
                    break
                greeting += chunk
        except OSError:
            pass
        conn.settimeout(None)
        nonce, _, code = greeting[:-1].decode("ascii", "replace").partition(" ") if greeting.endswith(b"\n") else ("", "", "")
        with self.lock:
            child = self.children.get(nonce)
            if child is not None and not code and child.conn is None:
                child.conn = conn
                child.connected.set()
                return
            if child is not None and code and child.handed and code.isdigit():
                child.code = int(code)
                self.children.pop(nonce, None)
                child.exited.set()
        conn.close()

    def request(self, warm):
        child = Child(secrets.token_hex(16))
        with self.lock:
            self.children[child.nonce] = child
        try:
            self.process.stdin.write(("fork %s%s\n" % (child.nonce, " warm" if warm else "")).encode("ascii"))
            self.process.stdin.flush()
        except (OSError, ValueError):
            self.gone = True
        return child

    def fork(self, file, ready_only=False):
        """
        Hands file to a child, or returns None (the block is then spawned). With ready_only, only to
        a standby that is connected already, and None at once without one (nothing that waits).
        """
        with self.lock:
            child = self.standby
            if ready_only and not (child is not None and child.connected.is_set() and child.started.is_set()):
                return None
            self.standby = None
        if child is None:
            child = self.request(False)
        if not (child.started.wait(5) and child.connected.wait(5)) or child.conn is None or child.pid is None:
            self.abandon(child)
            return None
        child.handed = True
        try:
            child.conn.sendall((file + "\n").encode("utf-8", "surrogateescape"))
            child.conn.shutdown(socket.SHUT_WR)
        except OSError:
            self.abandon(child)
            return None
        return child

    def abandon(self, child):
        """Lets a child go that will not get a block: it exits at the end of its connection."""
        with self.lock:
            self.children.pop(child.nonce, None)
            conn = child.conn
        if conn is not None:
            conn.close()

    def block_ended(self):
        """Forks the next standby; a retired server is closed once its last block has ended."""
        if self.retired:
            with self.lock:
                busy = bool(self.children)
            if not busy:
                self.close()
            return
        with self.lock:
            needed = self.standby is None
        if needed and not self.gone:
            child = self.request(True)
            with self.lock:
                self.standby = child

    def retire(self):
        """Takes no more blocks: its standby is let go (it exits at the end of its connection)."""
        self.retired = True
        with self.lock:
            spare, self.standby = self.standby, None
        if spare is not None:
            self.abandon(spare)  # a connection that comes later names no child and is closed
        with self.lock:
            busy = bool(self.children)
        if not busy:
            self.close()

    def close(self):
        self.gone = True
        try:
            self.process.stdin.close()
        except OSError:
            pass
        threading.Thread(target=waited, args=(self.process,), daemon=True).start()  # reaps the server when it has exited
        try:
            self.listener.close()
        except OSError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


class Forks:
    """The runner's fork server, replaced when it died or a site-packages dir changed."""

    def __init__(self, python):
        self.python = python
        self.lock = threading.Lock()
        self.server = ForkServer(python)
        self.server.ready.wait(30)
        self.server.block_ended()

    def handles(self, argv):
        return len(argv) == 2 and argv[0] == self.python and "\n" not in argv[1]

    def fork_ready(self, file):
        """As fork, but only to a ready standby of a usable server: (None, None) at once otherwise."""
        with self.lock:
            server = self.server
            if not server.usable():
                return None, None
        child = server.fork(file, ready_only=True)
        return (server, child) if child is not None else (None, None)

    def fork(self, file):
        with self.lock:
            if not self.server.usable():
                self.server.retire()  # its running children still report to it until they end
                self.server = ForkServer(self.python)
                self.server.ready.wait(30)
            server = self.server
        return server, server.fork(file)


def spawn(argv, **options):
    """subprocess.Popen, the child known to the orphan reaper before it can have exited."""
    with CHILDREN_LOCK:
        process = subprocess.Popen(argv, **options)
        OWN_CHILDREN.add(process.pid)
    return process


def waited(process):
    """process.wait(), then the pid is no longer the runner's own (it may be reused)."""
    try:
        return process.wait()
    finally:
        OWN_CHILDREN.discard(process.pid)


def reap_orphans():
    """As PID 1 (a pod's main process; a container's is docker-init) the runner inherits the orphans of
    every block: reaps those that ended, once a second, leaving its own children to their waiters."""
    while True:
        time.sleep(1)
        with CHILDREN_LOCK:
            while True:
                try:
                    info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
                except ChildProcessError:
                    break
                if info is None or info.si_pid in OWN_CHILDREN:
                    break
                try:
                    os.waitpid(info.si_pid, 0)
                except ChildProcessError:
                    pass


def start_forks_in_background():
    threading.Thread(target=start_forks, daemon=True).start()


def start_forks():
    global FORKS
    python = shutil.which("python3") or shutil.which("python")
    if not FORK_SERVER_SOURCE or python is None:
        return
    try:
        FORKS = Forks(python)
    except OSError as e:
        sys.stderr.write("codebox: python blocks are spawned, the fork server could not start: %s\n" % e)




class Handler:
    """What serves one channel: it sends on it only while it holds it (see Session.send)."""

    def __init__(self, session, channel):
        self.session = session
        self.channel = channel

    def send(self, kind, payload=b"", last=False):
        self.session.send(kind, self.channel, payload, last=last, owner=self)

    def reply(self, reply):
        self.session.reply(self.channel, reply, owner=self)


class Upload(Handler):
    """A write request: the data comes in D frames into a temp file that is renamed over the name at the end."""

    def __init__(self, session, channel, request):
        super().__init__(session, channel)
        self.remaining = int(request["size"])
        self.dir = None
        self.fd = None
        self.temp = None
        self.name = None
        self.failure = None
        try:
            parents, self.name = split(request["path"])
            self.dir = open_dir(parents, True)
            try:
                st = os.stat(self.name, dir_fd=self.dir, follow_symlinks=False)
                if request.get("reuse") and (st.st_mode & 0o170000) == 0o100000 and st.st_size == self.remaining:
                    self.name = None  # the same content is there: the data is read and dropped
            except FileNotFoundError:
                pass
            if self.name is not None:
                self.temp = ".codebox-%s.tmp" % secrets.token_hex(8)
                mode = int(request.get("mode", 0o644)) & 0o755
                self.fd = os.open(self.temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                                  mode, dir_fd=self.dir)
                os.fchmod(self.fd, mode)
        except Outside:
            self.fail({"outside": True})
        except OSError as e:
            self.fail({"error": "%s: %s" % (request.get("path"), e.strerror or e)})

    def fail(self, reply):
        if self.failure is None:
            self.failure = reply
        self.discard()

    def discard(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        if self.temp is not None:
            try:
                os.unlink(self.temp, dir_fd=self.dir)
            except OSError:
                pass
            self.temp = None

    def feed(self, data):
        """Takes a D frame; False when it is more than the request announced."""
        if len(data) > self.remaining:
            return False
        self.remaining -= len(data)
        if self.fd is not None:
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(self.fd, view):]
            except OSError as e:
                self.fail({"error": "%s: %s" % (self.name, e.strerror or e)})
        if self.remaining == 0:
            self.finish()
        return True

    def finish(self):
        reply = self.failure
        if reply is None:
            try:
                if self.fd is not None:
                    os.close(self.fd)
                    self.fd = None
                    # rename replaces a link at the name itself; it never follows it.
                    os.rename(self.temp, self.name, src_dir_fd=self.dir, dst_dir_fd=self.dir)
                    self.temp = None
                reply = {"ok": True}
            except OSError as e:
                reply = {"error": "%s: %s" % (self.name, e.strerror or e)}
        self.cancel()
        self.session.written(self.channel, reply.get("ok") is True)
        self.reply(reply)

    def cancel(self):
        self.discard()
        if self.dir is not None:
            os.close(self.dir)
            self.dir = None


class Run(Handler):
    """A run request: the command as the leader of a new session, its output as O frames, then X."""

    def __init__(self, session, channel, request):
        super().__init__(session, channel)
        self.argv = [str(a) for a in request["argv"]]
        self.env = request.get("env")
        self.cwd = request.get("cwd")
        self.timeout = request.get("timeout_ms")
        self.list = None if request.get("list") is None else int(request["list"])
        self.deadline_at = None
        self.lock = threading.Lock()
        self.pid = None
        self.cancelled = False
        self.late = False
        self.forked = None, None  # the fork server and its child, when the session thread handed the block over

    def forks(self):
        """The runner's Forks when this run is a python block its fork server can run, else None."""
        forks = FORKS
        if forks is not None and self.env is None and self.cwd is None and forks.handles(self.argv):
            return forks
        return None

    def hand_over(self):
        """
        On the session thread, before the run goes to a worker: a ready standby gets the block at once,
        so that it starts while the worker wakes up. Nothing here waits; without a ready standby the
        worker forks as usual.
        """
        forks = self.forks()
        if forks is None:
            return
        self.start_clock()
        self.session.keep_off(forks.server)
        self.forked = forks.fork_ready(self.argv[1])
        if self.forked[1] is not None:
            self.started(self.forked[1].pid)

    def start_clock(self):
        """The deadline and the OOM kill count before the block: from when it is about to start."""
        self.deadline_at = None if self.timeout is None else time.monotonic() + max(int(self.timeout), 0) / 1000.0
        self.oom_before = oom_kills()

    def cancel(self):
        with self.lock:
            self.cancelled = True
            pid = self.pid
        if pid is not None:
            kill_session(pid)

    def deadline(self):
        self.late = True
        self.cancel()

    def started(self, pid):
        """Records the session's leader; False when the run was cancelled before (it is killed then)."""
        with self.lock:
            self.pid = pid
            cancelled = self.cancelled
        if cancelled:
            kill_session(pid)
        return not cancelled

    def __call__(self):
        server, child = self.forked
        if child is None:
            self.start_clock()
            forks = self.forks()
            if forks is not None:
                server, child = forks.fork(self.argv[1])
                if child is not None:
                    self.started(child.pid)
        oom_before = self.oom_before
        if child is not None:
            try:
                try:
                    self.supervise(child.pid, child.conn.fileno(), lambda: child.conn.recv(65536), child.exited.wait)
                finally:
                    child.conn.close()
                code = child.code
                if code is None:
                    self.output(b"codebox: the block did not finish: its fork server stopped; the next block gets a new one\n")
                    code = 1
                self.exit(code, oom_before)
            finally:
                server.block_ended()  # after the end went out: the fork takes CPU the JVM wants now
            return
        env = None
        if self.env is not None:
            env = dict(os.environ)
            env.update({str(k): str(v) for k, v in self.env.items()})
        try:
            process = spawn(self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True, env=env,
                            cwd=os.path.join(WORK_DIR, self.cwd) if self.cwd else None)
        except OSError as e:
            self.output(("could not start %s: %s\n" % (self.argv[0] if self.argv else "an empty command", e.strerror or e)).encode())
            self.exit(127, oom_before)
            return
        self.started(process.pid)
        fd = process.stdout.fileno()

        def exited(timeout):
            try:
                process.wait(timeout)
                return True
            except subprocess.TimeoutExpired:
                return False

        try:
            self.supervise(process.pid, fd, lambda: os.read(fd, 65536), exited)
        finally:
            process.stdout.close()
            OWN_CHILDREN.discard(process.pid)
        code = process.returncode
        self.exit(128 - code if code < 0 else code, oom_before)

    def output(self, data):
        self.send(b"O", data)

    def remaining(self):
        """Seconds until the deadline (None without one); at the deadline the session is killed."""
        if self.deadline_at is None or self.late:
            return None
        left = self.deadline_at - time.monotonic()
        if left <= 0:
            self.deadline()
            return None
        return left

    def supervise(self, pid, fd, read, exited):
        """
        Streams the output of the block whose session is pid until every holder closed it, then
        waits until exited(timeout) says the block exited. Output may stay open LINGER after the
        exit (background processes that hold it are then killed). All in this thread: on this kind
        of machine every thread started costs a block about half a millisecond.
        """
        try:
            # Make the block, not the runner, the OOM killer's first choice (raising needs no privilege).
            with open("/proc/%d/oom_score_adj" % pid, "w") as f:
                f.write("1000")
        except OSError:
            pass
        poller = select.poll()
        poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
        ends = None    # when output must have ended: LINGER after the exit, then DRAIN after the kill
        killed = False
        while True:
            left = self.remaining()
            if ends is None and exited(0):
                ends = time.monotonic() + LINGER
            if ends is not None:
                wait = ends - time.monotonic()
                if wait <= 0:
                    if killed:
                        break
                    kill_session(pid)
                    killed = True
                    ends = time.monotonic() + DRAIN
                    continue
            else:
                wait = POLL
            if left is not None:
                wait = min(wait, left)
            if not poller.poll(max(wait, 0) * 1000):
                continue
            try:
                data = read()
            except OSError:
                break
            if not data:
                break
            self.output(data)
        while not exited(self.remaining()):
            pass

    def exit(self, code, oom_before):
        # Any OOM kill in the container while the block ran (a concurrent block's would count too).
        flags = (1 if oom_kills() > oom_before >= 0 else 0) | (2 if self.late else 0)
        payload = struct.pack(">iB", code, flags)
        if self.list is not None:
            try:
                payload += json.dumps(listing(self.list)).encode()
            except OSError:
                pass  # the JVM lists again
        self.send(b"X", payload, last=True)


class Read(Handler):
    """A read request: the file's bytes as D frames, then R with their number."""

    def __init__(self, session, channel, request):
        super().__init__(session, channel)
        self.path = request["path"]
        self.limit = int(request.get("limit", 1 << 62))
        self.cancelled = False

    def cancel(self):
        self.cancelled = True

    def __call__(self):
        try:
            f = open_regular(self.path)
        except Outside:
            self.reply({"outside": True})
            return
        except OSError as e:
            self.reply({"error": "%s: %s" % (self.path, e.strerror or e)})
            return
        size = 0
        try:
            if os.fstat(f).st_size > self.limit:
                # Larger already (a sparse file costs the code nothing): nothing is sent.
                self.reply({"size": 0, "truncated": True})
                return
            while not self.cancelled and size < self.limit:
                data = os.read(f, min(CHUNK, self.limit - size))
                if not data:
                    break
                self.send(b"D", data)
                size += len(data)
            truncated = size >= self.limit and os.read(f, 1) != b""
        except OSError as e:
            self.reply({"error": "%s: %s" % (self.path, e.strerror or e)})
            return
        finally:
            os.close(f)
        self.reply({"size": size, "truncated": truncated})


class Relay(Handler):
    """A connect request: a stream to a Unix socket in the container, relayed as D frames both ways."""

    def __init__(self, session, channel, request):
        super().__init__(session, channel)
        self.path = str(request["path"])
        self.error = None
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            # Connected here, in the reader's thread, so that the D frames that follow find it open.
            self.sock.connect(self.path)
        except OSError as e:
            self.error = "%s: %s" % (self.path, e.strerror or e)

    def feed(self, data):
        if self.error is None:
            try:
                self.sock.sendall(data)
            except OSError:
                pass  # the other end went away: the pump sees the end and replies
        return True

    def cancel(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def __call__(self):
        try:
            if self.error is None:
                while True:
                    try:
                        data = self.sock.recv(CHUNK)
                    except OSError:
                        break
                    if not data:
                        break
                    self.send(b"D", data)
        finally:
            self.sock.close()
        self.reply({"error": self.error} if self.error else {})


class Task(Handler):
    """A request answered with one reply, at once: before the next frame is read."""

    def __init__(self, session, channel, request):
        super().__init__(session, channel)
        self.request = request

    def cancel(self):
        pass

    def __call__(self):
        try:
            reply = self.answer(self.request)
        except Outside:
            reply = {"outside": True}
        except OSError as e:
            reply = {"error": "%s: %s" % (self.request.get("path", self.request.get("op")), e.strerror or e)}
        except (KeyError, TypeError, ValueError) as e:
            reply = {"error": "a malformed request: %r" % (e,)}
        self.reply(reply)

    @staticmethod
    def answer(request):
        op = request.get("op")
        if op == "ping":
            return {}
        if op == "probe":
            found = {name: shutil.which(name) for name in ("python3", "python", "bash", "sh", "pwsh", "powershell")}
            return {"interpreters": {k: v for k, v in found.items() if v}, "machine": os.uname().machine,
                    "python": sys.version.split()[0]}
        if op == "delete":
            delete_files(request["paths"])
            return {}
        if op == "list":
            return listing(int(request["limit"]))
        return {"error": "unknown op %r" % (op,)}


class Session:
    """One stream to the JVM: a connection to the socket, or the runner's stdin and stdout."""

    def __init__(self, reader, write):
        self.reader = reader
        self.write = write
        self.lock = threading.Lock()
        self.channels = {}
        self.authenticated = False
        self.broken = False
        self.outcomes = {}  # channel of a recent write: whether it succeeded
        self.kept_off = None  # the fork server whose CPU the session thread keeps off

    def keep_off(self, server):
        """
        Keeps the session thread (the caller) off the CPU the fork server and its standbys keep to: it
        hands blocks over, and would be in the way of the standby it wakes (measured: 0.2 ms less a
        block on 2 vCPUs). Once per server, when its CPU is known.
        """
        if server is self.kept_off or not RUNNER_CPUS or len(RUNNER_CPUS) < 2:
            return
        try:
            cpus = os.sched_getaffinity(server.process.pid)
            if len(cpus) == 1:  # the server has kept to its CPU
                os.sched_setaffinity(0, (RUNNER_CPUS - cpus) or RUNNER_CPUS)
                self.kept_off = server
        except OSError:
            self.kept_off = server  # gone: the next server is looked at

    def written(self, channel, ok):
        self.outcomes[channel] = ok
        if len(self.outcomes) > MAX_OUTCOMES:
            del self.outcomes[next(iter(self.outcomes))]

    def send(self, kind, channel, payload=b"", last=False, owner=None):
        """
        Sends a frame of channel 0, or of a channel while owner (its handler) holds it; last ends
        the channel. A handler whose channel was cancelled, or ended by a new hello (after which the
        JVM numbers its channels from 1 again), sends nothing: what it ran is being killed.
        """
        with self.lock:
            if self.broken or (channel and self.channels.get(channel) is not owner):
                return
            if last:
                self.channels.pop(channel, None)
            try:
                self.write(HEADER.pack(kind[0], channel, len(payload)) + payload)
            except OSError:
                self.broken = True

    def reply(self, channel, reply, owner=None):
        self.send(b"R", channel, json.dumps(reply).encode(), last=True, owner=owner)

    def serve(self):
        """Serves frames until the stream ends or breaks the protocol; returns why it stopped, or None at its end."""
        try:
            while True:
                header = self.reader.read(HEADER.size)
                if len(header) < HEADER.size:
                    return None
                kind, channel, length = HEADER.unpack(header)
                if length > MAX_FRAME:
                    return "a frame of %d bytes" % length
                payload = self.reader.read(length)
                if len(payload) < length:
                    return None
                problem = self.dispatch(bytes([kind]), channel, payload)
                if problem:
                    return problem
        except (OSError, ValueError) as e:
            return str(e)
        finally:
            self.end_all()

    def dispatch(self, kind, channel, payload):
        if channel == 0:
            if kind != b"Q":
                return "a frame of type %r on channel 0" % kind
            request = json.loads(payload)
            op = request.get("op") if isinstance(request, dict) else None
            if op == "hello":
                self.end_all()  # a new attachment: what the previous one started goes
                self.outcomes.clear()
                self.authenticated = False
                self.broken = False
                self.send(b"H", 0, json.dumps({"protocol": PROTOCOL, "proof": proof(b"codebox-runner")}).encode())
            elif op == "auth":
                if not hmac.compare_digest(str(request.get("proof")), proof(b"codebox-client")):
                    return "a client without the secret"
                self.authenticated = True
                self.send(b"R", 0, b"{}")
            else:
                return "op %r on channel 0" % (op,)
            return None
        if not self.authenticated:
            return "a request before authentication"
        with self.lock:
            handler = self.channels.get(channel)
        if kind == b"K":
            if handler is not None:
                handler.cancel()
            return None
        if kind == b"D":
            if handler is None:
                return None  # the channel ended meanwhile (a relayed socket closed): its late data goes nowhere
            if not isinstance(handler, (Upload, Relay)):
                return "data for channel %d, which takes none" % channel
            return None if handler.feed(payload) else "more data than announced on channel %d" % channel
        if kind != b"Q" or handler is not None:
            return "a frame of type %r on channel %d" % (kind, channel)
        request = json.loads(payload)
        if not isinstance(request, dict):
            return "a request that is not a JSON object"
        op = request.get("op")
        try:
            handler = {"write": Upload, "run": Run, "read": Read, "connect": Relay}.get(op, Task)(self, channel, request)
        except (KeyError, TypeError, ValueError) as e:
            self.reply(channel, {"error": "a malformed %s request: %r" % (op, e)})
            return None
        with self.lock:
            self.channels[channel] = handler
        if isinstance(handler, Run) and "after" in request and not self.outcomes.pop(request["after"], False):
            handler.send(b"X", struct.pack(">iB", 0, 4), last=True)
            return None
        if isinstance(handler, Upload):
            if handler.remaining == 0:
                handler.finish()
        elif isinstance(handler, Task):
            handler()  # quick, and in order: a listing shows what earlier requests left, and nothing later
        else:
            if isinstance(handler, Run):
                handler.hand_over()
            WORKERS.submit(handler)
        return None

    def end_all(self):
        with self.lock:
            handlers = list(self.channels.values())
            self.channels.clear()
        for handler in handlers:
            handler.cancel()


class Connection(socketserver.BaseRequestHandler):

    def handle(self):
        problem = Session(self.request.makefile("rb"), self.request.sendall).serve()
        if problem:
            sys.stderr.write("codebox runner: a connection ended: %s\n" % problem)


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def serve_socket(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    # Only the container's user (and root) may connect; the socket is born that way, not chmod-ed later.
    umask = os.umask(0o177)
    try:
        server = Server(path, Connection)
    finally:
        os.umask(umask)
    # Only now: the umask is process-wide, and the fork server's private dir must not be born 0600.
    start_forks_in_background()
    try:
        server.serve_forever()
    finally:
        os.unlink(path)


def not_dumpable():
    """Keeps code of the same user out of the runner's /proc entries (its fds, memory and environment)."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE
    except (OSError, AttributeError, ImportError):
        pass


def serve_stdio():
    # The frames own the real stdout; anything else that writes to fd 1 lands on stderr instead.
    out = os.dup(1)
    os.dup2(2, 1)

    def write(data):
        view = memoryview(data)
        while view:
            view = view[os.write(out, view):]

    start_forks_in_background()
    problem = Session(os.fdopen(os.dup(0), "rb"), write).serve()
    if problem:
        sys.exit("codebox runner: the stream broke the protocol: %s" % problem)


def secret_from_stdin():
    """The first line of stdin, CODEBOX_RUNNER_SECRET=HEX, sent by the JVM that started this runner.
    Not the environment: a container's spec shows it through the engine's or the cluster's API, and
    docker's init (PID 1) keeps its environment readable to the code. Read a byte at a time: on the
    stdio stream the frames follow."""
    line = b""
    while not line.endswith(b"\n") and len(line) < 256:
        byte = os.read(0, 1)
        if not byte:
            break
        line += byte
    name, _, value = line.strip().partition(b"=")
    return value if name == b"CODEBOX_RUNNER_SECRET" else b""


def main():
    global WORK_DIR, SECRET
    WORK_DIR = sys.argv[2]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    not_dumpable()
    SECRET = secret_from_stdin()
    if not SECRET:
        sys.exit("codebox: no CODEBOX_RUNNER_SECRET line on stdin")
    if sys.argv[1] != "-":
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)  # nothing else comes that way
        os.close(devnull)
    if os.getpid() == 1:
        threading.Thread(target=reap_orphans, daemon=True).start()
    if sys.argv[1] == "-":
        serve_stdio()
    else:
        serve_socket(sys.argv[1])


main()
