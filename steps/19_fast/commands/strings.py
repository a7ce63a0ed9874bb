"""Commands on string values: GET, SET and its options, counters, ranges, several keys at once, LCS."""

from __future__ import annotations

from contextlib import nullcontext
from fractions import Fraction

import long_double
from commands.base import (INT64_MAX, INT64_MIN, NOT_AN_INTEGER, SYNTAX_ERROR, WRONGTYPE, CommandError, Session,
                           command, get_string, integer_arg, reading)
from keyspace_events import GENERIC, STRING
from resp import OK, Map, Reply, parse_int64
from store import now_ms

TOO_LONG = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"


def max_string_length(session: Session) -> int:
    """proto-max-bulk-len: the longest argument a client may send, and so, as
    in Redis, the longest string APPEND or SETRANGE may make (and the most
    memory LCS's table may take)."""
    return int(session.server.config["proto-max-bulk-len"])


TIME_OPTIONS = (b"EX", b"PX", b"EXAT", b"PXAT")


@command("get", 2, "readonly fast", (1, 1, 1), "string", "1.0.0", "Get the value of a key", "key")
def get(session: Session, args: list[bytes]) -> Reply:
    return get_string(session, args[1])  # None encodes as the null bulk string


def deadline_from(option: bytes, amount: bytes, command: str) -> int:
    """Turn EX/PX/EXAT/PXAT and its number into a deadline in ms since the epoch."""
    number = parse_int64(amount)
    if number is None:
        raise CommandError(NOT_AN_INTEGER)
    in_seconds = option in (b"EX", b"EXAT")
    # Zero, negative, or so large that it overflows 64 bits once in ms: refused.
    if number <= 0 or (in_seconds and number > INT64_MAX // 1000):
        raise CommandError(f"ERR invalid expire time in '{command}' command")
    deadline = number * 1000 if in_seconds else number
    if option in (b"EX", b"PX"):  # relative to now; EXAT and PXAT are absolute
        deadline += now_ms()
    if deadline > INT64_MAX:
        raise CommandError(f"ERR invalid expire time in '{command}' command")
    return deadline


# Options that exclude each other: NX or XX; one time, or KEEPTTL, or PERSIST.
EXCLUSIVE = [{b"NX", b"XX"}, {b"KEEPTTL", b"PERSIST", *TIME_OPTIONS}]


def parse_options(args: list[bytes], start: int, allowed: set[bytes]) -> tuple[set[bytes], tuple[bytes, bytes] | None]:
    """Read the options of SET or GETEX from args[start:].

    Returns the options given, and the time option with its number, such as
    (b"EX", b"10"), if there was one. An option may repeat, but one that is
    not `allowed` or that excludes an option already given is a syntax error.
    """
    given: set[bytes] = set()
    expiry = None
    i = start
    while i < len(args):
        option = args[i].upper()
        takes_number = option in TIME_OPTIONS
        if (option not in allowed or (takes_number and i + 1 == len(args))
                or any(option in group and given & (group - {option}) for group in EXCLUSIVE)):
            raise CommandError(SYNTAX_ERROR)
        given.add(option)
        if takes_number:
            expiry = (option, args[i + 1])
            i += 1
        i += 1
    return given, expiry


# --8<-- [start:set]
@command("set", -3, "write denyoom", (1, 1, 1), "string", "1.0.0", "Set the string value of a key",
         "key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]")
def set_(session: Session, args: list[bytes]) -> Reply:
    """SET key value [NX | XX] [GET] [EX s | PX ms | EXAT ts | PXAT ms-ts | KEEPTTL]"""
    key, value = args[1], args[2]
    if len(args) == 3:  # no options, as in most SETs: no old value to look at, nothing to parse
        set_string(session, key, value)
        return OK
    given, expiry = parse_options(args, 3, allowed={b"NX", b"XX", b"GET", b"KEEPTTL", *TIME_OPTIONS})
    nx, xx, get_old, keep_ttl = (option in given for option in (b"NX", b"XX", b"GET", b"KEEPTTL"))
    deadline = deadline_from(*expiry, "set") if expiry else None
    # SET replaces a value of any type; only GET, which replies with the old
    # value, needs it to be a string.
    with reading(session) if get_old else nullcontext():  # GET reads the old value: INFO counts it
        old = session.db.get(key)
    if get_old and old is not None and not isinstance(old, bytes):
        raise CommandError(WRONGTYPE)
    if (nx and old is not None) or (xx and old is None):
        return old if get_old else None  # not set: null, or the old value for GET
    # Even a deadline already past is stored: the key is then gone the
    # next time anyone looks, exactly as in Redis.
    set_string(session, key, value, deadline, keep_ttl)
    return old if get_old else OK
# --8<-- [end:set]


def set_string(session: Session, key: bytes, value: bytes, deadline: int | None = None,
               keep_ttl: bool = False) -> None:
    """SET and its kin: store the string, with a deadline if given, and
    report it: a set event, and an expire event for the deadline."""
    session.db.set(key, value, keep_ttl=keep_ttl)
    session.db.changed(key, "set", STRING)
    if deadline is not None:
        session.db.set_deadline(key, deadline)
        session.db.changed(key, "expire", GENERIC)


@command("setnx", 3, "write denyoom fast", (1, 1, 1), "string", "1.0.0",
         "Set the value of a key, only if the key does not exist", "key value")
def setnx(session: Session, args: list[bytes]) -> Reply:
    return 0 if set_(session, [b"SET", args[1], args[2], b"NX"]) is None else 1


@command("setex", 4, "write denyoom", (1, 1, 1), "string", "2.0.0", "Set the value and expiration of a key",
         "key seconds value")
def setex(session: Session, args: list[bytes]) -> Reply:
    deadline = deadline_from(b"EX", args[2], "setex")  # a bad time must leave the key alone
    set_string(session, args[1], args[3], deadline)
    return OK


@command("psetex", 4, "write denyoom", (1, 1, 1), "string", "2.6.0",
         "Set the value and expiration in milliseconds of a key", "key milliseconds value")
def psetex(session: Session, args: list[bytes]) -> Reply:
    deadline = deadline_from(b"PX", args[2], "psetex")  # a bad time must leave the key alone
    set_string(session, args[1], args[3], deadline)
    return OK


@command("getex", -2, "write fast", (1, 1, 1), "string", "6.2.0",
         "Get the value of a key and optionally set its expiration",
         "key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST]")
def getex(session: Session, args: list[bytes]) -> Reply:
    """GETEX key [EX s | PX ms | EXAT ts | PXAT ms-ts | PERSIST]"""
    given, expiry = parse_options(args, 2, allowed={b"PERSIST", *TIME_OPTIONS})
    persist = b"PERSIST" in given
    with reading(session):
        value = get_string(session, args[1])
    if value is None:
        return None  # a missing key wins over a bad time, as in Redis
    if expiry:
        deadline = deadline_from(*expiry, "getex")
        if deadline <= now_ms():
            session.db.delete(args[1])
            session.db.changed(args[1], "del", GENERIC)
        else:
            session.db.set_deadline(args[1], deadline)
            session.db.changed(args[1], "expire", GENERIC)
    elif persist and session.db.persist(args[1]):
        session.db.changed(args[1], "persist", GENERIC)
    return value


@command("getdel", 2, "write fast", (1, 1, 1), "string", "6.2.0", "Get the value of a key and delete the key", "key")
def getdel(session: Session, args: list[bytes]) -> Reply:
    with reading(session):
        value = get_string(session, args[1])
    if value is not None:
        session.db.delete(args[1])
        session.db.changed(args[1], "del", GENERIC)
    return value


# --- counters -------------------------------------------------------------------------------------


def add_to_counter(session: Session, key: bytes, increment: int) -> int:
    """INCR, INCRBY, DECR and DECRBY: add to the 64-bit integer the key holds."""
    value = get_string(session, key)
    number = 0 if value is None else parse_int64(value)  # a missing key counts as 0
    if number is None:
        raise CommandError(NOT_AN_INTEGER)
    total = number + increment
    if not INT64_MIN <= total <= INT64_MAX:
        raise CommandError("ERR increment or decrement would overflow")
    # Redis stores the number as its digits. A counter keeps its TTL.
    session.db.set(key, b"%d" % total, keep_ttl=True)
    session.db.changed(key, "incrby", STRING)  # for INCR, DECR and DECRBY too
    return total


@command("incr", 2, "write denyoom fast", (1, 1, 1), "string", "1.0.0", "Increment the integer value of a key by one", "key")
def incr(session: Session, args: list[bytes]) -> Reply:
    return add_to_counter(session, args[1], 1)


@command("incrby", 3, "write denyoom fast", (1, 1, 1), "string", "1.0.0",
         "Increment the integer value of a key by the given amount", "key increment")
def incrby(session: Session, args: list[bytes]) -> Reply:
    return add_to_counter(session, args[1], integer_arg(args[2]))


@command("decr", 2, "write denyoom fast", (1, 1, 1), "string", "1.0.0", "Decrement the integer value of a key by one", "key")
def decr(session: Session, args: list[bytes]) -> Reply:
    return add_to_counter(session, args[1], -1)


@command("decrby", 3, "write denyoom fast", (1, 1, 1), "string", "1.0.0",
         "Decrement the integer value of a key by the given number", "key decrement")
def decrby(session: Session, args: list[bytes]) -> Reply:
    decrement = integer_arg(args[2])
    # Redis negates the decrement and adds it; the smallest integer has no
    # negative in 64 bits, so it is refused before the key is even looked at.
    if decrement == INT64_MIN:
        raise CommandError("ERR decrement would overflow")
    return add_to_counter(session, args[1], -decrement)


@command("incrbyfloat", 3, "write denyoom fast", (1, 1, 1), "string", "2.6.0",
         "Increment the float value of a key by the given amount", "key increment")
def incrbyfloat(session: Session, args: list[bytes]) -> Reply:
    # Redis does this sum in C's long double; see long_double.py for why
    # Python's float would not give the same replies.
    value = get_string(session, args[1])
    current = Fraction(0) if value is None else long_double.parse(value)
    increment = long_double.parse(args[2])
    if current is None or increment is None:
        raise CommandError("ERR value is not a valid float")
    total = long_double.add(current, increment)
    if total is None:
        raise CommandError("ERR increment would produce NaN or Infinity")
    # The key holds the printed sum, so the next INCRBYFLOAT, or INCR,
    # starts from exactly what this one replied.
    text = long_double.to_text(total)
    session.db.set(args[1], text, keep_ttl=True)
    session.db.changed(args[1], "incrbyfloat", STRING)
    return text


# --- parts of a string ----------------------------------------------------------------------------


@command("strlen", 2, "readonly fast", (1, 1, 1), "string", "2.2.0", "Get the length of the value stored in a key", "key")
def strlen(session: Session, args: list[bytes]) -> Reply:
    return len(get_string(session, args[1]) or b"")


@command("append", 3, "write denyoom fast", (1, 1, 1), "string", "2.0.0", "Append a value to a key", "key value")
def append(session: Session, args: list[bytes]) -> Reply:
    old = get_string(session, args[1]) or b""  # a missing key is created
    if len(old) + len(args[2]) > max_string_length(session):
        raise CommandError(TOO_LONG)
    # Redis grows the string in place, so the key keeps its TTL. (Python's
    # bytes cannot grow: we copy the whole string each time.)
    session.db.set(args[1], old + args[2], keep_ttl=True)
    session.db.changed(args[1], "append", STRING)
    return len(old) + len(args[2])


@command("getrange", 4, "readonly", (1, 1, 1), "string", "2.4.0", "Get a substring of the string stored at a key",
         "key start end")
def getrange(session: Session, args: list[bytes]) -> Reply:
    start, end = integer_arg(args[2]), integer_arg(args[3])
    value = get_string(session, args[1]) or b""  # a missing key is an empty string, not null
    # Both ends are inclusive; negative ones count from the end (-1 is the
    # last byte). Redis first rules out a range that is backwards counted
    # from the end: the clamping below would turn -5..-10 into 0..0.
    if start < 0 and end < 0 and start > end:
        return b""
    # An index before the start becomes 0, one past the end the last byte,
    # so -100..-50 on "abc" is "a", as in Redis.
    if start < 0:
        start = max(len(value) + start, 0)
    if end < 0:
        end = max(len(value) + end, 0)
    return value[start : min(end, len(value) - 1) + 1]


@command("setrange", 4, "write denyoom", (1, 1, 1), "string", "2.2.0",
         "Overwrite part of a string at key starting at the specified offset", "key offset value")
def setrange(session: Session, args: list[bytes]) -> Reply:
    offset, patch = integer_arg(args[2]), args[3]
    if offset < 0:
        raise CommandError("ERR offset is out of range")
    old = get_string(session, args[1])
    if not patch:
        # Nothing to write: the reply is the current length, and neither a
        # missing key nor a huge offset matters.
        return len(old or b"")
    if offset + len(patch) > max_string_length(session):
        raise CommandError(TOO_LONG)
    # Writing past the end pads the gap with zero bytes.
    padded = (old or b"").ljust(offset, b"\0")
    new = padded[:offset] + patch + padded[offset + len(patch):]
    session.db.set(args[1], new, keep_ttl=True)  # Redis writes in place: the TTL stays
    session.db.changed(args[1], "setrange", STRING)
    return len(new)


@command("substr", 4, "readonly", (1, 1, 1), "string", "1.0.0", "Get a substring of the string stored at a key",
         "key start end")
def substr(session: Session, args: list[bytes]) -> Reply:
    return getrange(session, args)  # GETRANGE's old name, deprecated since Redis 2.0, still served


@command("lcs", -3, "readonly", (1, 2, 1), "string", "7.0.0", "Find longest common substring",
         "key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]")
def lcs(session: Session, args: list[bytes]) -> Reply:
    """The longest common subsequence of two strings (not substring, whatever
    the summary says: "ohmytext" and "mynewtext" share "mytext"). LEN asks
    for its length only; IDX for where its runs are in each string."""
    values = [session.db.get(key) for key in args[1:3]]
    if any(value is not None and not isinstance(value, bytes) for value in values):
        raise CommandError("ERR The specified keys must contain string values")  # not WRONGTYPE, in Redis
    a, b = (value or b"" for value in values)  # a missing key is an empty string, as in GETRANGE
    want_length = want_ranges = with_match_length = False
    min_match_length = 0
    i = 3
    while i < len(args):
        option = args[i].upper()
        if option == b"LEN":
            want_length = True
        elif option == b"IDX":
            want_ranges = True
        elif option == b"WITHMATCHLEN":
            with_match_length = True
        elif option == b"MINMATCHLEN" and i + 1 < len(args):
            min_match_length = max(integer_arg(args[i + 1]), 0)
            i += 1
        else:
            raise CommandError(SYNTAX_ERROR)
        i += 1
    if want_length and want_ranges:
        raise CommandError("ERR If you want both the length and indexes, please just use IDX.")
    if (len(a) + 1) * (len(b) + 1) * 4 > max_string_length(session):  # Redis's table takes 4 bytes a cell
        raise CommandError("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
    table = lcs_table(a, b)
    if want_length:
        return table[len(a)][len(b)]
    common, ranges = walk_back(a, b, table, min_match_length)
    if not want_ranges:
        return common
    matches = [[list(in_a), list(in_b), *([length] if with_match_length else [])] for in_a, in_b, length in ranges]
    return Map({b"matches": matches, b"len": table[len(a)][len(b)]})


def lcs_table(a: bytes, b: bytes) -> list[list[int]]:
    """table[i][j]: the length of the longest common subsequence of a[:i]
    and b[:j]. Each row is built from the row above: O(len(a) * len(b))."""
    table = [[0] * (len(b) + 1)]
    for byte_a in a:
        above, row = table[-1], [0]
        for j, byte_b in enumerate(b):
            row.append(above[j] + 1 if byte_a == byte_b else max(above[j + 1], row[j]))
        table.append(row)
    return table


def walk_back(a: bytes, b: bytes, table: list[list[int]],
              min_match_length: int) -> tuple[bytes, list[tuple[tuple[int, int], tuple[int, int], int]]]:
    """The subsequence itself, and its runs of bytes that are contiguous in
    both strings, found from the end back as Redis finds them: on a
    mismatch, step back in `a` only if that keeps a longer subsequence, else
    in `b`. Each run is ((start, end) in a, (start, end) in b, length), the
    last run first; runs shorter than min_match_length are left out."""
    common, ranges = bytearray(), []
    run: list[int] | None = None  # [start in a, end in a, start in b, end in b] of the run being followed
    i, j = len(a), len(b)
    while i > 0 and j > 0:
        if a[i - 1] == b[j - 1]:
            common.append(a[i - 1])
            i, j = i - 1, j - 1
            if run is None:
                run = [i, i, j, j]
            else:
                run[0], run[2] = i, j  # one more byte, just before the run
            done = i == 0 or j == 0  # the run reaches the start of a string
        else:
            if table[i - 1][j] > table[i][j - 1]:
                i -= 1
            else:
                j -= 1
            done = run is not None
        if done:
            length = run[1] - run[0] + 1
            if length >= min_match_length:
                ranges.append(((run[0], run[1]), (run[2], run[3]), length))
            run = None
    return bytes(reversed(common)), ranges


# --- several keys at once -------------------------------------------------------------------------


@command("mget", -2, "readonly fast", (1, -1, 1), "string", "1.0.0", "Get the values of all the given keys",
         "key [key ...]")
def mget(session: Session, args: list[bytes]) -> Reply:
    # A key that holds another type reads as null here, not as an error.
    values = [session.db.get(key) for key in args[1:]]
    return [value if isinstance(value, bytes) else None for value in values]


def key_value_pairs(args: list[bytes]) -> list[tuple[bytes, bytes]]:
    """The pairs of MSET and MSETNX. Arity -3 only asks for one pair at least;
    a key left without its value is an arity error too, as Redis reports it."""
    if len(args) % 2 == 0:
        raise CommandError(f"ERR wrong number of arguments for '{args[0].decode().lower()}' command")
    return list(zip(args[1::2], args[2::2]))


@command("mset", -3, "write denyoom", (1, -1, 2), "string", "1.0.1", "Set multiple keys to multiple values",
         "key value [key value ...]")
def mset(session: Session, args: list[bytes]) -> Reply:
    for key, value in key_value_pairs(args):
        set_string(session, key, value)  # like SET: a key named twice ends with its last value, no TTL
    return OK


@command("msetnx", -3, "write denyoom", (1, -1, 2), "string", "1.0.1",
         "Set multiple keys to multiple values, only if none of the keys exist", "key value [key value ...]")
def msetnx(session: Session, args: list[bytes]) -> Reply:
    pairs = key_value_pairs(args)
    # All or nothing: one existing key and no key is set.
    if any(key in session.db for key, _ in pairs):
        return 0
    for key, value in pairs:
        set_string(session, key, value)
    return 1


@command("getset", 3, "write denyoom fast", (1, 1, 1), "string", "1.0.0",
         "Set the string value of a key and return its old value", "key value")
def getset(session: Session, args: list[bytes]) -> Reply:
    # Deprecated since Redis 6.2 in favour of SET key value GET, which this is.
    return set_(session, [b"SET", args[1], args[2], b"GET"])
