"""Commands about the connection itself."""

from __future__ import annotations

from commands.base import CommandError, Session, command, database_index
from resp import OK, Reply, SimpleString


@command("ping", -1, "fast", (0, 0, 0), "connection", "1.0.0", "Ping the server", "[message]")
def ping(session: Session, args: list[bytes]) -> Reply:
    if len(args) > 2:
        raise CommandError("ERR wrong number of arguments for 'ping' command")
    return args[1] if len(args) == 2 else SimpleString("PONG")


@command("echo", 2, "loading stale fast", (0, 0, 0), "connection", "1.0.0", "Echo the given string",
         "message")
def echo(session: Session, args: list[bytes]) -> Reply:
    return args[1]


@command("quit", -1, "noscript loading stale fast no_auth allow_busy", (0, 0, 0), "connection", "1.0.0",
         "Close the connection")
def quit_(session: Session, args: list[bytes]) -> Reply:
    return OK  # the connection hangs up after sending this; see Client.run_commands


@command("select", 2, "loading stale fast", (0, 0, 0), "connection", "2.0.0",
         "Change the selected database for the current connection", "index")
def select(session: Session, args: list[bytes]) -> Reply:
    session.db_index = database_index(session, args[1])
    return OK
