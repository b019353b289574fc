"""Case 6: CPython's threading.Thread start + join of a trivial target.

Usage: python3 bench/cpython_spawn_join.py ITERATIONS ROUNDS
Prints one JSON object: microseconds per start+join, the median over ROUNDS
rounds of ITERATIONS each (plus a daemon variant), and the Python version,
in wall time (time.perf_counter) and in process CPU time
(time.process_time: user + system of all threads).
"""
import json
import statistics
import sys
import threading
import time


def noop():
    pass


def per_op(iterations, daemon):
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(iterations):
        t = threading.Thread(target=noop, daemon=daemon)
        t.start()
        t.join()
    wall_us = (time.perf_counter() - start) * 1e6 / iterations
    cpu_us = (time.process_time() - cpu) * 1e6 / iterations
    return wall_us, cpu_us


def main():
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    per_op(min(iterations, 1000), False)  # warm-up
    non_daemon = []
    daemon = []
    for _ in range(rounds):
        non_daemon.append(per_op(iterations, False))
        daemon.append(per_op(iterations, True))
    print(json.dumps({
        "python": sys.version.split()[0],
        "implementation": sys.implementation.name,
        "iterations": iterations,
        "rounds": rounds,
        "microsPerOp": statistics.median(w for w, _ in non_daemon),
        "cpuMicrosPerOp": statistics.median(c for _, c in non_daemon),
        "daemonMicrosPerOp": statistics.median(w for w, _ in daemon),
        "daemonCpuMicrosPerOp": statistics.median(c for _, c in daemon),
    }))


if __name__ == "__main__":
    main()
