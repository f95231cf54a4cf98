"""The baseline of codebox-bench's jupyter section: jupyter_client doing what codebox is timed doing.

usage: python3 jupyter_client_loop.py KERNEL_NAME WARMUP ITERATIONS STARTS

Starts the kernel STARTS times (start_new_kernel: launch, connect, kernel_info handshake), and on
the first kernel runs "x = 0", then WARMUP untimed and ITERATIONS timed round trips of "x += 1"
(execute_interactive: execute_request, iopub until idle, execute_reply). Every kernel is shut down.
Prints one JSON object: {"start_ms": [...], "round_trip_ms": [...]}.
"""
import json
import sys
import time

from jupyter_client.manager import start_new_kernel


def ignore(_message):
    pass


def round_trips(client, warmup, iterations):
    client.execute_interactive("x = 0", timeout=60, output_hook=ignore)
    timings = []
    for i in range(warmup + iterations):
        start = time.perf_counter()
        reply = client.execute_interactive("x += 1", timeout=60, output_hook=ignore)
        elapsed = (time.perf_counter() - start) * 1000
        if reply["content"]["status"] != "ok":
            raise SystemExit("x += 1 failed: %r" % reply["content"])
        if i >= warmup:
            timings.append(elapsed)
    return timings


def main():
    kernel_name, warmup, iterations, starts = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    start_ms = []
    round_trip_ms = []
    for i in range(starts):
        started = time.perf_counter()
        manager, client = start_new_kernel(kernel_name=kernel_name)
        start_ms.append((time.perf_counter() - started) * 1000)
        try:
            if i == 0:
                round_trip_ms = round_trips(client, warmup, iterations)
        finally:
            client.stop_channels()
            manager.shutdown_kernel(now=True)
    print(json.dumps({"start_ms": start_ms, "round_trip_ms": round_trip_ms}))


main()
