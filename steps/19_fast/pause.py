"""CLIENT PAUSE: hold the clients' commands for a while, then run them in
the order they came.

An operator pauses clients to fail over to a replica without losing a
write: pause, let the replica catch up, promote it, point the clients at
it. WRITE holds only the commands that could change the data (and EXEC of a
transaction holding one), so reads go on; ALL holds every command, even
CLIENT UNPAUSE itself, until the time is up.

A held command is not refused: its client just waits, as if the server
were slow. The event loop keeps the command aside (Session.postponed) and
runs it, and whatever the client sent after it, once the pause is over.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from store import now_ms

if TYPE_CHECKING:  # commands/base.py asks holds(), so it cannot be imported here
    from commands.base import Command, Session

WRITE, ALL = 1, 2  # a higher mode holds more: pausing again never holds less


# --8<-- [start:pause]
class ClientPause:
    """Whether clients are paused, until when, and who waits for the end."""

    def __init__(self) -> None:
        self.mode = 0  # 0: not paused; WRITE or ALL
        self.until = 0  # ms since the epoch
        self.waiting: list[Session] = []  # in the order they were held

    def pause(self, until: int, mode: int) -> None:
        """As Redis: a second pause extends the first, and never weakens it."""
        if not self.paused():
            self.mode, self.until = 0, 0
        self.mode, self.until = max(self.mode, mode), max(self.until, until)

    def unpause(self) -> None:
        self.mode = 0

    def paused(self) -> bool:
        return self.mode != 0 and now_ms() <= self.until

    def holds(self, session: Session, entry: Command) -> bool:
        """Whether this command must wait: called for every command, so the
        usual case, no pause, costs one test. Monitors are never held (Redis
        counts them as replicas, which a pause must let through)."""
        if not self.mode or not self.paused() or session in session.server.monitors:
            return False
        if self.mode == ALL:
            held = True
        elif entry.name == "exec" and session.transaction is not None:
            held = any("write" in queued.flags for queued, _args in session.transaction.queue)
        else:
            held = "write" in entry.flags
        if held and session not in self.waiting:
            self.waiting.append(session)
        return held

    def released(self) -> list[Session]:
        """Once the pause is over: the clients that waited, in order, to be
        served by the event loop; none while it lasts."""
        if not self.waiting or self.paused():
            return []
        waiting, self.waiting = self.waiting, []
        return waiting
# --8<-- [end:pause]
