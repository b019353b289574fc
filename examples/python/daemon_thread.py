# The seed's first example, verbatim (run: python3 examples/python/daemon_thread.py).
import threading
import time


def background_task():
    while True:
        print("Daemon thread running...", flush=True)
        time.sleep(2)


# Creating a thread
daemon_thread = threading.Thread(target=background_task)
# Setting it as a daemon thread
daemon_thread.daemon = True
# Starting the thread
daemon_thread.start()

# Main thread sleeps for 5 seconds and then exits
time.sleep(5)
print("Main thread exiting...", flush=True)
