"""The latency monitor: for each kind of event that took at least
latency-monitor-threshold milliseconds (0, the default, turns it off), the
time and length of the latest ones, one sample a second, and the worst.

Where the slow log says which commands were slow, this says when the
server stalled and how badly: a spike at 03:00 every night points at a
cron job, not at a command. Redis records many kinds of event (the
expiry cycle, fork, fsync...); we record the two that every command is:
"command", and "fast-command" for those flagged fast (O(1) or O(log N)),
whose slowness says the server itself was stalled.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

HISTORY_LENGTH = 160  # samples kept per event, as in Redis: minutes of history at one a second


@dataclass
class Event:
    samples: deque[tuple[int, int]] = field(default_factory=lambda: deque(maxlen=HISTORY_LENGTH))  # (time, ms)
    worst: int = 0


@dataclass
class LatencyMonitor:
    events: dict[str, Event] = field(default_factory=dict)

    def add(self, name: str, milliseconds: int) -> None:
        now = int(time.time())
        event = self.events.setdefault(name, Event())
        event.worst = max(event.worst, milliseconds)
        if event.samples and event.samples[-1][0] == now:
            # One sample a second: the worst of that second.
            event.samples[-1] = (now, max(event.samples[-1][1], milliseconds))
        else:
            event.samples.append((now, milliseconds))

    def reset(self, names: list[str]) -> int:
        """Forget these events (every event, if none is named); how many there were."""
        names = names or list(self.events)
        return sum(self.events.pop(name, None) is not None for name in names)
