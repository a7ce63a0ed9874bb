"""MONITOR: every command the server runs, shown as it runs, to the clients
that asked to watch.

Each monitor gets one status line per command, as Redis writes it:

    +1733456789.123456 [0 127.0.0.1:50000] "SET" "key" "value"

the time, the database and client address of whoever ran it, and its
words quoted as C strings. A command is shown once it has run, so a command
refused before running (an unknown one, the wrong number of arguments, OOM)
never appears, and those of a transaction appear when EXEC runs them.
Administrative commands (CONFIG, DEBUG, CLIENT LIST, ...) are never shown,
and AUTH's and HELLO's passwords are blanked out, as in the slow log.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from resp import SimpleString
from slowlog import REDACTED_AFTER, redacted

if TYPE_CHECKING:  # commands/base.py calls feed(), so it cannot be imported here
    from commands.base import Command, Session

# The escapes Redis's sdscatrepr() writes; other bytes outside printable
# ASCII become \xHH.
ESCAPES = {ord("\\"): "\\\\", ord('"'): '\\"', ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t",
           ord("\a"): "\\a", ord("\b"): "\\b"}


def quoted(arg: bytes) -> str:
    """An argument as sdscatrepr() quotes it: "a\\x01b\\"c\\n"."""
    return '"' + "".join(ESCAPES.get(byte) or (chr(byte) if 32 <= byte < 127 else f"\\x{byte:02x}")
                         for byte in arg) + '"'


# --8<-- [start:feed]
def feed(session: Session, entry: Command, args: list[bytes]) -> None:
    """Show a command that just ran to every monitor: called by call() in
    commands/base.py, only when there is a monitor."""
    if "admin" in entry.flags or "skip_monitor" in entry.flags:
        return
    name = entry.name.partition("|")[0]
    # AUTH with too many words was refused before it looked at them: Redis shows them all.
    if name in REDACTED_AFTER and not (name == "auth" and len(args) > 3):
        args = redacted(name, args)
    now = time.time_ns() // 1000
    line = f"{now // 1_000_000}.{now % 1_000_000:06d} [{session.db_index} {session.address}] " + \
        " ".join(quoted(arg) for arg in args)
    for monitor in session.server.monitors:
        if monitor is session and not session.in_exec:
            # Redis adds the line to the output after the command's reply;
            # ours is sent once call() has returned, so the line waits for it.
            session.own_feed.append(SimpleString(line))
        else:
            monitor.push(SimpleString(line))  # a status reply, in RESP3 too: not a push
# --8<-- [end:feed]
