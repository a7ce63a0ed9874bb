"""Why a plain shared dict is not enough: threads that INCR one key lose updates.

Run it: `python steps/04_shared_state/lost_updates.py`. It prints how many
increments it expected and how many survived.
"""

import threading
import time

THREADS = 50
INCREMENTS_PER_THREAD = 200

store = {"counter": "0"}


def incr(key: str) -> None:
    value = int(store[key])  # 1. read
    # A real server does I/O here and there (parsing, logging, sending). Any of
    # it lets Python switch to another thread; sleep(0) stands in for it.
    time.sleep(0)
    store[key] = str(value + 1)  # 2. write back. Another thread may have
    # written in between; its increment is overwritten and lost.


def client() -> None:
    for _ in range(INCREMENTS_PER_THREAD):
        incr("counter")


threads = [threading.Thread(target=client) for _ in range(THREADS)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()

expected = THREADS * INCREMENTS_PER_THREAD
print(f"expected {expected}, got {store['counter']}: {expected - int(store['counter'])} increments lost")
