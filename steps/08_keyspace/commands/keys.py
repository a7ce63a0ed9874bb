"""Commands about keys whatever their value: existence, deletion, expiry."""

from __future__ import annotations

from commands.base import INT64_MAX, NOT_AN_INTEGER, CommandError, Session, as_text, command
from resp import Reply, parse_int64
from store import now_ms


@command("del", -2, "write", (1, -1, 1), "generic", "1.0.0", "Delete a key", "key [key ...]")
def delete(session: Session, args: list[bytes]) -> Reply:
    return sum(session.db.delete(key) for key in args[1:])


@command("exists", -2, "readonly fast", (1, -1, 1), "generic", "3.0.3", "Determine if a key exists", "key [key ...]")
def exists(session: Session, args: list[bytes]) -> Reply:
    # A key named twice counts twice, as in Redis.
    return sum(key in session.db for key in args[1:])


def expire_generic(session: Session, args: list[bytes], base_ms: int, in_seconds: bool) -> Reply:
    """EXPIRE, PEXPIRE, EXPIREAT and PEXPIREAT: key amount [NX | XX | GT | LT]"""
    options = set()
    for option in args[3:]:
        if option.upper() not in (b"NX", b"XX", b"GT", b"LT"):
            raise CommandError(f"ERR Unsupported option {as_text(option)}")
        options.add(option.upper())
    if b"NX" in options and len(options) > 1:
        raise CommandError("ERR NX and XX, GT or LT options at the same time are not compatible")
    if {b"GT", b"LT"} <= options:
        raise CommandError("ERR GT and LT options at the same time are not compatible")
    deadline = parse_int64(args[2])
    if deadline is None:
        raise CommandError(NOT_AN_INTEGER)
    # Unlike SET, zero and negative times are allowed: they delete the key.
    # Only a time that overflows 64 bits once turned into a deadline in ms is refused.
    if in_seconds:
        if abs(deadline) > INT64_MAX // 1000:
            raise CommandError(f"ERR invalid expire time in '{args[0].decode().lower()}' command")
        deadline *= 1000
    if deadline > INT64_MAX - base_ms:
        raise CommandError(f"ERR invalid expire time in '{args[0].decode().lower()}' command")
    deadline += base_ms
    key = args[1]
    if key not in session.db:
        return 0
    current = session.db.deadline(key)  # None: the key lives forever
    if ((b"NX" in options and current is not None)
            or (b"XX" in options and current is None)
            or (b"GT" in options and (current is None or deadline <= current))
            or (b"LT" in options and current is not None and deadline >= current)):
        return 0
    if deadline <= now_ms():
        session.db.delete(key)
    else:
        session.db.set_deadline(key, deadline)
    return 1


@command("expire", -3, "write fast", (1, 1, 1), "generic", "1.0.0", "Set a key's time to live in seconds",
         "key seconds [NX | XX | GT | LT]")
def expire(session: Session, args: list[bytes]) -> Reply:
    return expire_generic(session, args, now_ms(), in_seconds=True)


@command("pexpire", -3, "write fast", (1, 1, 1), "generic", "2.6.0", "Set a key's time to live in milliseconds",
         "key milliseconds [NX | XX | GT | LT]")
def pexpire(session: Session, args: list[bytes]) -> Reply:
    return expire_generic(session, args, now_ms(), in_seconds=False)


@command("expireat", -3, "write fast", (1, 1, 1), "generic", "1.2.0",
         "Set the expiration for a key as a UNIX timestamp", "key unix-time-seconds [NX | XX | GT | LT]")
def expireat(session: Session, args: list[bytes]) -> Reply:
    return expire_generic(session, args, 0, in_seconds=True)


@command("pexpireat", -3, "write fast", (1, 1, 1), "generic", "2.6.0",
         "Set the expiration for a key as a UNIX timestamp specified in milliseconds",
         "key unix-time-milliseconds [NX | XX | GT | LT]")
def pexpireat(session: Session, args: list[bytes]) -> Reply:
    return expire_generic(session, args, 0, in_seconds=False)


def ttl_generic(session: Session, key: bytes, in_ms: bool, absolute: bool) -> Reply:
    if key not in session.db:
        return -2
    deadline = session.db.deadline(key)
    if deadline is None:
        return -1
    left = deadline if absolute else max(deadline - now_ms(), 0)
    return left if in_ms else (left + 500) // 1000  # seconds are rounded, not cut


@command("ttl", 2, "readonly fast", (1, 1, 1), "generic", "1.0.0", "Get the time to live for a key in seconds", "key")
def ttl(session: Session, args: list[bytes]) -> Reply:
    return ttl_generic(session, args[1], in_ms=False, absolute=False)


@command("pttl", 2, "readonly fast", (1, 1, 1), "generic", "2.6.0",
         "Get the time to live for a key in milliseconds", "key")
def pttl(session: Session, args: list[bytes]) -> Reply:
    return ttl_generic(session, args[1], in_ms=True, absolute=False)


@command("expiretime", 2, "readonly fast", (1, 1, 1), "generic", "7.0.0",
         "Get the expiration Unix timestamp for a key", "key")
def expiretime(session: Session, args: list[bytes]) -> Reply:
    return ttl_generic(session, args[1], in_ms=False, absolute=True)


@command("pexpiretime", 2, "readonly fast", (1, 1, 1), "generic", "7.0.0",
         "Get the expiration Unix timestamp for a key in milliseconds", "key")
def pexpiretime(session: Session, args: list[bytes]) -> Reply:
    return ttl_generic(session, args[1], in_ms=True, absolute=True)


@command("persist", 2, "write fast", (1, 1, 1), "generic", "2.2.0", "Remove the expiration from a key", "key")
def persist(session: Session, args: list[bytes]) -> Reply:
    return int(args[1] in session.db and session.db.persist(args[1]))
