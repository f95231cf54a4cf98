# Starts the Jupyter server of a docker-jupyter executor (run as: python3 -c SOURCE SERVER_ARGS...).
#
# The token never travels where the code could read it. Under codebox's runner it is in this
# process's environment alone (JUPYTER_TOKEN); in a container of its own it is the first line of
# the container's stdin, since the container's environment is docker's init's, which the code can
# read in /proc/1/environ. It is taken out of the environment before the server starts, so that the
# kernels, which inherit the server's environment, never see it, and given to the server as
# configuration. The process then makes itself non-dumpable: its /proc files, among them the
# environment it started with, become unreadable to the code, which runs as the same user.
# Without a token the server does not start: it would serve without authentication.
import ctypes
import os
import sys

token = os.environ.pop("JUPYTER_TOKEN", "") or sys.stdin.readline().strip()
if not token:
    sys.exit("codebox: no token for the Jupyter server; it would serve without authentication")
PR_SET_DUMPABLE = 4
if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
    sys.exit("codebox: cannot make the Jupyter server non-dumpable: %s" % os.strerror(ctypes.get_errno()))

from traitlets.config import Config  # noqa: E402
from jupyter_server.serverapp import ServerApp  # noqa: E402

config = Config()
config.ServerApp.token = token
del token
ServerApp.launch_instance(argv=sys.argv[1:], config=config)
