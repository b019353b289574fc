"""Case 6: CPython's threading.Thread start + join of a trivial target.

Usage: python3 bench/cpython_spawn_join.py ITERATIONS ROUNDS [cpu|wall]
Prints one JSON object: microseconds per start+join, the median over ROUNDS
rounds of ITERATIONS each (plus a daemon variant), and the Python version.
The clock is the process CPU time (time.process_time: user + system of all
threads) or wall time (time.perf_counter), as in the Node process.
"""
import json
import statistics
import sys
import threading
import time


def noop():
    pass


def per_op(iterations, daemon, clock):
    start = clock()
    for _ in range(iterations):
        t = threading.Thread(target=noop, daemon=daemon)
        t.start()
        t.join()
    return (clock() - start) * 1e6 / iterations


def main():
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    clock_name = sys.argv[3] if len(sys.argv) > 3 else "wall"
    clock = time.process_time if clock_name == "cpu" else time.perf_counter
    per_op(min(iterations, 1000), False, clock)  # warm-up
    non_daemon = []
    daemon = []
    for _ in range(rounds):
        non_daemon.append(per_op(iterations, False, clock))
        daemon.append(per_op(iterations, True, clock))
    print(json.dumps({
        "python": sys.version.split()[0],
        "implementation": sys.implementation.name,
        "iterations": iterations,
        "rounds": rounds,
        "clock": clock_name,
        "microsPerOp": statistics.median(non_daemon),
        "daemonMicrosPerOp": statistics.median(daemon),
        "roundsMicros": non_daemon,
        "daemonRoundsMicros": daemon,
    }))


if __name__ == "__main__":
    main()
