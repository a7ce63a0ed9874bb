"""The slow log: the commands that took longer than slowlog-log-slower-than
microseconds, newest first, at most slowlog-max-len of them.

It answers "what is slowing my server down?" after the fact, at almost no
cost: one clock reading per command, which call() takes anyway for INFO's
commandstats. Only the command's own run is timed, not the time it waited
for its turn or for its reply to be sent.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

MAX_ARGUMENTS = 32  # an entry keeps the first 31 and says how many more there were
MAX_ARGUMENT_LENGTH = 128  # and the first 128 bytes of each, saying how many more
# Commands whose arguments are secrets: the log shows "(redacted)" instead.
REDACTED_AFTER = {"auth": 1, "hello": 0}


@dataclass
class Entry:
    id: int
    timestamp: int
    microseconds: int
    args: list[bytes]
    address: str
    name: bytes


@dataclass
class SlowLog:
    entries: deque[Entry] = field(default_factory=deque)  # newest first
    next_id: int = 0  # ids keep counting across SLOWLOG RESET, as in Redis

    def add(self, args: list[bytes], microseconds: int, address: str, name: bytes, max_length: int) -> None:
        self.entries.appendleft(Entry(self.next_id, int(time.time()), microseconds, shown(args), address, name))
        self.next_id += 1
        while len(self.entries) > max_length:
            self.entries.pop()


def shown(args: list[bytes]) -> list[bytes]:
    """The arguments as the log keeps them: cut short, and secrets hidden."""
    name = args[0].lower().decode("utf-8", "surrogateescape")
    if name in REDACTED_AFTER:
        args = redacted(name, args)
    kept = args if len(args) <= MAX_ARGUMENTS else args[:MAX_ARGUMENTS - 1]
    words = [arg if len(arg) <= MAX_ARGUMENT_LENGTH else
             arg[:MAX_ARGUMENT_LENGTH] + b"... (%d more bytes)" % (len(arg) - MAX_ARGUMENT_LENGTH) for arg in kept]
    if len(args) > MAX_ARGUMENTS:
        words.append(b"... (%d more arguments)" % (len(args) - MAX_ARGUMENTS + 1))
    return words


def redacted(name: str, args: list[bytes]) -> list[bytes]:
    if name == "auth":
        return [args[0]] + [b"(redacted)"] * (len(args) - 1)
    # HELLO ... AUTH username password: the two words after AUTH
    words = list(args)
    for index, word in enumerate(words):
        if word.upper() == b"AUTH" and index + 2 < len(words):
            words[index + 1] = words[index + 2] = b"(redacted)"
    return words
