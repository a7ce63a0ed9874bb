"""Transactions: MULTI queues commands, EXEC runs them all at once, and WATCH
makes EXEC run them only if the keys it watches did not change meanwhile.

A transaction needs no locks here, as in Redis: the event loop runs one
command at a time, so EXEC runs its queue without anyone else's command in
between. What WATCH adds is optimistic locking: read, decide, and write
only if nobody wrote first; otherwise EXEC replies a null, and the client
tries again.
"""

from __future__ import annotations

from commands.base import CommandError, Session, Transaction, call, command
from resp import NO_REPLY, NULL_ARRAY, OK, ExecReply, Reply


@command("multi", 1, "noscript loading stale fast allow_busy", (0, 0, 0), "transactions", "1.2.0",
         "Mark the start of a transaction block")
def multi(session: Session, args: list[bytes]) -> Reply:
    if session.transaction is not None:
        raise CommandError("ERR MULTI calls can not be nested")  # and the transaction goes on
    session.transaction = Transaction()
    return OK


@command("exec", 1, "noscript loading stale skip_slowlog", (0, 0, 0), "transactions", "1.2.0",
         "Execute all commands issued after MULTI")
def exec_(session: Session, args: list[bytes]) -> Reply:
    transaction, session.transaction = session.transaction, None
    if transaction is None:
        raise CommandError("ERR EXEC without MULTI")
    # --8<-- [start:exec]
    changed = session.server.watches.changed_since_watch(session)
    session.server.watches.unwatch(session)  # after EXEC, failed or not, nothing is watched
    if transaction.failed:
        raise CommandError("EXECABORT Transaction discarded because of previous errors.")
    if changed:
        return NULL_ARRAY  # not an error: the client is expected to try again
    # Each command's own error is one of the replies; the others run all
    # the same. There is no rollback. What the commands push to this client
    # itself (SUBSCRIBE's confirmations) goes in EXEC's reply, where it was made.
    written: list[Reply] = []
    own_push, session.push, session.in_exec = session.push, written.append, True
    try:
        for entry, words in transaction.queue:
            if (reply := call(session, entry, words)) is not NO_REPLY:
                written.append(reply)
    finally:
        session.push, session.in_exec = own_push, False
    return ExecReply(len(transaction.queue), written)
    # --8<-- [end:exec]


@command("discard", 1, "noscript loading stale fast allow_busy", (0, 0, 0), "transactions", "2.0.0",
         "Discard all commands issued after MULTI")
def discard(session: Session, args: list[bytes]) -> Reply:
    if session.transaction is None:
        raise CommandError("ERR DISCARD without MULTI")
    session.transaction = None
    session.server.watches.unwatch(session)
    return OK


@command("watch", -2, "noscript loading stale fast allow_busy", (1, -1, 1), "transactions", "2.2.0",
         "Watch the given keys to determine execution of the MULTI/EXEC block", "key [key ...]")
def watch(session: Session, args: list[bytes]) -> Reply:
    if session.transaction is not None:
        raise CommandError("ERR WATCH inside MULTI is not allowed")
    for key in args[1:]:
        session.server.watches.watch(session, key)
    return OK


@command("unwatch", 1, "noscript loading stale fast allow_busy", (0, 0, 0), "transactions", "2.2.0",
         "Forget about all watched keys")
def unwatch(session: Session, args: list[bytes]) -> Reply:
    session.server.watches.unwatch(session)
    return OK
