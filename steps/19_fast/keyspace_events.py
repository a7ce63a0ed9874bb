"""Keyspace events: the one way the data says that a key changed.

Whenever a command, or expiry, changes a key, it reports an event: which
database, which key, what happened ("set", "lpush", "expired", ...), and the
event's class, one of the letters notify-keyspace-events uses. Redis calls
signalModifiedKey() and notifyKeyspaceEvent() side by side at each of these
places; here one call does both jobs, and whoever cares listens:

- keyspace notifications (commands/pubsub.py) publish the event on pub/sub
  channels, if notify-keyspace-events asks for its class;
- WATCH (step 16) will mark the transactions that watch the key.

Every event is a change to its key except one: "keymiss" (class m), a read
that found no key. A listener that wants changes only skips that class.
"""

from __future__ import annotations

from typing import Callable

# --8<-- [start:classes]
# The classes, by the letters notify-keyspace-events turns on. Redis has
# two more that nothing here can fire: t (streams) and d (modules).
GENERIC = "g"  # about any key: del, expire, rename_from, ...
STRING = "$"
LIST = "l"
SET = "s"
HASH = "h"
ZSET = "z"
EXPIRED = "x"  # a key deleted because its TTL ran out
EVICTED = "e"  # a key deleted because maxmemory was reached
NEW = "n"  # a key created
KEY_MISS = "m"  # a read that found no key
# --8<-- [end:classes]

# database index, key, event name, class
Listener = Callable[[int, bytes, str, str], None]


# --8<-- [start:key_events]
class KeyEvents:
    """Where every event about a key is reported, and who hears of it."""

    def __init__(self) -> None:
        self.listeners: list[Listener] = []

    def report(self, db: int, key: bytes, event: str, kind: str) -> None:
        for listener in self.listeners:
            listener(db, key, event, kind)
# --8<-- [end:key_events]
