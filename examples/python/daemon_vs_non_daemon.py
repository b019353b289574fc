# The seed's second example, verbatim (run: python3 examples/python/daemon_vs_non_daemon.py).
import threading
import time


def daemon_task():
    while True:
        print("Daemon thread running...", flush=True)
        time.sleep(1)


def non_daemon_task():
    for _ in range(5):
        print("Non-daemon thread running...", flush=True)
        time.sleep(1)


# Creating threads
daemon_thread = threading.Thread(target=daemon_task, daemon=True)
non_daemon_thread = threading.Thread(target=non_daemon_task)

# Starting threads
daemon_thread.start()
non_daemon_thread.start()

# Main thread waits for the non-daemon thread to complete
non_daemon_thread.join()
print("Main program exits.", flush=True)
