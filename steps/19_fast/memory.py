"""maxmemory: how much memory the data takes, and which keys go when it
takes too much, as Redis chooses them.

**How much.** Redis asks its allocator, which counts every byte it hands
out. Python has no such count that is cheap to read (tracemalloc keeps
one, at a cost of several times the run time; the process's RSS never
shrinks). So we estimate: the bytes a handful of random keys take, per
key, times the number of keys, refreshed by the cron; and each eviction
takes its key's estimate off at once, so that an eviction loop sees the
effect of its work. The estimate is used_memory in INFO and what
maxmemory is held against.

**Which keys.** An exact LRU would need a list of every key in access
order, updated on every read: memory and time on every command, for a
choice that only matters when memory runs out. Redis samples instead:
it looks at maxmemory-samples random keys (5), keeps the best candidates
seen so far in a pool of 16, and evicts the best one. Each key carries
only a clock reading: when it was last used (LRU), or a small logarithmic
counter of how often, that decays with time (LFU).
"""

from __future__ import annotations

import random
import sys
import time
from collections import deque
from typing import Iterator

POOL_SIZE = 16  # EVPOOL_SIZE: the best candidates kept between evictions
LFU_INIT_VAL = 5  # a new key's counter: not evicted at once for being new
STRING_SAMPLES = 5  # MEMORY USAGE's default: elements of a collection looked at


# --8<-- [start:clock]
def lru_clock() -> int:
    """Seconds, in 24 bits as Redis keeps them in each object."""
    return int(time.time()) & 0xFFFFFF


def minutes_clock() -> int:
    """Minutes, in 16 bits: the LFU counter's last decrement time."""
    return (int(time.time()) // 60) & 0xFFFF


def lfu_decayed(value: int, decay_time: int) -> int:
    """The counter of a packed LFU value (minutes << 8 | counter), less one
    for each lfu-decay-time minutes since it was last touched."""
    counter, then = value & 0xFF, value >> 8
    now = minutes_clock()
    elapsed = now - then if now >= then else 0xFFFF - then + now
    periods = elapsed // decay_time if decay_time else 0
    return max(counter - periods, 0)


def lfu_touched(value: int | None, log_factor: int, decay_time: int) -> int:
    """An access: decay the counter, then add one with a probability that
    falls as the counter grows (1 / ((counter - 5) * lfu-log-factor + 1)),
    so that 8 bits count up to millions of accesses, roughly."""
    counter = LFU_INIT_VAL if value is None else lfu_decayed(value, decay_time)
    if counter < 255 and random.random() < 1 / (max(counter - LFU_INIT_VAL, 0) * log_factor + 1):
        counter += 1
    return minutes_clock() << 8 | counter
# --8<-- [end:clock]


# --8<-- [start:size]
def value_size(value: object, samples: int = STRING_SAMPLES) -> int:
    """What a value takes in our memory, estimated as MEMORY USAGE does in
    Redis: a collection by `samples` of its elements (0: all of them),
    scaled to its length. Python objects carry a header of their own
    (sys.getsizeof counts it), so this is larger than Redis's figure."""
    from sorted_set import SortedSet  # here: sorted_set.py imports store.py, which imports this module
    if isinstance(value, bytes):
        return sys.getsizeof(value)
    if isinstance(value, SortedSet):
        items: Iterator = iter(value)
        per_element = 3 * 56 + 64  # a skiplist node, its score, its dict entry, roughly
    elif isinstance(value, dict):
        items, per_element = iter(value.items()), 0
    else:
        items, per_element = iter(value), 0
    count = len(value)
    looked = []
    for item in items:
        looked.append(item)
        if samples and len(looked) >= samples:
            break
    if not looked:
        return sys.getsizeof(value)
    each = sum(sum(map(sys.getsizeof, item)) if isinstance(item, tuple) else sys.getsizeof(item)
               for item in looked) / len(looked)
    container = sys.getsizeof(value) if not isinstance(value, SortedSet) else 0
    return int(container + count * (each + per_element + (0 if isinstance(value, deque) else 8)))


def key_size(key: bytes, value: object, samples: int = STRING_SAMPLES) -> int:
    """A key's share: its name, its value, and its dict entry in the store."""
    return sys.getsizeof(key) + value_size(value, samples) + 100
# --8<-- [end:size]


# --8<-- [start:evict]
MAXMEMORY_POLICIES = ("noeviction", "allkeys-lru", "volatile-lru", "allkeys-lfu", "volatile-lfu",
                      "allkeys-random", "volatile-random", "volatile-ttl")


class Evictor:
    """Keeps used memory under maxmemory by evicting keys, per maxmemory-policy."""

    def __init__(self, databases: list, config: dict[str, bytes]) -> None:
        self.databases = databases  # the server's list: SWAPDB swaps its items, not the list
        self.config = config
        self.baseline = 0  # the process's memory but the data, when tracking began
        self.pool: list[tuple[float, int, bytes]] = []  # (score, db, key), best candidate last
        self.next_db = 0  # where the random policies look first
        self.maxmemory = 0  # config's, as a number: read before every command, so kept parsed

    @property
    def tracking(self) -> bool:
        return self.databases[0].sizes is not None

    def used_memory(self, process_memory: int) -> int:
        """What INFO calls used_memory: with maxmemory set, the process as it
        was when tracking began, plus the data's estimate now."""
        if not self.tracking:
            return process_memory
        return self.baseline + sum(db.memory for db in self.databases)

    def config_changed(self, process_memory: int) -> None:
        """maxmemory set: estimate every key once, then keep the sums up to date.
        maxmemory 0: stop, and spare every write the cost."""
        self.maxmemory = int(self.config["maxmemory"])
        on = self.maxmemory > 0
        if on and not self.tracking:
            for db in self.databases:
                db.track_sizes(True)
            self.baseline = process_memory - sum(db.memory for db in self.databases)
        elif not on and self.tracking:
            for db in self.databases:
                db.track_sizes(False)
        lfu = self.config["maxmemory-policy"].endswith(b"lfu")
        for db in self.databases:
            db.lfu = lfu
            db.lfu_log_factor = int(self.config["lfu-log-factor"])
            db.lfu_decay_time = int(self.config["lfu-decay-time"])

    def tick(self) -> None:
        """From the cron: the LRU clock moves on (it counts seconds; the cron
        runs hz times a second)."""
        now = lru_clock()
        for db in self.databases:
            db.clock = now

    def over_limit(self) -> bool:
        return self.maxmemory > 0 and self.used_memory(0) > self.maxmemory

    def perform_evictions(self) -> bool:
        """Evict until under maxmemory; False if it cannot get there (noeviction,
        or no key the policy may take), and a command that adds data is refused."""
        if not self.maxmemory:
            return True  # the usual case, at the cost of one test per command
        policy = self.config["maxmemory-policy"].decode()
        while self.over_limit():
            if policy == "noeviction":
                return False
            found = self.random_candidate(policy) if policy.endswith("random") else self.best_candidate(policy)
            if found is None:
                return False
            db, key = found
            db.evict(key)
        return True

    def random_candidate(self, policy: str) -> tuple | None:
        for _ in range(len(self.databases)):
            self.next_db = (self.next_db + 1) % len(self.databases)
            db = self.databases[self.next_db]
            keys = db.deadlines.sample(1) if policy.startswith("volatile") else [db.order.random_key()]
            if keys and keys[0] is not None and db.has_key(keys[0]):
                return db, keys[0]
        return None

    def best_candidate(self, policy: str) -> tuple | None:
        """Sample every database, keep the best candidates in the pool, and take
        the best one that is still there: the idlest (LRU), the least used (LFU),
        or the soonest to expire (volatile-ttl)."""
        samples = int(self.config["maxmemory-samples"])
        decay = int(self.config["lfu-decay-time"])
        volatile = policy.startswith("volatile")
        now = lru_clock()
        for index, db in enumerate(self.databases):
            keys = db.deadlines.sample(samples) if volatile else [db.order.random_key() for _ in range(samples)]
            for key in set(keys):
                if key is None or not db.has_key(key):
                    continue
                if policy.endswith("ttl"):
                    score = -db.deadline(key)
                elif policy.endswith("lfu"):
                    score = 255 - lfu_decayed(db.access.get(key, 0), decay)
                else:
                    score = (now - db.access.get(key, now)) & 0xFFFFFF
                if (score, index, key) not in self.pool:
                    self.pool.append((score, index, key))
        self.pool.sort()
        del self.pool[:-POOL_SIZE]
        while self.pool:
            _score, index, key = self.pool.pop()
            db = self.databases[index]
            if db.has_key(key) and (not volatile or db.deadline(key) is not None):
                return db, key
        return None
# --8<-- [end:evict]
