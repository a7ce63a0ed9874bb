"""SAVE, BGSAVE, BGREWRITEAOF and LASTSAVE: asking for the data to be
written to disk now (the machinery is in persistence.py)."""

from __future__ import annotations

from commands.base import SYNTAX_ERROR, CommandError, Session, command
from log import log
from resp import NO_REPLY, OK, Reply, SimpleString


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


# --8<-- [start:shutdown]
@command("shutdown", -1, "admin noscript loading stale no_multi allow_busy", (0, 0, 0), "server", "1.0.0",
         "Synchronously save the dataset to disk and then shut down the server",
         "[NOSAVE | SAVE] [NOW] [FORCE] [ABORT]")
def shutdown(session: Session, args: list[bytes]) -> Reply:
    """Save if asked to (or if there are save points), then exit. The client
    gets no reply: the connection closes. NOW skips waiting for replicas,
    which we have none of; ABORT cancels a shutdown that waits for them."""
    flags = [arg.upper() for arg in args[1:]]
    if not set(flags) <= {b"NOSAVE", b"SAVE", b"NOW", b"FORCE", b"ABORT"} or {b"SAVE", b"NOSAVE"} <= set(flags) \
            or (b"ABORT" in flags and len(flags) > 1):
        raise CommandError(SYNTAX_ERROR)
    if b"ABORT" in flags:
        raise CommandError("ERR No shutdown in progress.")
    save = True if b"SAVE" in flags else False if b"NOSAVE" in flags else None
    log("User requested shutdown...", "warning")
    if not session.server.persistence.shutdown(save, force=b"FORCE" in flags):
        raise CommandError("ERR Errors trying to SHUTDOWN. Check logs.")
    session.server.shutting_down = True
    return NO_REPLY
# --8<-- [end:shutdown]
