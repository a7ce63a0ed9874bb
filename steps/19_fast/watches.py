"""WATCH: which clients watch which keys, and whose transaction a change broke.

A client's EXEC runs its queue only if none of the keys it watched changed
since WATCH. So every change to a key has to reach the clients watching it:
this module listens to the keyspace events of step 15 (keyspace_events.py),
the same ones notifications are made of, and marks their transactions as
broken. Three things change keys without a key event: FLUSHDB, FLUSHALL
and SWAPDB, which call databases_replaced(); and time, since a key whose
TTL runs out changes without anyone's command, which EXEC checks itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from keyspace_events import KEY_MISS

if TYPE_CHECKING:
    from commands.base import Session
    from store import Store


class Watches:
    """The watched keys, by database number and key, and by client."""

    def __init__(self, databases: list[Store]) -> None:
        self.databases = databases
        # Clients are named by their ids: a Session, like any dataclass, is not hashable.
        self._watchers: dict[tuple[int, bytes], set[int]] = {}
        # Per client: its watched keys, each with whether it had already
        # expired (but was not deleted yet) when WATCH saw it.
        self._watched: dict[int, dict[tuple[int, bytes], bool]] = {}
        self._broken: set[int] = set()

    def watch(self, session: Session, key: bytes) -> None:
        if session.id in self._broken:
            return  # no point: its EXEC fails already
        place = (session.db_index, key)
        self._watched.setdefault(session.id, {}).setdefault(place, session.db.has_expired(key))
        self._watchers.setdefault(place, set()).add(session.id)

    def unwatch(self, session: Session) -> None:
        """UNWATCH, EXEC, DISCARD, RESET, and a client that hangs up: all keys at once."""
        for place in self._watched.pop(session.id, {}):
            watchers = self._watchers[place]
            watchers.discard(session.id)
            if not watchers:
                del self._watchers[place]
        self._broken.discard(session.id)

    def is_broken(self, session: Session) -> bool:
        """Whether a watched key changed (CLIENT LIST's flag d)."""
        return session.id in self._broken

    # --8<-- [start:changed]
    def key_changed(self, db: int, key: bytes, event: str, kind: str) -> None:
        """A keyspace event: every client watching the key will see EXEC fail."""
        if kind == KEY_MISS:
            return  # a read that found nothing changed nothing
        for client_id in list(self._watchers.get((db, key), ())):
            watched = self._watched[client_id]
            if watched[(db, key)] and not self.databases[db].has_key(key):
                # It was expired already when watched, and now it is deleted
                # too: for the client the key was gone all along.
                watched[(db, key)] = False
                continue
            self._broken.add(client_id)

    def databases_replaced(self, db: int, other: int | None = None) -> None:
        """Called before FLUSHDB or FLUSHALL empties database `db`, or SWAPDB
        gives it the keys of database `other`: a watched key that is there,
        or is about to be, changes."""
        for (watched_db, key), watchers in list(self._watchers.items()):
            if watched_db == db and (self.databases[db].has_key(key)
                                     or (other is not None and self.databases[other].has_key(key))):
                self._broken.update(watchers)
    # --8<-- [end:changed]

    def changed_since_watch(self, session: Session) -> bool:
        """Asked by EXEC: did a watched key change, or run out of time since?"""
        if session.id in self._broken:
            return True
        return any(not expired_then and self.databases[db].has_expired(key)
                   for (db, key), expired_then in self._watched.get(session.id, {}).items())
