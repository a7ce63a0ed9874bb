"""Commands on hashes: a key that holds fields, each with a value, kept in a Python dict.

A hash is stored as dict[bytes, bytes] and changed in place: the Store holds
the same dict, so a command that adds or removes a field does not store the
hash again, and the key keeps its TTL. A hash is never stored empty: the
command that removes its last field deletes the key.
"""

from __future__ import annotations

import random
from fractions import Fraction

import long_double
from commands.base import (INT64_MAX, INT64_MIN, SYNTAX_ERROR, CommandError, Session, command, get_typed,
                           integer_arg)
from commands.keys import scan_cursor, scan_options, scan_position
from glob_match import glob_match
from keyspace_events import GENERIC, HASH
from resp import OK, Map, Pairs, Reply, parse_int64

# Redis keeps a small hash in a listpack, one compact block of memory, until
# it has more than this many fields or a field or value longer than this
# many bytes (the settings hash-max-listpack-entries and -value).
LISTPACK_MAX_ENTRIES = 512
LISTPACK_MAX_VALUE = 64

# Finding one page of HSCAN means looking at every field of the hash,
# however small the page (see scan_page). So a page holds at least one
# SCAN_PAGES-th of the hash: a whole iteration takes at most about this many
# walks over it, rather than one walk per COUNT fields.
SCAN_PAGES = 16


# --8<-- [start:helpers]
def get_hash(session: Session, key: bytes) -> dict[bytes, bytes] | None:
    """The hash at `key`, None if there is no key, WRONGTYPE if it is not a hash."""
    return get_typed(session, key, dict)


def get_field(session: Session, key: bytes, field: bytes) -> bytes | None:
    """The value of one field; None if the field or the whole key is missing."""
    fields = get_hash(session, key)
    return None if fields is None else fields.get(field)


def writable_hash(session: Session, key: bytes) -> dict[bytes, bytes]:
    """The hash to add fields to, created if the key is missing.

    Call it only once nothing can fail any more: a hash created here and then
    left without a field would be the empty hash Redis never stores.
    """
    fields = get_hash(session, key)
    if fields is None:
        fields = {}
        session.db.set(key, fields)
    return fields


def field_value_pairs(args: list[bytes]) -> list[tuple[bytes, bytes]]:
    """The pairs of HSET and HMSET. Arity -4 only asks for one pair at least;
    a field left without its value is an arity error too, as Redis reports it."""
    if len(args) % 2:
        raise CommandError(f"ERR wrong number of arguments for '{args[0].decode().lower()}' command")
    return list(zip(args[2::2], args[3::2]))


def flatten(pairs: list[tuple[bytes, bytes]]) -> list[bytes]:
    """[(field, value), ...] as RESP2 sends it: field, value, field, value, ..."""
    return [item for pair in pairs for item in pair]
# --8<-- [end:helpers]


# --8<-- [start:fields]
def set_fields(session: Session, args: list[bytes]) -> int:
    """HSET and HMSET: set every pair, and count the fields that are new."""
    pairs = field_value_pairs(args)
    fields = writable_hash(session, args[1])
    added = 0
    for field, value in pairs:
        added += field not in fields  # a field named twice is new only the first time
        fields[field] = value
    session.db.changed(args[1], "hset", HASH)  # for HMSET too, and even if no value changed
    return added


@command("hset", -4, "write denyoom fast", (1, 1, 1), "hash", "2.0.0", "Set the string value of a hash field",
         "key field value [field value ...]")
def hset(session: Session, args: list[bytes]) -> Reply:
    return set_fields(session, args)


@command("hmset", -4, "write denyoom fast", (1, 1, 1), "hash", "2.0.0", "Set multiple hash fields to multiple values",
         "key field value [field value ...]")
def hmset(session: Session, args: list[bytes]) -> Reply:
    # HSET took several pairs in Redis 4.0, and HMSET, which replies OK
    # rather than a count, has been deprecated since.
    set_fields(session, args)
    return OK


@command("hsetnx", 4, "write denyoom fast", (1, 1, 1), "hash", "2.0.0",
         "Set the value of a hash field, only if the field does not exist", "key field value")
def hsetnx(session: Session, args: list[bytes]) -> Reply:
    fields = writable_hash(session, args[1])  # a new hash gets the field, so it is never left empty
    if args[2] in fields:
        return 0
    fields[args[2]] = args[3]
    session.db.changed(args[1], "hset", HASH)
    return 1


@command("hget", 3, "readonly fast", (1, 1, 1), "hash", "2.0.0", "Get the value of a hash field", "key field")
def hget(session: Session, args: list[bytes]) -> Reply:
    return get_field(session, args[1], args[2])


@command("hmget", -3, "readonly fast", (1, 1, 1), "hash", "2.0.0", "Get the values of all the given hash fields",
         "key field [field ...]")
def hmget(session: Session, args: list[bytes]) -> Reply:
    # A missing key is an empty hash: one null per field, not a null reply.
    fields = get_hash(session, args[1]) or {}
    return [fields.get(field) for field in args[2:]]


@command("hexists", 3, "readonly fast", (1, 1, 1), "hash", "2.0.0", "Determine if a hash field exists", "key field")
def hexists(session: Session, args: list[bytes]) -> Reply:
    return int(get_field(session, args[1], args[2]) is not None)


@command("hstrlen", 3, "readonly fast", (1, 1, 1), "hash", "3.2.0", "Get the length of the value of a hash field",
         "key field")
def hstrlen(session: Session, args: list[bytes]) -> Reply:
    return len(get_field(session, args[1], args[2]) or b"")


@command("hlen", 2, "readonly fast", (1, 1, 1), "hash", "2.0.0", "Get the number of fields in a hash", "key")
def hlen(session: Session, args: list[bytes]) -> Reply:
    return len(get_hash(session, args[1]) or {})


@command("hdel", -3, "write fast", (1, 1, 1), "hash", "2.0.0", "Delete one or more hash fields",
         "key field [field ...]")
def hdel(session: Session, args: list[bytes]) -> Reply:
    fields = get_hash(session, args[1])
    if fields is None:
        return 0
    deleted = sum(fields.pop(field, None) is not None for field in args[2:])
    if deleted:
        session.db.changed(args[1], "hdel", HASH)
    if not fields:
        # The last field went: the key goes with it, so EXISTS says 0 and
        # TYPE says none, as for a key that never held anything.
        session.db.delete(args[1])
        session.db.changed(args[1], "del", GENERIC)
    return deleted
# --8<-- [end:fields]


# --8<-- [start:whole]
@command("hkeys", 2, "readonly", (1, 1, 1), "hash", "2.0.0", "Get all the fields in a hash", "key")
def hkeys(session: Session, args: list[bytes]) -> Reply:
    return list(get_hash(session, args[1]) or {})


@command("hvals", 2, "readonly", (1, 1, 1), "hash", "2.0.0", "Get all the values in a hash", "key")
def hvals(session: Session, args: list[bytes]) -> Reply:
    return list((get_hash(session, args[1]) or {}).values())


@command("hgetall", 2, "readonly", (1, 1, 1), "hash", "2.0.0", "Get all the fields and values in a hash", "key")
def hgetall(session: Session, args: list[bytes]) -> Reply:
    # A map in RESP3; RESP2 has none, so there it is a flat array.
    return Map(get_hash(session, args[1]) or {})
# --8<-- [end:whole]


# --8<-- [start:counters]
@command("hincrby", 4, "write denyoom fast", (1, 1, 1), "hash", "2.0.0",
         "Increment the integer value of a hash field by the given number", "key field increment")
def hincrby(session: Session, args: list[bytes]) -> Reply:
    # Redis reads the increment first: a bad one is reported even for a key
    # of the wrong type.
    increment = integer_arg(args[3])
    value = get_field(session, args[1], args[2])
    number = 0 if value is None else parse_int64(value)  # a missing field counts as 0
    if number is None:
        raise CommandError("ERR hash value is not an integer")
    total = number + increment
    if not INT64_MIN <= total <= INT64_MAX:
        raise CommandError("ERR increment or decrement would overflow")
    writable_hash(session, args[1])[args[2]] = b"%d" % total
    session.db.changed(args[1], "hincrby", HASH)
    return total


@command("hincrbyfloat", 4, "write denyoom fast", (1, 1, 1), "hash", "2.6.0",
         "Increment the float value of a hash field by the given amount", "key field increment")
def hincrbyfloat(session: Session, args: list[bytes]) -> Reply:
    # The same long-double sum and printing as INCRBYFLOAT (long_double.py);
    # only the errors differ, and come in Redis's order: the increment, then
    # the key's type, then the field's value, then the sum.
    increment = long_double.parse(args[3])
    if increment is None:
        raise CommandError("ERR value is not a valid float")
    if isinstance(increment, float):  # parse() gives a float only for the infinities
        raise CommandError("ERR value is NaN or Infinity")
    value = get_field(session, args[1], args[2])
    current = Fraction(0) if value is None else long_double.parse(value)
    if current is None:
        raise CommandError("ERR hash value is not a float")
    total = long_double.add(current, increment)
    if total is None:
        raise CommandError("ERR increment would produce NaN or Infinity")  # the field held "inf"
    text = long_double.to_text(total)
    writable_hash(session, args[1])[args[2]] = text
    session.db.changed(args[1], "hincrbyfloat", HASH)
    return text
# --8<-- [end:counters]


# --8<-- [start:random]
@command("hrandfield", -2, "readonly", (1, 1, 1), "hash", "6.2.0", "Get one or multiple random fields from a hash",
         "key [count [WITHVALUES]]")
def hrandfield(session: Session, args: list[bytes]) -> Reply:
    """HRANDFIELD key [count [WITHVALUES]]

    Without a count: one field, or null. A positive count: that many distinct
    fields, or the whole hash if it has fewer. A negative count: exactly that
    many picks, each from the whole hash, so fields may repeat.
    """
    if len(args) == 2:
        fields = get_hash(session, args[1])
        return None if fields is None else random.choice(list(fields))
    # The count and the options are checked before the key is looked up.
    count = integer_arg(args[2])
    if count == INT64_MIN:  # Redis negates the count, and this one has no positive twin
        raise CommandError(f"ERR value is out of range, value must between {-INT64_MAX} and {INT64_MAX}")
    with_values = len(args) == 4 and args[3].lower() == b"withvalues"
    if len(args) > 3 and not with_values:
        raise CommandError(SYNTAX_ERROR)
    if with_values and abs(count) > INT64_MAX // 2:
        # The reply would have 2 * count items, a number Redis keeps in a signed 64-bit integer.
        raise CommandError("ERR value is out of range")
    fields = get_hash(session, args[1])
    if fields is None or count == 0:
        return []
    pairs = list(fields.items())
    if count > 0:
        picked = random.sample(pairs, min(count, len(pairs)))
    else:
        picked = random.choices(pairs, k=-count)
    return Pairs(picked) if with_values else [field for field, _ in picked]
# --8<-- [end:random]


# --8<-- [start:scan]


def fits_a_listpack(fields: dict[bytes, bytes]) -> bool:
    """Whether Redis would keep this hash in a listpack."""
    return len(fields) <= LISTPACK_MAX_ENTRIES and all(
        len(field) <= LISTPACK_MAX_VALUE and len(value) <= LISTPACK_MAX_VALUE for field, value in fields.items())


HASH_VALUES = 2**64  # scan positions go from 0 to 2**64 - 1, the range of a cursor


def scan_page(fields: dict[bytes, bytes], cursor: int, count: int) -> tuple[int, list[bytes]]:
    """One page of HSCAN: the fields whose positions lie in a slice that
    starts at `cursor`, and the cursor to pass next, where the slice ends
    (0 once it reaches the end of the positions).

    A small hash comes back whole, whatever the cursor, as Redis sends one
    it keeps in a listpack. For a larger one, the slices of one iteration
    follow each other without gap or overlap, and a field never changes
    position: so a field that is there for the whole iteration is returned
    exactly once, whatever other fields come and go in between.
    """
    if fits_a_listpack(fields):
        return 0, list(fields)
    count = max(count, len(fields) // SCAN_PAGES)  # COUNT is only a hint
    # Positions are spread evenly, so a slice of count/len of them holds
    # about `count` fields.
    end = cursor + HASH_VALUES * count // len(fields)
    page = [field for field in fields if cursor <= scan_position(field) < end]
    return (end if end < HASH_VALUES else 0), page


@command("hscan", -3, "readonly", (1, 1, 1), "hash", "2.8.0", "Incrementally iterate hash fields and associated values",
         "key cursor [MATCH pattern] [COUNT count]")
def hscan(session: Session, args: list[bytes]) -> Reply:
    cursor = scan_cursor(args[2])
    fields = get_hash(session, args[1])
    if fields is None:
        return [b"0", []]  # Redis does not even read the options then
    count, pattern = scan_options(args[3:])
    cursor, page = scan_page(fields, cursor, count)
    if pattern is not None and pattern != b"*":  # MATCH filters the page after it is taken, by field
        page = [field for field in page if glob_match(pattern, field)]
    return [b"%d" % cursor, flatten([(field, fields[field]) for field in page])]
# --8<-- [end:scan]
