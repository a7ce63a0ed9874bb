"""The numbers the server keeps about itself, for INFO.

Every database and the command dispatcher add to the one Stats object
of the server; CONFIG RESETSTAT sets it back to zero.
"""

from __future__ import annotations

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
    keyspace_hits: int = 0
    keyspace_misses: int = 0
    expired_keys: int = 0
    net_input_bytes: int = 0
    net_output_bytes: int = 0
    commands: dict[str, CommandStats] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)  # by the error's first word: ERR, WRONGTYPE, ...
    # Only lookups made by read commands count as hits or misses, as in Redis;
    # execute() says which kind of command is running.
    counting_lookups: bool = False

    def reset(self) -> None:
        """CONFIG RESETSTAT: every counter back to zero."""
        self.__init__()
