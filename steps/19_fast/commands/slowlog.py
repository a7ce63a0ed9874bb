"""SLOWLOG: what the slow log (slowlog.py) holds."""

from __future__ import annotations

from commands.base import CommandError, Session, as_text, command, help_reply
from resp import OK, Reply, parse_int64


@command("slowlog", -2, "", (0, 0, 0), "server", "2.2.12", "A container for slow log commands")
def slowlog(session: Session, args: list[bytes]) -> Reply:
    raise CommandError(f"ERR unknown subcommand '{as_text(args[1])}'. Try SLOWLOG HELP.")


@command("slowlog|get", -2, "admin loading stale", (0, 0, 0), "server", "2.2.12",
         "Get the slow log's entries", "[count]")
def slowlog_get(session: Session, args: list[bytes]) -> Reply:
    if len(args) > 3:
        raise CommandError("ERR unknown subcommand or wrong number of arguments for 'get'. Try SLOWLOG HELP.")
    count = parse_int64(args[2]) if len(args) == 3 else 10
    if count is None or count < -1:
        raise CommandError("ERR count should be greater than or equal to -1")
    entries = list(session.server.slowlog.entries)
    if count != -1:
        entries = entries[:count]
    return [[entry.id, entry.timestamp, entry.microseconds, entry.args, entry.address.encode(), entry.name]
            for entry in entries]


@command("slowlog|len", 2, "admin loading stale", (0, 0, 0), "server", "2.2.12",
         "Get the slow log's length")
def slowlog_len(session: Session, args: list[bytes]) -> Reply:
    return len(session.server.slowlog.entries)


@command("slowlog|reset", 2, "admin loading stale", (0, 0, 0), "server", "2.2.12",
         "Clear all entries from the slow log")
def slowlog_reset(session: Session, args: list[bytes]) -> Reply:
    session.server.slowlog.entries.clear()
    return OK


@command("slowlog|help", 2, "loading stale", (0, 0, 0), "server", "6.2.0",
         "Show helpful text about the different subcommands")
def slowlog_help(session: Session, args: list[bytes]) -> Reply:
    return help_reply("SLOWLOG", [
        "GET [<count>]",
        "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
        "    Entries are made of:",
        "    id, timestamp, time in microseconds, arguments array, client IP and port,",
        "    client name",
        "LEN",
        "    Return the length of the slowlog.",
        "RESET",
        "    Reset the slowlog.",
    ])
