"""Publish/subscribe: who listens to which channel, and handing out messages.

A client subscribes to channels by name, to patterns that match channel
names (glob_match.py's patterns, as KEYS uses), or to shard channels, which
in a cluster live on the node that owns their slot and on a single server
are just a third namespace. PUBLISH hands a message to every client
subscribed to its channel, then to every client with a matching pattern.
Nothing is stored: a message nobody listens to is gone, and PUBLISH says how
many clients got it.

Subscribers are other clients than the one running PUBLISH, so a message
cannot be a reply. It goes to each subscriber through `session.push`, which
the event loop provides: the message is queued in that client's outbox,
and the loop writes it out (server.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from glob_match import glob_match
from resp import Push

if TYPE_CHECKING:
    from commands.base import Session

# --8<-- [start:kinds]
# The three kinds of subscription, and the words their pushes start with:
# confirming a subscription, confirming an unsubscription, and a message.
CHANNEL, PATTERN, SHARD = "channel", "pattern", "shard channel"
WORDS = {
    CHANNEL: (b"subscribe", b"unsubscribe", b"message"),
    PATTERN: (b"psubscribe", b"punsubscribe", b"pmessage"),
    SHARD: (b"ssubscribe", b"sunsubscribe", b"smessage"),
}
# --8<-- [end:kinds]


# --8<-- [start:subscriptions]
class Subscriptions:
    """What one client listens to: for each kind, the names it subscribed
    to, in the order it did (a dict used as an ordered set)."""

    def __init__(self) -> None:
        self.names: dict[str, dict[bytes, None]] = {kind: {} for kind in WORDS}

    def __bool__(self) -> bool:
        """Whether the client is in pub/sub mode: subscribed to anything at all."""
        return any(self.names.values())

    def count(self, kind: str) -> int:
        """The count a (un)subscription push reports. Redis counts channels
        and patterns together, and shard channels apart."""
        if kind == SHARD:
            return len(self.names[SHARD])
        return len(self.names[CHANNEL]) + len(self.names[PATTERN])
# --8<-- [end:subscriptions]


# --8<-- [start:pubsub]
class PubSub:
    """Every subscription on the server: for each kind, name -> the clients
    subscribed, by id, in the order they subscribed. A name nobody listens to
    any more is dropped, so that a million channels used once cost nothing."""

    def __init__(self) -> None:
        self.subscribers: dict[str, dict[bytes, dict[int, Session]]] = {kind: {} for kind in WORDS}

    def subscribe(self, session: Session, kind: str, name: bytes) -> None:
        """Subscribe, unless already subscribed, and confirm it either way."""
        mine = session.subscriptions.names[kind]
        if name not in mine:
            mine[name] = None
            self.subscribers[kind].setdefault(name, {})[session.id] = session
        session.push(Push([WORDS[kind][0], name, session.subscriptions.count(kind)]))

    def unsubscribe(self, session: Session, kind: str, name: bytes | None, confirm: bool = True) -> None:
        """Unsubscribe from `name` if subscribed, and confirm it either way.
        (Redis confirms a name it had no subscription to, and with None, the
        null, that there was nothing to unsubscribe from.)"""
        mine = session.subscriptions.names[kind]
        if name in mine:
            del mine[name]
            others = self.subscribers[kind][name]
            del others[session.id]
            if not others:
                del self.subscribers[kind][name]
        if confirm:
            session.push(Push([WORDS[kind][1], name, session.subscriptions.count(kind)]))

    def unsubscribe_all(self, session: Session, kind: str, confirm: bool = True) -> None:
        """Unsubscribe from every name of a kind, one confirmation each, or
        one with a null name if there were none. Redis goes through them in
        its hash table's order; we go in the order they were subscribed."""
        names = list(session.subscriptions.names[kind]) or [None]
        for name in names:
            self.unsubscribe(session, kind, name, confirm)

    def forget(self, session: Session) -> None:
        """A client that hangs up, or says RESET, listens to nothing any more; nobody is told."""
        for kind in WORDS:
            self.unsubscribe_all(session, kind, confirm=False)

    def publish(self, channel: bytes, message: bytes, kind: str = CHANNEL) -> int:
        """Push a message to everyone listening; returns how many pushes that took.
        A client subscribed both to the channel and to a matching pattern
        (or to two) gets it once for each, and counts once for each."""
        receivers = 0
        for session in self.subscribers[kind].get(channel, {}).values():
            session.push(Push([WORDS[kind][2], channel, message]))
            receivers += 1
        if kind == SHARD:
            return receivers  # shard channels have no patterns
        for pattern, sessions in self.subscribers[PATTERN].items():
            if glob_match(pattern, channel):
                for session in sessions.values():
                    session.push(Push([b"pmessage", pattern, channel, message]))
                    receivers += 1
        return receivers
# --8<-- [end:pubsub]
