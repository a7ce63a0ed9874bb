"""The keyspace: every key's value, and when the keys with a TTL expire.

Redis forgets expired keys in two ways, and so do we:

- lazily: whenever a command looks a key up, a key past its deadline is
  deleted first and the command sees no key at all;
- actively: ten times a second a cycle samples keys that have a TTL and
  deletes the expired ones, so keys nobody reads again still go away.
"""

from __future__ import annotations

import random
import time
from typing import TYPE_CHECKING, Iterator

from keyspace_events import EVICTED, EXPIRED, KEY_MISS, NEW, KeyEvents
from memory import key_size, lfu_touched, lru_clock
from stats import Stats

if TYPE_CHECKING:  # only for the annotation: blocking.py needs sorted_set.py, which needs this module
    from blocking import BlockedClients


def now_ms() -> int:
    """Wall-clock time in milliseconds since the Unix epoch, the unit of every deadline."""
    return time.time_ns() // 1_000_000


# --8<-- [start:deadlines]
class Deadlines:
    """Each key's deadline (ms since the epoch), plus a list of the same keys so
    that picking a random one costs O(1): a dict cannot do that by itself, and
    the active cycle picks random keys all the time.

    A key whose deadline goes stays in the list until a sweep: finding its
    place to remove it at once would take a third entry per key, an index
    of positions. Picks skip such keys; a sweep rebuilds the list once they
    are as many as the keys, so a pick takes three tries at worst, on average.
    """

    def __init__(self) -> None:
        self._deadline: dict[bytes, int] = {}
        self._keys: list[bytes] = []  # every key with a deadline, and some that had one
        # Every lookup of every key asks for its deadline: the dict's own
        # method answers, with no Python function around it.
        self.get = self._deadline.get

    def __len__(self) -> int:
        return len(self._deadline)

    def set(self, key: bytes, deadline: int) -> None:
        if key not in self._deadline:
            self._keys.append(key)
        self._deadline[key] = deadline

    def discard(self, key: bytes) -> bool:
        """Forget the key's deadline; True if it had one."""
        if self._deadline.pop(key, None) is None:
            return False
        if len(self._keys) > 2 * len(self._deadline) + 64:
            self._keys = list(self._deadline)  # the sweep: in C, and rare enough to cost O(1) a discard
        return True

    def sample(self, count: int) -> list[bytes]:
        """Up to `count` keys picked at random (a key may come up twice)."""
        picked: list[bytes] = []
        while len(picked) < min(count, len(self._deadline)):
            key = random.choice(self._keys)
            if key in self._deadline:  # not one whose deadline went since the last sweep
                picked.append(key)
        return picked
# --8<-- [end:deadlines]


MASK64 = 2**64 - 1


def reverse_bits(number: int) -> int:
    """The 64 bits of `number` in reverse order."""
    return int(f"{number:064b}"[::-1], 2)


# --8<-- [start:buckets]
def next_cursor(cursor: int, mask: int) -> int:
    """The bucket after `cursor` in a table of mask + 1 buckets: add 1 to
    the reversed number, ignoring the bits above the mask. 0 once every
    bucket has come up."""
    return reverse_bits(reverse_bits(cursor | (MASK64 ^ mask)) + 1 & MASK64)


Bucket = bytes | tuple[bytes, ...] | None  # no key, one key, or the keys whose hashes collide there


def file(table: list[Bucket], key: bytes) -> None:
    index = hash(key) & (len(table) - 1)
    held = table[index]
    table[index] = key if held is None else held + (key,) if type(held) is tuple else (held, key)


def unfile(table: list[Bucket], key: bytes) -> bool:
    """Take the key out of its bucket; False if it is not in this table."""
    index = hash(key) & (len(table) - 1)
    held = table[index]
    if type(held) is tuple and key in held:
        rest = tuple(other for other in held if other != key)
        table[index] = rest[0] if len(rest) == 1 else rest
        return True
    if held == key:
        table[index] = None
        return True
    return False


def take(held: Bucket, keys: list[bytes]) -> None:
    """Add the keys a bucket holds to `keys`."""
    if type(held) is tuple:
        keys.extend(held)
    elif held is not None:
        keys.append(held)
# --8<-- [end:buckets]


# --8<-- [start:scan_order]
class ScanOrder:
    """Every key, filed in a table of buckets by its hash, the way Redis's
    own hash table files them: so that SCAN can walk the buckets and carry
    on where it stopped, and RANDOMKEY can pick a key.

    A dict gives neither: its order shifts as keys come and go, and it has no
    "the i-th key". Step 18 numbered every key in the order it was made,
    which took three entries per key (key -> number, number -> key, and a
    list of numbers); the table holds one reference per key. The table
    doubles once there are more keys than buckets, and halves once there
    are eight times fewer, so that a bucket holds about one key.

    Refiling a million keys at once would stop the server for most of a
    second. So, as Redis does, the old table stays beside the new one
    while each add() and remove() moves a few of its buckets over; until
    it is empty, a key may be in either.
    """

    MIN_BUCKETS = 4
    MOVES = 16  # old buckets emptied into the new table by each add() and remove()

    def __init__(self) -> None:
        self._buckets: list[Bucket] = [None] * self.MIN_BUCKETS
        self._old: list[Bucket] | None = None  # while a resize is under way: the table being emptied
        self._moved = 0  # how many of its buckets are emptied
        self._count = 0

    def add(self, key: bytes) -> None:
        """File a key that is not in the table yet."""
        self._move_some()
        self._count += 1
        if self._old is None and self._count > len(self._buckets):
            self._resize(2 * len(self._buckets))
        file(self._buckets, key)

    def remove(self, key: bytes) -> None:
        self._move_some()
        if not unfile(self._buckets, key):
            unfile(self._old, key)  # in a bucket not moved yet
        self._count -= 1
        if self._old is None and len(self._buckets) > self.MIN_BUCKETS and self._count < len(self._buckets) // 8:
            self._resize(len(self._buckets) // 2)

    def _resize(self, size: int) -> None:
        self._old, self._buckets, self._moved = self._buckets, [None] * size, 0

    def _move_some(self) -> None:
        """Empty the next few buckets of the old table into the new one."""
        old = self._old
        if old is None:
            return
        stop = min(self._moved + self.MOVES, len(old))
        for index in range(self._moved, stop):
            held, old[index] = old[index], None
            for key in held if type(held) is tuple else () if held is None else (held,):
                file(self._buckets, key)
        self._moved = stop
        if stop == len(old):
            self._old = None

    def clear(self) -> None:
        self._buckets, self._old, self._count = [None] * self.MIN_BUCKETS, None, 0

    # --8<-- [start:keys_after]
    def keys_after(self, cursor: int, count: int) -> tuple[int, list[bytes]]:
        """The keys of the buckets from `cursor` on, until about `count`, and
        the cursor to pass next time: 0 once the scan is over, as in Redis.

        The cursor is a bucket number, counted with its bits reversed: for a
        table of 8 buckets, 0 4 2 6 1 5 3 7. Walking in that order, a bucket
        that was visited before the table doubled becomes two buckets that
        are both behind the cursor afterwards (bucket 2 of 4 becomes 2 and 6
        of 8), and one visited before it halved folds into one that is too.
        So a key that is there for the whole scan is returned, whatever the
        table did meanwhile: at least once, and twice only if it halved."""
        keys: list[bytes] = []
        visited = 0
        while True:
            cursor = self._visit(cursor, keys)
            visited += 1
            if cursor == 0 or len(keys) >= count or visited >= 10 * count:  # bounded work among empty buckets
                return cursor, keys

    def _visit(self, cursor: int, keys: list[bytes]) -> int:
        """Add the keys of the bucket at `cursor` to `keys`; return the next cursor.

        During a resize, the keys of that bucket of the smaller table may
        also be in the buckets of the larger one that it splits into (for 4
        and 8 buckets: bucket 2, and buckets 2 and 6), which come next to
        each other in the reversed order: all of them are taken at once."""
        if self._old is None:
            take(self._buckets[cursor & (len(self._buckets) - 1)], keys)
            return next_cursor(cursor, len(self._buckets) - 1)
        small, large = sorted((self._buckets, self._old), key=len)
        small_mask, large_mask = len(small) - 1, len(large) - 1
        take(small[cursor & small_mask], keys)
        while True:
            take(large[cursor & large_mask], keys)
            cursor = next_cursor(cursor, large_mask)
            if not cursor & (small_mask ^ large_mask):  # past the last bucket that splits from it
                return cursor
    # --8<-- [end:keys_after]

    def random_key(self) -> bytes | None:
        tables = [self._buckets] if self._old is None else [self._buckets, self._old]
        slots = sum(map(len, tables))
        while self._count:  # a bucket in eight holds a key, or one in twelve while the table halves: few retries
            index = random.randrange(slots)
            held = tables[0][index] if index < len(tables[0]) else tables[1][index - len(tables[0])]
            if held is not None:
                return random.choice(held) if type(held) is tuple else held
        return None
# --8<-- [end:scan_order]


# --8<-- [start:store]
class Store:
    """Keys and values, with optional deadlines. Only the event loop uses it, so it needs no locks."""

    def __init__(self, stats: Stats, blocked: BlockedClients, index: int, events: KeyEvents) -> None:
        # A string is bytes, a list a deque, ...: commands/base.py's TYPE_NAMES.
        self._data: dict[bytes, object] = {}
        self.stats = stats  # the server's counters, shared by every database
        self.blocked = blocked  # told of every new key, since a blocked client may wait for it
        self.index = index  # this database's number, which its events carry; SWAPDB changes it
        self.events = events  # where it reports changes to its keys, shared by every database
        self.deadlines = Deadlines()
        self.order = ScanOrder()
        self.active_expiry = True  # DEBUG SET-ACTIVE-EXPIRE 0 turns the cycle off
        # While the server loads its files nothing expires, as in Redis: the
        # commands of an AOF replay what was true when they were written.
        self.loading = False
        # When each key was last used (its LRU clock), or how often (its LFU
        # counter, with lfu): what maxmemory's policies and OBJECT read.
        self.access: dict[bytes, int] = {}
        self.lfu = False
        self.lfu_log_factor, self.lfu_decay_time = 10, 1
        # The LRU clock as the cron last read it (Evictor.tick), like Redis's
        # server.lruclock: every read stamps its key, and asking the system
        # for the time on each would cost more than the rest of touch().
        self.clock = lru_clock()
        # Each key's estimated size, and their sum: kept only with maxmemory set.
        self.sizes: dict[bytes, int] | None = None
        self.memory = 0
        self.average_ttl = 0  # ms; estimated from the keys the active cycle samples, as Redis does

    def __len__(self) -> int:
        # Like Redis's DBSIZE, this counts keys that expired but are not yet deleted.
        return len(self._data)

    def _is_expired(self, key: bytes) -> bool:
        deadline = self.deadlines.get(key)
        # Redis: expired once now > deadline
        return deadline is not None and deadline < now_ms() and not self.loading

    def has_expired(self, key: bytes) -> bool:
        """Whether a key is past its deadline but not deleted yet; WATCH asks."""
        return self._is_expired(key)

    def has_key(self, key: bytes) -> bool:
        """Whether a key is there, expired or not, without deleting it if it is."""
        return key in self._data

    def _expire_if_due(self, key: bytes) -> None:
        deadline = self.deadlines.get(key)  # _is_expired(), written out: this runs for every lookup
        if deadline is not None and deadline < now_ms() and not self.loading:
            self._remove(key)
            self.stats.expired_keys += 1
            self.changed(key, "expired", EXPIRED)

    def _exists(self, key: bytes) -> bool:
        """Whether a key is there, deleting it first if it expired; unlike
        get(), not a lookup that INFO counts as a hit or a miss."""
        self._expire_if_due(key)
        return key in self._data

    def _remove(self, key: bytes) -> None:
        self.deadlines.discard(key)
        self.order.remove(key)
        del self._data[key]
        self.access.pop(key, None)
        if self.sizes is not None:
            self.memory -= self.sizes.pop(key, 0)

    # --8<-- [start:access]
    def touch(self, key: bytes) -> None:
        """A key was used: its clock reading, or a tick of its LFU counter."""
        if self.lfu:
            self.access[key] = lfu_touched(self.access.get(key), self.lfu_log_factor, self.lfu_decay_time)
        else:
            self.access[key] = self.clock

    def peek(self, key: bytes) -> object | None:
        """The value, as OBJECT and MEMORY look at it: not a use of the key."""
        return self._data.get(key) if self._exists(key) else None

    def track_sizes(self, on: bool) -> None:
        self.sizes = {key: key_size(key, value) for key, value in self._data.items()} if on else None
        self.memory = sum(self.sizes.values()) if on else 0

    def evict(self, key: bytes) -> None:
        """maxmemory took this key: gone, counted, and reported (the AOF writes a DEL)."""
        self._remove(key)
        self.stats.evicted_keys += 1
        self.changed(key, "evicted", EVICTED)
    # --8<-- [end:access]

    def get(self, key: bytes) -> object | None:
        self._expire_if_due(key)  # lazy expiry: every lookup goes through here
        value = self._data.get(key)
        if self.stats.counting_lookups:  # a read command is looking: INFO's keyspace_hits/misses
            if value is None:
                self.stats.keyspace_misses += 1
                self.events.report(self.index, key, "keymiss", KEY_MISS)  # not a change: a miss
            else:
                self.stats.keyspace_hits += 1
        if value is not None:
            self.touch(key)
        return value

    def __contains__(self, key: bytes) -> bool:
        return self.get(key) is not None

    def set(self, key: bytes, value: object, keep_ttl: bool = False) -> None:
        """Store a value. A new value starts without a TTL, as SET does in Redis,
        unless keep_ttl: INCR and SET ... KEEPTTL change the value, not its life."""
        self._expire_if_due(key)  # an expired key goes first: this one is then new
        created = key not in self._data
        if created:
            self.order.add(key)
        self._data[key] = value
        self.touch(key)
        if not keep_ttl:
            self.deadlines.discard(key)
        if created:
            self.blocked.key_created(self.index, key, value)
            self.changed(key, "new", NEW)  # as Redis's dbAdd() reports

    def delete(self, key: bytes) -> bool:
        """Delete a key; False if there was none (an expired key counts as none).
        Like Redis's dbDelete() this reports nothing: the command that deletes
        says why (del, or an event of its own and then del)."""
        if key not in self:
            return False
        self._remove(key)
        return True

    def clear(self) -> None:
        self._data.clear()
        self.access.clear()
        if self.sizes is not None:
            self.sizes, self.memory = {}, 0
        self.deadlines = Deadlines()
        self.order.clear()
        self.average_ttl = 0

    def items(self) -> Iterator[tuple[bytes, object, int | None]]:
        """Every key, with its value and deadline, expired or not: what a
        snapshot holds (rdb.py, and an AOF rewrite)."""
        deadline = self.deadlines.get
        return ((key, value, deadline(key)) for key, value in self._data.items())

    def put_loaded(self, key: bytes, value: object, deadline: int | None) -> None:
        """Add a key read from a file at start: quietly, as Redis loads, with
        no event to report and no client yet to tell."""
        if key not in self._data:
            self.order.add(key)
        self._data[key] = value
        self.touch(key)
        if deadline is not None:
            self.deadlines.set(key, deadline)

    def keys(self) -> list[bytes]:
        """Every key that has not expired. (Like Redis's KEYS, this deletes nothing.)"""
        return [key for key in self._data if not self._is_expired(key)]

    def scan(self, cursor: int, count: int) -> tuple[int, list[bytes]]:
        """One SCAN call: about `count` keys after `cursor`, expired ones dropped."""
        next_cursor, keys = self.order.keys_after(cursor, count)
        return next_cursor, [key for key in keys if self._exists(key)]

    def random_key(self) -> bytes | None:
        """A random key that has not expired, or None if there is none."""
        while (key := self.order.random_key()) is not None:
            if self._exists(key):  # an expired pick is deleted on the spot; pick again
                return key
        return None

    def deadline(self, key: bytes) -> int | None:
        """When an existing key expires, in ms since the epoch; None if it never does."""
        return self.deadlines.get(key)

    def set_deadline(self, key: bytes, deadline: int) -> None:
        """Give an existing key a deadline."""
        self.deadlines.set(key, deadline)

    def persist(self, key: bytes) -> bool:
        return self.deadlines.discard(key)

    # --8<-- [start:changed]
    def changed(self, key: bytes, event: str, kind: str) -> None:
        """Report that `key` changed: `event` of class `kind` (keyspace_events.py).
        Commands call this where Redis calls notifyKeyspaceEvent(), once the
        change is made, and only if something really changed. Each change
        counts towards the save points (persistence.py), once: "new" comes
        with the command's own event; and an expiry is the clock's doing,
        not a write. (Redis counts some commands' changes by the element:
        RPUSH of three values is three changes there, one here.)"""
        if kind not in (EXPIRED, NEW, EVICTED):
            self.stats.dirty += 1
        if self.sizes is not None and kind != KEY_MISS:  # maxmemory is set: keep the estimate current
            value = self._data.get(key)
            self.memory -= self.sizes.pop(key, 0)
            if value is not None:
                self.sizes[key] = size = key_size(key, value)
                self.memory += size
        self.events.report(self.index, key, event, kind)
    # --8<-- [end:changed]
# --8<-- [end:store]

    # --8<-- [start:active_expiry]
    def expire_some_keys(self, time_budget: float) -> int:
        """One run of the active expiry cycle; returns how many keys it deleted.

        Like Redis: look at 20 random keys that have a TTL and delete those
        past their deadline. If more than 10% of them were expired, many more
        probably are, so go again, until the time budget is spent.
        """
        if not self.active_expiry:
            return 0
        started, deleted = time.monotonic(), 0
        if not self.deadlines:
            self.average_ttl = 0  # no key has a TTL left to average
        while self.deadlines:
            now = now_ms()
            sampled = set(self.deadlines.sample(20))
            expired = [key for key in sampled if self.deadlines.get(key) < now]
            for key in expired:
                self._remove(key)
                self.changed(key, "expired", EXPIRED)
            deleted += len(expired)
            self.stats.expired_keys += len(expired)
            self._estimate_average_ttl([self.deadlines.get(key) - now for key in sampled.difference(expired)])
            if len(expired) * 100 <= len(sampled) * 10 or time.monotonic() - started > time_budget:
                break
        return deleted
    # --8<-- [end:active_expiry]

    def _estimate_average_ttl(self, ttls: list[int]) -> None:
        """INFO keyspace's avg_ttl: a moving average over the samples, each
        counting for 1/50, rather than a pass over every key."""
        if ttls:
            sampled = sum(ttls) // len(ttls)
            self.average_ttl = self.average_ttl * 49 // 50 + sampled // 50 if self.average_ttl else sampled
