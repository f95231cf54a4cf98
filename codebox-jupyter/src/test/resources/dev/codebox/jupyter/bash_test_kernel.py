"""A small Jupyter kernel for the language bash, for codebox's tests of kernels that are not Python.

It is built on ipykernel's Kernel base class (the messaging, not IPython): each cell runs in a new
`bash -c`, its output is sent as stream messages, and a non-zero exit status is reported only in the
execute_reply, as some kernels do. Usage: python3 bash_test_kernel.py -f CONNECTION_FILE
"""
import subprocess

from ipykernel.kernelapp import IPKernelApp
from ipykernel.kernelbase import Kernel


class BashTestKernel(Kernel):
    implementation = "codebox-bash-test"
    implementation_version = "1"
    language = "bash"
    language_version = "5"
    language_info = {"name": "bash", "mimetype": "text/x-sh", "file_extension": ".sh"}
    banner = "bash, one process per cell"

    def do_execute(self, code, silent, store_history=True, user_expressions=None, allow_stdin=False):
        done = subprocess.run(["bash", "-c", code], capture_output=True, text=True)
        if not silent:
            for name, text in (("stdout", done.stdout), ("stderr", done.stderr)):
                if text:
                    self.send_response(self.iopub_socket, "stream", {"name": name, "text": text})
        if done.returncode != 0:
            return {"status": "error", "execution_count": self.execution_count,
                    "ename": "ExitStatus", "evalue": str(done.returncode), "traceback": []}
        return {"status": "ok", "execution_count": self.execution_count, "payload": [], "user_expressions": {}}


if __name__ == "__main__":
    IPKernelApp.launch_instance(kernel_class=BashTestKernel)
