"""The numbers the server keeps about itself, for INFO.

Every database and the command dispatcher add to the one Stats object
of the server; CONFIG RESETSTAT sets it back to zero.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field


@dataclass
class CommandStats:
    """One line of INFO commandstats."""

    calls: int = 0
    usec: int = 0  # time spent running it, in microseconds
    rejected_calls: int = 0  # refused before running: wrong arity, NOAUTH
    failed_calls: int = 0  # ran and replied with an error


@dataclass
class Stats:
    """The counters INFO reports and CONFIG RESETSTAT sets back to zero."""

    commands_processed: int = 0
    connections_received: int = 0
    rejected_connections: int = 0  # turned away: maxclients reached
    keyspace_hits: int = 0
    keyspace_misses: int = 0
    expired_keys: int = 0
    evicted_keys: int = 0
    net_input_bytes: int = 0
    net_output_bytes: int = 0
    # Changes to the data since the last save (persistence.py). Not a
    # statistic: CONFIG RESETSTAT leaves it alone.
    dirty: int = 0
    commands: dict[str, CommandStats] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)  # by the error's first word: ERR, WRONGTYPE, ...
    # Lookups made by read commands count as hits or misses, as in Redis;
    # execute() says which kind of command is running. (Redis also counts
    # the reads some write commands make, such as GETDEL and the sources of
    # SINTERSTORE; we don't.)
    counting_lookups: bool = False
    # (time, commands, input bytes, output bytes), sampled by the event loop's
    # cron: the rates INFO calls instantaneous are taken over the last ones.
    samples: deque[tuple[float, int, int, int]] = field(default_factory=lambda: deque(maxlen=16))

    def sample(self) -> None:
        self.samples.append((time.monotonic(), self.commands_processed, self.net_input_bytes,
                             self.net_output_bytes))

    def rates(self) -> tuple[float, float, float]:
        """Commands a second, and input and output bytes a second, lately."""
        if len(self.samples) < 2:
            return 0.0, 0.0, 0.0
        (start, *first), (end, *last) = self.samples[0], self.samples[-1]
        return tuple((b - a) / (end - start) for a, b in zip(first, last))

    def reset(self) -> None:
        """CONFIG RESETSTAT: every counter back to zero."""
        dirty = self.dirty
        self.__init__()
        self.dirty = dirty
