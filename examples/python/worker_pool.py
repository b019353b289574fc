# A worker pool in the seed's style: a queue of jobs, three daemon workers, and
# q.join() to wait until every job is done (run: python3 examples/python/worker_pool.py).
# The Effect version is examples/worker-pool.ts.
import queue
import threading
import time

jobs = queue.Queue()


def worker():
    while True:
        job = jobs.get()
        time.sleep(0.1 * job)  # the work: job N takes N tenths of a second
        print(f"job {job} done", flush=True)
        jobs.task_done()


# Three daemon workers: they wait for jobs forever, and never hold the program open
for n in range(3):
    threading.Thread(target=worker, name=f"worker-{n + 1}", daemon=True).start()

for job in range(1, 10):
    jobs.put(job)

# Wait until every job has been marked done (the workers are still waiting for more)
jobs.join()
print(f"All jobs done; {threading.active_count() - 1} daemon workers still waiting.", flush=True)
