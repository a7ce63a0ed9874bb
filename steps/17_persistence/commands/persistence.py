"""SAVE, BGSAVE, BGREWRITEAOF and LASTSAVE: asking for the data to be
written to disk now (the machinery is in persistence.py)."""

from __future__ import annotations

from commands.base import SYNTAX_ERROR, CommandError, Session, command
from resp import OK, Reply, SimpleString


@command("save", 1, "admin noscript no_async_loading no_multi", (0, 0, 0), "server", "1.0.0",
         "Synchronously save the dataset to disk")
def save(session: Session, args: list[bytes]) -> Reply:
    session.server.persistence.save()
    return OK


@command("bgsave", -1, "admin noscript no_async_loading", (0, 0, 0), "server", "1.0.0",
         "Asynchronously save the dataset to disk", "[SCHEDULE]")
def bgsave(session: Session, args: list[bytes]) -> Reply:
    if len(args) > 2 or (len(args) == 2 and args[1].upper() != b"SCHEDULE"):
        raise CommandError(SYNTAX_ERROR)
    persistence = session.server.persistence
    # SCHEDULE: if an AOF rewrite is running, save once it is done instead of failing.
    if len(args) == 2 and persistence.child is not None and persistence.child.kind == "aof":
        persistence.bgsave_scheduled = True
        return SimpleString("Background saving scheduled")
    persistence.background_save()
    return SimpleString("Background saving started")


@command("bgrewriteaof", 1, "admin noscript no_async_loading", (0, 0, 0), "server", "1.0.0",
         "Asynchronously rewrite the append-only file")
def bgrewriteaof(session: Session, args: list[bytes]) -> Reply:
    persistence = session.server.persistence
    persistence.start_aof_rewrite()
    if persistence.aof_rewrite_scheduled:  # a BGSAVE is running: the rewrite starts after it
        return SimpleString("Background append only file rewriting scheduled")
    return SimpleString("Background append only file rewriting started")


@command("lastsave", 1, "loading stale fast", (0, 0, 0), "server", "1.0.0",
         "Get the UNIX time stamp of the last successful save to disk",
         categories="@admin @dangerous")
def lastsave(session: Session, args: list[bytes]) -> Reply:
    return session.server.persistence.last_save
