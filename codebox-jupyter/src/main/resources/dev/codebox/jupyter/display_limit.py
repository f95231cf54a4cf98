# codebox's bound on display data, run silently in every new Python kernel after python_setup.py.
# A display (display_data or execute_result) whose value for one MIME type is larger than LIMIT
# never travels as a message: a PNG, JPEG, SVG or HTML value is written by the kernel itself to a
# file of OUTPUT_DIR (the executor's output dir as the kernel sees it) and the message only names
# it; any other large value, or any when there is no OUTPUT_DIR (a remote server's kernel, whose
# files the executor cannot read), is dropped and the message says so. So the executor's memory
# does not grow with what code displays.
OUTPUT_DIR = None  # codebox: the output dir
LIMIT = 1 << 20    # codebox: the limit in bytes


def __codebox_limit_displays(output_dir, limit):
    import base64, json, os, uuid

    saved_types = {"image/png": "png", "image/jpeg": "jpg", "image/svg+xml": "svg", "text/html": "html"}

    def size(value):
        if isinstance(value, (str, bytes, bytearray)):
            return len(value)
        if isinstance(value, list):
            return sum(size(item) for item in value)
        try:
            return len(json.dumps(value))
        except Exception:
            return 0

    def content(mime, value):
        if isinstance(value, list):
            value = "".join(value)
        if mime in ("image/png", "image/jpeg") and isinstance(value, str):
            return base64.b64decode(value)
        return value.encode("utf-8") if isinstance(value, str) else bytes(value)

    def bounded(data):
        if not isinstance(data, dict) or all(size(value) <= limit for value in data.values()):
            return data
        kept, saved, dropped = {}, [], []
        for mime, value in data.items():
            n = size(value)
            if n <= limit:
                kept[mime] = value
            elif output_dir is not None and mime in saved_types:
                name = "%s.%s" % (uuid.uuid4(), saved_types[mime])
                with open(os.path.join(output_dir, name), "wb") as f:
                    f.write(content(mime, value))
                saved.append({"name": name, "mime": mime})
            else:
                dropped.append({"mime": mime, "bytes": n})
        if saved:
            kept["application/vnd.codebox.saved+json"] = saved
        if dropped:
            kept["application/vnd.codebox.dropped+json"] = {"limit": limit, "dropped": dropped}
        return kept

    def wrap(cls, name):
        original = getattr(cls, name)

        def bounded_call(self, data, *args, **kwargs):
            return original(self, bounded(data), *args, **kwargs)

        setattr(cls, name, bounded_call)

    # Where ipykernel lacks these (another version), displays pass unbounded, as without codebox.
    try:
        from ipykernel.zmqshell import ZMQDisplayPublisher
        wrap(ZMQDisplayPublisher, "publish")
    except (ImportError, AttributeError):
        pass
    try:
        from ipykernel.displayhook import ZMQShellDisplayHook
        wrap(ZMQShellDisplayHook, "write_format_data")
    except (ImportError, AttributeError):
        pass


try:
    __codebox_limit_displays(OUTPUT_DIR, LIMIT)
finally:
    del __codebox_limit_displays, OUTPUT_DIR, LIMIT
