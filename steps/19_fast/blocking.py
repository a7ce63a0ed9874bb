"""Clients blocked on keys: who waits for which key, until when, and how
each is served once a key it waits for gets a value.

A blocked client does not block the server. Its command found nothing to
pop, so instead of a reply it leaves a note here and the event loop goes on
serving everyone else. Two things end the wait:

- another client's command creates one of the keys (a push to an empty
  list, a ZADD, a RENAME onto it, ...). The store tells us, the key is
  marked ready, and once that command has finished, the clients waiting
  for it are served in the order they came, each by running its command
  again on that key;
- the deadline passes. The event loop sleeps no longer than the nearest
  deadline, and the client gets the null reply of a timeout.
"""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass
from itertools import count
from typing import TYPE_CHECKING, Callable

from resp import NULL_ARRAY, Reply
from sorted_set import SortedSet

if TYPE_CHECKING:
    from commands.base import Session

# A blocked client's command runs again with the key that became ready:
# it returns the reply, or None if there is still nothing for it there (an
# earlier client took it all, or the key now holds another type).
Retry = Callable[["Session", bytes], Reply | None]
# Only values that a blocking command pops from can wake one.
WAKES_UP = (deque, SortedSet)


@dataclass
class Blocked:
    """What a blocked client waits for."""

    db_index: int
    keys: list[bytes]
    deadline_ms: int | None  # None: for ever
    retry: Retry


class BlockedClients:
    """Every blocked client, by the keys it waits for and by its deadline."""

    def __init__(self) -> None:
        self._waiting: dict[tuple[int, bytes], deque[Session]] = {}  # first come, first served
        self._ready: dict[tuple[int, bytes], None] = {}  # keys that got a value, in order
        self._deadlines: list[tuple[int, int, Session]] = []  # a heap: the nearest first
        self._order = count()  # breaks ties between equal deadlines
        # How a reply reaches a client that is not the one being served; the
        # event loop sets it.
        self.deliver: Callable[[Session, Reply], None] = lambda session, reply: None

    def __len__(self) -> int:
        """How many clients are blocked (INFO's blocked_clients)."""
        return len({id(session) for queue in self._waiting.values() for session in queue})

    def block(self, session: Session, keys: list[bytes], deadline_ms: int | None, retry: Retry) -> None:
        session.blocked = Blocked(session.db_index, keys, deadline_ms, retry)
        for key in dict.fromkeys(keys):  # a key named twice is waited for once
            self._waiting.setdefault((session.db_index, key), deque()).append(session)
        if deadline_ms is not None:
            heapq.heappush(self._deadlines, (deadline_ms, next(self._order), session))

    def unblock(self, session: Session) -> None:
        """Forget a client's wait: it was served, timed out, or hung up."""
        blocked, session.blocked = session.blocked, None
        for key in dict.fromkeys(blocked.keys):
            queue = self._waiting[(blocked.db_index, key)]
            queue.remove(session)
            if not queue:
                del self._waiting[(blocked.db_index, key)]
        # Its deadline stays in the heap; expire() skips it when it comes up.

    # --8<-- [start:ready]
    def key_created(self, db_index: int, key: bytes, value: object) -> None:
        """The store calls this for every new key, as Redis's dbAdd() does."""
        if (db_index, key) in self._waiting and isinstance(value, WAKES_UP):
            self._ready[(db_index, key)] = None

    def serve_ready_keys(self) -> None:
        """After a command: serve the clients waiting for the keys it created.

        Serving one may create more (BLMOVE pushes to its destination), so
        this goes on until no key is ready."""
        while self._ready:
            db_index, key = next(iter(self._ready))
            del self._ready[(db_index, key)]
            for session in list(self._waiting.get((db_index, key), ())):
                reply = session.blocked.retry(session, key)
                if reply is not None:  # otherwise it waits on, keeping its place
                    self.unblock(session)
                    self.deliver(session, reply)
    # --8<-- [end:ready]

    def next_deadline(self) -> int | None:
        """The nearest deadline, in ms since the epoch: the event loop wakes up then."""
        while self._deadlines and self._deadlines[0][2].blocked is None:
            heapq.heappop(self._deadlines)  # that client is no longer blocked
        return self._deadlines[0][0] if self._deadlines else None

    def expire(self, now_ms: int) -> None:
        """Answer the clients whose deadline has passed with the null of a timeout."""
        while (deadline := self.next_deadline()) is not None and deadline <= now_ms:
            _, _, session = heapq.heappop(self._deadlines)
            if session.blocked is not None and session.blocked.deadline_ms == deadline:
                self.unblock(session)
                self.deliver(session, NULL_ARRAY)

    def swap_databases(self, first: int, second: int, databases: list) -> None:
        """SWAPDB moved the data, not the clients: a client waiting on a key
        of database 1 now waits on what database 1 holds, which may be there."""
        for db_index in (first, second):
            for waiting_db, key in list(self._waiting):
                if waiting_db == db_index and (value := databases[db_index].get(key)) is not None:
                    self.key_created(db_index, key, value)
