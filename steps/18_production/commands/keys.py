"""Commands about keys whatever their value: existence, deletion, expiry,
renaming and copying, moving between databases, and listing the keyspace."""

from __future__ import annotations

import re
from copy import copy as shallow_copy

import rdb
from commands.base import (INT64_MAX, NOT_AN_INTEGER, SYNTAX_ERROR, TYPE_NAMES, CommandError, Session, as_text, command,
                           database_index, integer_arg, reading)
from glob_match import glob_match
from keyspace_events import GENERIC
from resp import OK, Reply, SimpleString, parse_int64
from store import Store, now_ms

SAME_OBJECT = "ERR source and destination objects are the same"


@command("del", -2, "write", (1, -1, 1), "generic", "1.0.0", "Delete a key", "key [key ...]")
def delete(session: Session, args: list[bytes]) -> Reply:
    deleted = 0
    for key in args[1:]:
        if session.db.delete(key):
            session.db.changed(key, "del", GENERIC)
            deleted += 1
    return deleted


@command("exists", -2, "readonly fast", (1, -1, 1), "generic", "3.0.3", "Determine if a key exists", "key [key ...]")
def exists(session: Session, args: list[bytes]) -> Reply:
    # A key named twice counts twice, as in Redis.
    return sum(key in session.db for key in args[1:])


@command("touch", -2, "readonly fast", (1, -1, 1), "generic", "3.2.1",
         "Alters the last access time of a key(s). Returns the number of existing keys specified.", "key [key ...]")
def touch(session: Session, args: list[bytes]) -> Reply:
    # Redis also marks each key as just used, for eviction; that comes in step 18.
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
    # A time already past deletes the key, except while the AOF loads: the
    # deadline was in the future when the command was written (the key
    # then expires once the server is up).
    if deadline <= now_ms() and not session.db.loading:
        session.db.delete(key)
        session.db.changed(key, "del", GENERIC)
    else:
        session.db.set_deadline(key, deadline)
        session.db.changed(key, "expire", GENERIC)
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
    if args[1] not in session.db or not session.db.persist(args[1]):
        return 0
    session.db.changed(args[1], "persist", GENERIC)
    return 1


@command("unlink", -2, "write fast", (1, -1, 1), "generic", "4.0.0",
         "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.",
         "key [key ...]")
def unlink(session: Session, args: list[bytes]) -> Reply:
    # Redis frees a big value in a background thread so that the event loop
    # does not stall. Python frees a value when its last reference goes, on
    # this thread, and has no cheap way to hand that off: for us it is DEL.
    return delete(session, args)


def type_name(db: Store, key: bytes) -> str:
    """The name TYPE and SCAN ... TYPE use for a key's value; "none" for no key."""
    value = db.get(key)
    return "none" if value is None else TYPE_NAMES[type(value)]


@command("type", 2, "readonly fast", (1, 1, 1), "generic", "1.0.0", "Determine the type stored at key", "key")
def type_(session: Session, args: list[bytes]) -> Reply:
    return SimpleString(type_name(session.db, args[1]))


# --8<-- [start:rename]
def put(db: Store, key: bytes, value: object, deadline: int | None) -> None:
    """Store a value with the deadline it had under its old name or database:
    RENAME, COPY and MOVE carry a key's TTL along with its value."""
    # Delete, then add, as Redis does: the key is new, for a client blocked
    # on it and for keyspace events, even if it replaced one.
    db.delete(key)
    db.set(key, value)
    if deadline is not None:
        db.set_deadline(key, deadline)


def rename_generic(session: Session, args: list[bytes], nx: bool) -> Reply:
    db, source, destination = session.db, args[1], args[2]
    value = db.get(source)
    if value is None:
        raise CommandError("ERR no such key")
    if source == destination:
        return 0 if nx else OK  # nothing to do, but only for a key that exists
    if nx and destination in db:
        return 0
    # An existing destination is overwritten: value and TTL both.
    put(db, destination, value, db.deadline(source))
    db.delete(source)
    db.changed(source, "rename_from", GENERIC)
    db.changed(destination, "rename_to", GENERIC)
    return 1 if nx else OK


@command("rename", 3, "write", (1, 2, 1), "generic", "1.0.0", "Rename a key", "key newkey")
def rename(session: Session, args: list[bytes]) -> Reply:
    return rename_generic(session, args, nx=False)


@command("renamenx", 3, "write fast", (1, 2, 1), "generic", "1.0.0",
         "Rename a key, only if the new key does not exist", "key newkey")
def renamenx(session: Session, args: list[bytes]) -> Reply:
    return rename_generic(session, args, nx=True)


@command("copy", -3, "write denyoom", (1, 2, 1), "generic", "6.2.0", "Copy a key",
         "source destination [DB destination-db] [REPLACE]")
def copy(session: Session, args: list[bytes]) -> Reply:
    source, destination = args[1], args[2]
    target, replace = session.db_index, False
    i = 3
    while i < len(args):
        option = args[i].upper()
        if option == b"REPLACE":
            replace = True
        elif option == b"DB" and i + 1 < len(args):
            # A bad database number is reported at once, before later options are read.
            target = database_index(session, args[i + 1])
            i += 1
        else:
            raise CommandError(SYNTAX_ERROR)
        i += 1
    if target == session.db_index and source == destination:
        raise CommandError(SAME_OBJECT)  # even when the key does not exist
    with reading(session):
        value = session.db.get(source)
    destination_db = session.server.databases[target]
    if value is None or (destination in destination_db and not replace):
        return 0
    # A list (and the types to come) can change in place: the copy needs its
    # own. A shallow copy is enough, since the elements are immutable bytes.
    put(destination_db, destination, shallow_copy(value), session.db.deadline(source))
    destination_db.changed(destination, "copy_to", GENERIC)
    return 1


@command("move", 3, "write fast", (1, 1, 1), "generic", "1.0.0", "Move a key to another database", "key db")
def move(session: Session, args: list[bytes]) -> Reply:
    key = args[1]
    target = database_index(session, args[2])
    if target == session.db_index:
        raise CommandError(SAME_OBJECT)  # checked before the key is looked up
    value = session.db.get(key)
    destination_db = session.server.databases[target]
    if value is None or key in destination_db:
        return 0  # unlike RENAME, MOVE never overwrites
    put(destination_db, key, value, session.db.deadline(key))
    session.db.delete(key)
    session.db.changed(key, "move_from", GENERIC)
    destination_db.changed(key, "move_to", GENERIC)
    return 1
# --8<-- [end:rename]


# --8<-- [start:keys]
@command("keys", 2, "readonly", (0, 0, 0), "generic", "1.0.0", "Find all keys matching the given pattern",
         "pattern",
         categories="@keyspace @dangerous")
def keys_(session: Session, args: list[bytes]) -> Reply:
    pattern = args[1]
    # Redis skips matching altogether for "*", the usual case. That is
    # also why "*" lists an empty key that "**" does not (see glob_match).
    return [key for key in session.db.keys() if pattern == b"*" or glob_match(pattern, key)]


def scan_cursor(arg: bytes) -> int:
    """SCAN's cursor, read like C's strtoul() reads it, as Redis does: an
    unsigned 64-bit number with an optional sign, where "" means 0 and a
    negative number wraps around ("-1" is 2**64 - 1)."""
    match = re.fullmatch(rb"([+-]?)(\d*)", arg)
    if match is None or (match[1] and not match[2]) or int(match[2] or 0) >= 2**64:
        raise CommandError("ERR invalid cursor")
    number = int(match[2] or 0)
    return -number % 2**64 if match[1] == b"-" else number


# --8<-- [start:collection_scan]
# The options and the order of the scans of one collection: HSCAN, SSCAN, ZSCAN.
def scan_options(args: list[bytes]) -> tuple[int, bytes | None]:
    """[MATCH pattern] [COUNT count], in any order, the last one counting:
    the count (10 unless given) and the pattern (None for none)."""
    count, pattern = 10, None
    for i in range(0, len(args), 2):
        option = args[i].upper()
        if i + 1 == len(args) or option not in (b"MATCH", b"COUNT"):
            raise CommandError(SYNTAX_ERROR)
        if option == b"MATCH":
            pattern = args[i + 1]
        else:
            count = integer_arg(args[i + 1])
            if count < 1:
                raise CommandError(SYNTAX_ERROR)
    return count, pattern


def scan_position(item: bytes) -> int:
    """Where a field or member stands in HSCAN's and SSCAN's order: its hash,
    moved from Python's signed 64 bits to the unsigned range of a cursor. Python spreads the
    hashes of bytes evenly, and a field keeps its hash as long as the server
    runs (each server process picks a new hash seed, as Redis does)."""
    return hash(item) + 2**63
# --8<-- [end:collection_scan]


@command("scan", -2, "readonly", (0, 0, 0), "generic", "2.8.0", "Incrementally iterate the keys space",
         "cursor [MATCH pattern] [COUNT count] [TYPE type]")
def scan(session: Session, args: list[bytes]) -> Reply:
    """SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]

    Each call returns about COUNT keys and the cursor to pass next; cursor 0
    starts and ends a full iteration. A key that exists for the whole
    iteration is returned, whatever is added or deleted in between (see
    ScanOrder). MATCH and TYPE filter a page after it is taken, so a page
    may come back empty while the cursor is not yet 0.
    """
    cursor = scan_cursor(args[1])
    count, pattern, wanted_type = 10, None, None
    for i in range(2, len(args), 2):
        option = args[i].upper()
        if i + 1 == len(args):
            raise CommandError(SYNTAX_ERROR)  # an option without its value
        if option == b"COUNT":
            count = integer_arg(args[i + 1])
            if count < 1:
                raise CommandError(SYNTAX_ERROR)
        elif option == b"MATCH":
            pattern = args[i + 1]
        elif option == b"TYPE":
            wanted_type = args[i + 1].lower()
        else:
            raise CommandError(SYNTAX_ERROR)
    cursor, found = session.db.scan(cursor, count)
    if pattern is not None and pattern != b"*":
        found = [key for key in found if glob_match(pattern, key)]
    if wanted_type is not None:
        found = [key for key in found if type_name(session.db, key).encode() == wanted_type]
    return [b"%d" % cursor, found]


@command("randomkey", 1, "readonly", (0, 0, 0), "generic", "1.0.0", "Return a random key from the keyspace")
def randomkey(session: Session, args: list[bytes]) -> Reply:
    return session.db.random_key()  # None, the null bulk string, when the database is empty
# --8<-- [end:keys]


# --8<-- [start:dump_restore]
@command("dump", 2, "readonly", (1, 1, 1), "generic", "2.6.0",
         "Return a serialized version of the value stored at the specified key.", "key")
def dump(session: Session, args: list[bytes]) -> Reply:
    """The value as an RDB file holds it, with the RDB version and a checksum:
    RESTORE, here or on another server, makes the same value of it."""
    value = session.db.get(args[1])
    return None if value is None else rdb.dump_payload(value, session.server.config)


@command("restore", -4, "write denyoom", (1, 1, 1), "generic", "2.6.0",
         "Create a key using the provided serialized value, previously obtained using DUMP.",
         "key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]",
         categories="@keyspace @dangerous")
def restore(session: Session, args: list[bytes]) -> Reply:
    key, options, position = args[1], set(), 4
    while position < len(args):
        option = args[position].upper()
        more = position + 1 < len(args)
        if option in (b"REPLACE", b"ABSTTL"):
            options.add(option)
        # IDLETIME and FREQ are checked and dropped: there is no LRU clock or LFU counter here.
        elif option == b"IDLETIME" and more and b"FREQ" not in options:
            if integer_arg(args[position + 1]) < 0:
                raise CommandError("ERR Invalid IDLETIME value, must be >= 0")
            options.add(option)
            position += 1
        elif option == b"FREQ" and more and b"IDLETIME" not in options:
            if not 0 <= integer_arg(args[position + 1]) <= 255:
                raise CommandError("ERR Invalid FREQ value, must be >= 0 and <= 255")
            options.add(option)
            position += 1
        else:
            raise CommandError(SYNTAX_ERROR)
        position += 1
    db = session.db
    if b"REPLACE" not in options and key in db:
        raise CommandError("BUSYKEY Target key name already exists.")
    ttl = integer_arg(args[2])
    if ttl < 0:
        raise CommandError("ERR Invalid TTL value, must be >= 0")
    try:
        value = rdb.restore_payload(args[3])
    except rdb.RdbError as error:
        raise CommandError(f"ERR {error}") from None
    replaced = b"REPLACE" in options and db.delete(key)
    deadline = (ttl if b"ABSTTL" in options else ttl + now_ms()) if ttl else None
    if deadline is not None and deadline <= now_ms():
        # Already past: there is no key to make; the one it replaced is gone.
        if replaced:
            db.changed(key, "del", GENERIC)
        return OK
    db.set(key, value)
    if deadline is not None:
        db.set_deadline(key, deadline)
    db.changed(key, "restore", GENERIC)
    return OK
# --8<-- [end:dump_restore]
