# codebox's set-up of a functions module (see FunctionsSetup.java): installs the requirements with
# this interpreter's pip, then imports the module to prove that it loads. The JVM fills in the
# arguments of the call at the end. Run as a file it exits with status 3 after printing a failure;
# run in a kernel it only prints it (and removes the module file it wrote), and leaves no names behind.


def _codebox_functions_setup(module_name, file_name, requirements_base64, source_base64, in_kernel):
    import base64, importlib, os, subprocess, sys, traceback

    def failed(reason, details):
        if in_kernel and source_base64 and os.path.exists(file_name):
            os.remove(file_name)
        print("codebox-functions-setup-failed: " + reason, flush=True)
        print(details, flush=True)
        if not in_kernel:
            sys.exit(3)

    requirements = base64.b64decode(requirements_base64).decode("utf-8").splitlines()
    if source_base64:
        with open(file_name, "w", encoding="utf-8") as file:
            file.write(base64.b64decode(source_base64).decode("utf-8"))
    if requirements:
        # -q, not -qqq: quiet, yet a failure keeps pip's own message.
        command = [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-input",
                   *requirements]
        try:
            pip = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        except OSError as error:
            return failed("pip install failed", str(error))
        if pip.returncode != 0:
            return failed("pip install failed", pip.stdout.decode("utf-8", "replace"))
    importlib.invalidate_caches()
    try:
        if module_name in sys.modules:
            importlib.reload(sys.modules[module_name])
        else:
            __import__(module_name)
    except BaseException:
        return failed("functions failed to load", traceback.format_exc())


try:
    _codebox_functions_setup("MODULE_NAME", "FILE_NAME", "REQUIREMENTS_BASE64", "SOURCE_BASE64", IN_KERNEL)
finally:
    del _codebox_functions_setup
