"""MONITOR (monitor.py), CLIENT PAUSE and UNPAUSE (pause.py), and LATENCY (latency.py)."""

from __future__ import annotations

from commands.base import CommandError, Session, as_text, command, help_reply
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


# --8<-- [start:pause]
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
# --8<-- [end:pause]


# --8<-- [start:latency]
@command("latency", -2, "", (0, 0, 0), "server", "2.8.13", "A container for latency diagnostics commands")
def latency(session: Session, args: list[bytes]) -> Reply:
    raise CommandError(f"ERR unknown subcommand '{as_text(args[1])}'. Try LATENCY HELP.")


@command("latency|latest", 2, "admin noscript loading stale", (0, 0, 0), "server", "2.8.13",
         "Return the latest latency samples for all events.")
def latency_latest(session: Session, args: list[bytes]) -> Reply:
    # For each event: its name, when it last happened, how long it took then, and its worst.
    return [[name.encode(), *event.samples[-1], event.worst]
            for name, event in session.server.latency.events.items()]


@command("latency|history", 3, "admin noscript loading stale", (0, 0, 0), "server", "2.8.13",
         "Return timestamp-latency samples for the event.", "event")
def latency_history(session: Session, args: list[bytes]) -> Reply:
    event = session.server.latency.events.get(args[2].decode("utf-8", "surrogateescape"))
    return [list(sample) for sample in event.samples] if event else []


@command("latency|reset", -2, "admin noscript loading stale", (0, 0, 0), "server", "2.8.13",
         "Reset latency data for one or more events.", "[event [event ...]]")
def latency_reset(session: Session, args: list[bytes]) -> Reply:
    return session.server.latency.reset([name.decode("utf-8", "surrogateescape") for name in args[2:]])
# --8<-- [end:latency]


@command("latency|help", 2, "loading stale", (0, 0, 0), "server", "2.8.13",
         "Show helpful text about the different subcommands.")
def latency_help(session: Session, args: list[bytes]) -> Reply:
    return help_reply("LATENCY", [
        "HISTORY <event>",
        "    Return time-latency samples for the <event> class.",
        "LATEST",
        "    Return the latest latency samples for all events.",
        "RESET [<event> ...]",
        "    Reset latency data of one or more <event> classes.",
        "    (default: reset all data for all event classes)",
    ])
