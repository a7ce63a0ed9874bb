"""MONITOR (monitor.py), and CLIENT PAUSE and UNPAUSE (pause.py)."""

from __future__ import annotations

from commands.base import CommandError, Session, as_text, command
from pause import ALL, WRITE
from resp import NO_REPLY, OK, Reply, parse_int64
from store import now_ms


@command("monitor", 1, "admin noscript loading stale", (0, 0, 0), "server", "1.0.0",
         "Listen for all requests received by the server in real time")
def monitor(session: Session, args: list[bytes]) -> Reply:
    """From now on the client gets a line for every command run. It may
    still PING, SUBSCRIBE, QUIT or RESET (which ends monitoring), but not
    touch the keys: execute() refuses those, as Redis does to a replica."""
    if session.in_exec:
        # Its replies would no longer be one per command, which EXEC promises.
        raise CommandError("ERR MONITOR isn't allowed for DENY BLOCKING client")
    if session in session.server.monitors:
        return NO_REPLY  # Redis ignores a second MONITOR without a word
    session.server.monitors.append(session)
    return OK


@command("client|pause", -3, "admin noscript loading stale", (0, 0, 0), "connection", "2.9.50",
         "Stop processing commands from clients for some time", "timeout [WRITE | ALL]")
def client_pause(session: Session, args: list[bytes]) -> Reply:
    if len(args) > 4:
        # Redis quotes the subcommand as it was typed.
        raise CommandError(f"ERR unknown subcommand or wrong number of arguments for '{as_text(args[1])}'. "
                           "Try CLIENT HELP.")
    mode = ALL
    if len(args) == 4:  # the mode is checked before the timeout
        mode = {b"write": WRITE, b"all": ALL}.get(args[3].lower())
        if mode is None:
            raise CommandError("ERR CLIENT PAUSE mode must be WRITE or ALL")
    milliseconds = parse_int64(args[2])
    if milliseconds is None:
        raise CommandError("ERR timeout is not an integer or out of range")
    if milliseconds < 0:
        raise CommandError("ERR timeout is negative")
    # 0 is a pause that is over already: Redis adds the time only if it is positive.
    session.server.pause.pause(now_ms() + milliseconds if milliseconds else 0, mode)
    return OK


@command("client|unpause", 2, "admin noscript loading stale", (0, 0, 0), "connection", "6.2.0",
         "Resume processing of clients that were paused")
def client_unpause(session: Session, args: list[bytes]) -> Reply:
    session.server.pause.unpause()  # the event loop then runs what waited
    return OK
