# codebox's resident runner: the main process of a codebox Docker container.
#
# It listens on a Unix domain socket (argv[1], in the bind-mounted work dir) and serves each
# connection in a thread of its own, so blocks may run concurrently. A connection sends one JSON
# line, then may send a byte (any byte, or end of stream) to kill the running command:
#   {"op": "probe"}                    -> frame P: JSON {name: path} of the interpreters installed
#   {"op": "run", "argv": [...]}       -> frames O (output bytes) ..., then X (exit code, oom flag)
# Frames are: 1 type byte, 4 byte big-endian length, payload. X's payload is a signed 4 byte exit
# code and one byte that is 1 when the container's cgroup recorded an OOM kill while the command ran.
# Each command is the leader of a new session, so killing the session kills its whole tree.
import json
import os
import shutil
import signal
import socket
import socketserver
import struct
import subprocess
import sys
import threading

LINGER = 0.1  # output may stay open this long after the command exited before its session is killed
DRAIN = 1.0   # how long to wait for the end of output once the session was killed
OOM_FILES = ("/sys/fs/cgroup/memory.events", "/sys/fs/cgroup/memory/memory.oom_control")


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


class Connection(socketserver.BaseRequestHandler):

    def handle(self):
        self.lock = threading.Lock()
        self.stream = self.request.makefile("rb")
        request = json.loads(self.stream.readline() or b"{}")
        if request.get("op") == "probe":
            found = {name: shutil.which(name) for name in ("python3", "python", "bash", "sh", "pwsh", "powershell")}
            self.send(b"P", json.dumps({k: v for k, v in found.items() if v}).encode())
        elif request.get("op") == "run":
            self.run(request["argv"])

    def send(self, kind, payload):
        with self.lock:
            try:
                self.request.sendall(kind + struct.pack(">I", len(payload)) + payload)
            except OSError:
                pass  # the client went away; the command is being killed

    def run(self, argv):
        oom_before = oom_kills()
        try:
            process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        except OSError as e:
            self.send(b"O", ("could not start %s: %s\n" % (argv[0], e.strerror)).encode())
            self.send(b"X", struct.pack(">iB", 127, 0))
            return
        try:
            # Make the block, not the runner, the OOM killer's first choice (raising needs no privilege).
            with open("/proc/%d/oom_score_adj" % process.pid, "w") as f:
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
                kill_session(process.pid)

        def pump():
            fd = process.stdout.fileno()
            while True:
                data = os.read(fd, 65536)
                if not data:
                    break
                self.send(b"O", data)

        threading.Thread(target=watch_client, daemon=True).start()
        pumping = threading.Thread(target=pump, daemon=True)
        pumping.start()
        code = process.wait()
        pumping.join(LINGER)
        if pumping.is_alive():
            kill_session(process.pid)
            pumping.join(DRAIN)
        done.set()
        process.stdout.close()
        # Any OOM kill in the container while the block ran (a concurrent block's would count too).
        oom = oom_kills() > oom_before >= 0
        self.send(b"X", struct.pack(">iB", 128 - code if code < 0 else code, 1 if oom else 0))


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def main():
    path = sys.argv[1]
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = Server(path, Connection)
    # The JVM may run as another user than the container; the work dir's permissions guard the socket.
    os.chmod(path, 0o666)
    try:
        server.serve_forever()
    finally:
        os.unlink(path)


main()
