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


def now_ms() -> int:
    """Wall-clock time in milliseconds since the Unix epoch, the unit of every deadline."""
    return time.time_ns() // 1_000_000


# --8<-- [start:deadlines]
class Deadlines:
    """Each key's deadline (ms since the epoch), plus a list of the same keys so
    that picking a random one costs O(1): a dict cannot do that by itself, and
    the active cycle picks random keys all the time."""

    def __init__(self) -> None:
        self._deadline: dict[bytes, int] = {}
        self._keys: list[bytes] = []
        self._position: dict[bytes, int] = {}  # key -> its index in _keys

    def __len__(self) -> int:
        return len(self._keys)

    def get(self, key: bytes) -> int | None:
        return self._deadline.get(key)

    def set(self, key: bytes, deadline: int) -> None:
        if key not in self._deadline:
            self._position[key] = len(self._keys)
            self._keys.append(key)
        self._deadline[key] = deadline

    def discard(self, key: bytes) -> bool:
        """Forget the key's deadline; True if it had one."""
        if self._deadline.pop(key, None) is None:
            return False
        # Fill the hole with the last key, so the list never has gaps.
        index, last = self._position.pop(key), self._keys.pop()
        if last != key:
            self._keys[index] = last
            self._position[last] = index
        return True

    def sample(self, count: int) -> list[bytes]:
        """Up to `count` keys picked at random (a key may come up twice)."""
        return [random.choice(self._keys) for _ in range(min(count, len(self._keys)))]
# --8<-- [end:deadlines]


# --8<-- [start:store]
class Store:
    """Keys and values, with optional deadlines. Only the event loop uses it, so it needs no locks."""

    def __init__(self) -> None:
        self._data: dict[bytes, bytes] = {}
        self.deadlines = Deadlines()
        self.active_expiry = True  # DEBUG SET-ACTIVE-EXPIRE 0 turns the cycle off

    def __len__(self) -> int:
        # Like Redis's DBSIZE, this counts keys that expired but are not yet deleted.
        return len(self._data)

    def _expire_if_due(self, key: bytes) -> None:
        deadline = self.deadlines.get(key)
        if deadline is not None and deadline < now_ms():  # Redis: expired once now > deadline
            self._remove(key)

    def _remove(self, key: bytes) -> None:
        self.deadlines.discard(key)
        del self._data[key]

    def get(self, key: bytes) -> bytes | None:
        self._expire_if_due(key)  # lazy expiry: every lookup goes through here
        return self._data.get(key)

    def __contains__(self, key: bytes) -> bool:
        return self.get(key) is not None

    def set(self, key: bytes, value: bytes, keep_ttl: bool = False) -> None:
        """Store a value. A new value starts without a TTL, as SET does in Redis,
        unless keep_ttl: INCR and SET ... KEEPTTL change the value, not its life."""
        self._data[key] = value
        if not keep_ttl:
            self.deadlines.discard(key)

    def delete(self, key: bytes) -> bool:
        """Delete a key; False if there was none (an expired key counts as none)."""
        if key not in self:
            return False
        self._remove(key)
        return True

    def clear(self) -> None:
        self._data.clear()
        self.deadlines = Deadlines()

    def deadline(self, key: bytes) -> int | None:
        """When an existing key expires, in ms since the epoch; None if it never does."""
        return self.deadlines.get(key)

    def set_deadline(self, key: bytes, deadline: int) -> None:
        """Give an existing key a deadline."""
        self.deadlines.set(key, deadline)

    def persist(self, key: bytes) -> bool:
        return self.deadlines.discard(key)
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
        while self.deadlines:
            now = now_ms()
            sampled = set(self.deadlines.sample(20))
            expired = [key for key in sampled if self.deadlines.get(key) < now]
            for key in expired:
                self._remove(key)
            deleted += len(expired)
            if len(expired) * 100 <= len(sampled) * 10 or time.monotonic() - started > time_budget:
                break
        return deleted
    # --8<-- [end:active_expiry]
