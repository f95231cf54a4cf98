# The floor of a forked block: a warm interpreter forks a child that exits at once, and waits for
# it. Prints one duration in nanoseconds per fork (run as: python fork_floor.py COUNT).
import os
import sys
import time

for _ in range(int(sys.argv[1])):
    start = time.perf_counter_ns()
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    print(time.perf_counter_ns() - start)
