# codebox's resident runner: the main process of a codebox Docker container.
#
# It listens on a Unix domain socket (argv[1], mode 0600) and serves each connection in a thread of
# its own, so blocks may run concurrently. argv[2] is the work dir (/workspace).
#
# Frames from the runner: 1 type byte, 4 byte big-endian length, payload.
#   H  hello, sent first on every connection: JSON {"protocol": 1, "proof": HEX}
#   R  the reply to a request: JSON
#   O  output bytes of a running command (at most 64 KiB)
#   X  the command's end: a signed 4 byte exit code and one byte, 1 when the container's cgroup
#      recorded an OOM kill while the command ran
# Requests are JSON lines. The first must be {"op": "auth", "proof": HEX}; a wrong one ends the
# connection. The proofs are HMAC-SHA256 of "codebox-runner" and "codebox-client" keyed with the
# secret in CODEBOX_RUNNER_SECRET, so neither side sends the secret and the JVM can tell the runner
# from any other socket a path may lead to.
#   {"op": "probe"}                           -> R {name: path} of the interpreters installed
#   {"op": "write", "path", "data", "reuse"}  -> R {"ok": true} | {"outside": true} | {"error": ...}
#   {"op": "delete", "paths": [...]}          -> R {}
#   {"op": "list", "limit": N}                -> R {"files": {name: stamp} or null when more than N}
#   {"op": "read", "path", "offset", "length"} -> R {"data": base64, "eof": bool} | {"outside": true}
#                                                (a regular file only; length at most 1 MiB)
#   {"op": "run", "argv": [...]}              -> O ..., then X; the connection then only takes one
#                                                byte (or its end), which kills the running command
# Paths are relative to the work dir and are resolved one directory at a time, never through a
# symbolic link: code running in the container may swap a directory for a link at any moment.
#
# Python blocks are forked from codebox's fork server when CODEBOX_FORK_SERVER holds its source
# (forkserver.py of the local executor, which documents it): the runner plays the JVM's part,
# listening on a socket of its own for the children and relaying their output as O frames.
import base64
import errno
import hashlib
import hmac
import json
import os
import secrets
import shutil
import signal
import socketserver
import struct
import socket
import subprocess
import sys
import tempfile
import threading

PROTOCOL = 1
LINGER = 0.1  # output may stay open this long after the command exited before its session is killed
DRAIN = 1.0   # how long to wait for the end of output once the session was killed
MAX_REQUEST = 48 << 20  # a request line (a code file in base64) may be this long at most
MAX_REPLY = 12 << 20    # a listing larger than this is reported as untracked
MAX_READ = 1 << 20      # a read returns at most this many bytes
OOM_FILES = ("/sys/fs/cgroup/memory.events", "/sys/fs/cgroup/memory/memory.oom_control")
DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC

SECRET = os.environ.pop("CODEBOX_RUNNER_SECRET", "").encode()
FORK_SERVER_SOURCE = os.environ.pop("CODEBOX_FORK_SERVER", "")
WORK_DIR = None
FORKS = None  # the Forks of this runner, when python blocks are forked


def proof(role):
    return hmac.new(SECRET, role, hashlib.sha256).hexdigest()


class Outside(Exception):
    """A path that leaves the work dir, or leads through something that is not a directory."""


def oom_kills():
    for name in OOM_FILES:
        try:
            with open(name) as f:
                for line in f:
                    key, _, value = line.partition(" ")
                    if key == "oom_kill":
                        return int(value)
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


def write_file(path, data, reuse):
    parents, name = split(path)
    fd = open_dir(parents, True)
    try:
        try:
            st = os.stat(name, dir_fd=fd, follow_symlinks=False)
            if reuse and (st.st_mode & 0o170000) == 0o100000 and st.st_size == len(data):
                return
        except FileNotFoundError:
            pass
        temp = ".codebox-%s.tmp" % secrets.token_hex(8)
        out = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644, dir_fd=fd)
        try:
            os.fchmod(out, 0o644)
            view = memoryview(data)
            while view:
                view = view[os.write(out, view):]
        finally:
            os.close(out)
        try:
            # rename replaces a link at the name itself; it never follows it.
            os.rename(temp, name, src_dir_fd=fd, dst_dir_fd=fd)
        except OSError:
            os.unlink(temp, dir_fd=fd)
            raise
    finally:
        os.close(fd)


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


def read_file(path, offset, length):
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
    try:
        if (os.fstat(f).st_mode & 0o170000) != 0o100000:
            raise Outside()  # a fifo or a device: nothing to copy
        data = os.pread(f, min(max(length, 0), MAX_READ), max(offset, 0))
        return {"data": base64.b64encode(data).decode("ascii"), "eof": len(data) < min(length, MAX_READ)}
    finally:
        os.close(f)


class TooMany(Exception):
    pass


def list_files(limit):
    files = {}

    def walk(fd, prefix):
        with os.scandir(fd) as entries:
            for entry in entries:
                try:
                    if entry.is_dir(follow_symlinks=False):
                        child = os.open(entry.name, DIR_FLAGS, dir_fd=fd)
                        try:
                            walk(child, prefix + entry.name + "/")
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
        walk(fd, "")
    except TooMany:
        return None
    finally:
        os.close(fd)
    return files


class Child:
    """A child of the fork server: its pid, its connection and its exit code, as they come."""

    def __init__(self, nonce):
        self.nonce = nonce
        self.pid = None
        self.conn = None
        self.code = None
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
        self.process = subprocess.Popen([python, "-c", FORK_SERVER_SOURCE, self.path, WORK_DIR, python],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=WORK_DIR,
                                        start_new_session=True)
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
            threading.Thread(target=self.identify, args=(conn,), daemon=True).start()

    def identify(self, conn):
        # A connection that names no pending child (code may connect too) is closed.
        conn.settimeout(2)
        nonce = b""
        try:
            while len(nonce) < 33:
                chunk = conn.recv(33 - len(nonce))
                if not chunk:
                    break
                nonce += chunk
        except OSError:
            pass
        conn.settimeout(None)
        with self.lock:
            child = self.children.get(nonce[:-1].decode("ascii", "replace")) if nonce.endswith(b"\n") else None
            if child is not None and child.conn is None:
                child.conn = conn
                child.connected.set()
                return
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

    def fork(self, file):
        """Hands file to a child, or returns None (the block is then spawned)."""
        with self.lock:
            child, self.standby = self.standby, None
        if child is None:
            child = self.request(False)
        if not (child.started.wait(5) and child.connected.wait(5)) or child.conn is None or child.pid is None:
            self.abandon(child)
            return None
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
        threading.Thread(target=self.process.wait, daemon=True).start()  # reaps the server when it has exited
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

    def fork(self, file):
        with self.lock:
            if not self.server.usable():
                self.server.retire()  # its running children still report to it until they end
                self.server = ForkServer(self.python)
                self.server.ready.wait(30)
            server = self.server
        return server, server.fork(file)


def start_forks():
    global FORKS
    python = shutil.which("python3") or shutil.which("python")
    if not FORK_SERVER_SOURCE or python is None:
        return
    try:
        FORKS = Forks(python)
    except OSError as e:
        sys.stderr.write("codebox: python blocks are spawned, the fork server could not start: %s\n" % e)


class Connection(socketserver.BaseRequestHandler):

    def handle(self):
        self.lock = threading.Lock()
        self.stream = self.request.makefile("rb")
        self.send(b"H", json.dumps({"protocol": PROTOCOL, "proof": proof(b"codebox-runner")}).encode())
        auth = self.read_request()
        if auth is None or auth.get("op") != "auth" or not hmac.compare_digest(str(auth.get("proof")), proof(b"codebox-client")):
            return
        while True:
            request = self.read_request()
            if request is None:
                return
            op = request.get("op")
            if op == "run":
                self.run(request["argv"])
                return
            try:
                reply = self.answer(op, request)
            except Outside:
                reply = {"outside": True}
            except OSError as e:
                reply = {"error": "%s: %s" % (request.get("path", op), e.strerror or e)}
            self.send(b"R", json.dumps(reply).encode())

    def answer(self, op, request):
        if op == "probe":
            found = {name: shutil.which(name) for name in ("python3", "python", "bash", "sh", "pwsh", "powershell")}
            return {k: v for k, v in found.items() if v}
        if op == "write":
            write_file(request["path"], base64.b64decode(request["data"]), bool(request.get("reuse")))
            return {"ok": True}
        if op == "delete":
            delete_files(request["paths"])
            return {}
        if op == "read":
            return read_file(request["path"], int(request["offset"]), int(request["length"]))
        if op == "list":
            files = list_files(int(request["limit"]))
            if files is not None and sum(len(k) + len(v) + 8 for k, v in files.items()) > MAX_REPLY:
                files = None
            return {"files": files}
        return {"error": "unknown op %r" % op}

    def read_request(self):
        line = self.stream.readline(MAX_REQUEST)
        if not line.endswith(b"\n"):
            return None  # the end of the connection, or a request over the limit
        try:
            request = json.loads(line)
        except ValueError:
            return None
        return request if isinstance(request, dict) else None

    def send(self, kind, payload):
        with self.lock:
            try:
                self.request.sendall(kind + struct.pack(">I", len(payload)) + payload)
            except OSError:
                pass  # the client went away; the command is being killed

    def run(self, argv):
        oom_before = oom_kills()
        forks = FORKS
        if forks is not None and forks.handles(argv):
            server, child = forks.fork(argv[1])
            if child is not None:
                try:
                    code = self.supervise(child.pid, lambda: child.conn.recv(65536), lambda: child.exited.wait() and child.code)
                finally:
                    child.conn.close()
                    server.block_ended()
                if code is None:
                    self.send(b"O", b"codebox: the block did not finish: its fork server stopped; the next block gets a new one\n")
                    code = 1
                self.send_exit(code, oom_before)
                return
        try:
            process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        except OSError as e:
            self.send(b"O", ("could not start %s: %s\n" % (argv[0], e.strerror)).encode())
            self.send(b"X", struct.pack(">iB", 127, 0))
            return
        fd = process.stdout.fileno()
        try:
            code = self.supervise(process.pid, lambda: os.read(fd, 65536), process.wait)
        finally:
            process.stdout.close()
        self.send_exit(128 - code if code < 0 else code, oom_before)

    def supervise(self, pid, read, wait):
        """
        Streams the output of the block whose session is pid until every holder closed it, kills
        the session on the client's byte (or end), and returns what wait() returns once the block
        exited; background processes that keep the output open are killed after LINGER.
        """
        try:
            # Make the block, not the runner, the OOM killer's first choice (raising needs no privilege).
            with open("/proc/%d/oom_score_adj" % pid, "w") as f:
                f.write("1000")
        except OSError:
            pass
        done = threading.Event()

        def watch_client():
            try:
                self.stream.read(1)
            except (OSError, ValueError):
                pass
            if not done.is_set():
                kill_session(pid)

        def pump():
            while True:
                try:
                    data = read()
                except OSError:
                    break
                if not data:
                    break
                self.send(b"O", data)

        threading.Thread(target=watch_client, daemon=True).start()
        pumping = threading.Thread(target=pump, daemon=True)
        pumping.start()
        code = wait()
        pumping.join(LINGER)
        if pumping.is_alive():
            kill_session(pid)
            pumping.join(DRAIN)
        done.set()
        return code

    def send_exit(self, code, oom_before):
        # Any OOM kill in the container while the block ran (a concurrent block's would count too).
        oom = oom_kills() > oom_before >= 0
        self.send(b"X", struct.pack(">iB", code, 1 if oom else 0))


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def main():
    global WORK_DIR
    path = sys.argv[1]
    WORK_DIR = sys.argv[2]
    if not SECRET:
        sys.exit("codebox: CODEBOX_RUNNER_SECRET is not set")
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    threading.Thread(target=start_forks, daemon=True).start()
    # Only the container's user (and root) may connect; the socket is born that way, not chmod-ed later.
    umask = os.umask(0o177)
    try:
        server = Server(path, Connection)
    finally:
        os.umask(umask)
    try:
        server.serve_forever()
    finally:
        os.unlink(path)


main()
