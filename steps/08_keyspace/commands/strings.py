"""Commands on string values: GET, SET and its options, counters."""

from __future__ import annotations

from commands.base import INT64_MAX, NOT_AN_INTEGER, SYNTAX_ERROR, CommandError, Session, command
from resp import OK, Reply, parse_int64
from store import now_ms

TIME_OPTIONS = (b"EX", b"PX", b"EXAT", b"PXAT")


@command("get", 2, "readonly fast", (1, 1, 1), "string", "1.0.0", "Get the value of a key", "key")
def get(session: Session, args: list[bytes]) -> Reply:
    return session.db.get(args[1])  # None encodes as the null bulk string


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


@command("set", -3, "write denyoom", (1, 1, 1), "string", "1.0.0", "Set the string value of a key",
         "key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]")
def set_(session: Session, args: list[bytes]) -> Reply:
    """SET key value [NX | XX] [GET] [EX s | PX ms | EXAT ts | PXAT ms-ts | KEEPTTL]"""
    key, value = args[1], args[2]
    nx = xx = get_old = keep_ttl = False
    expiry: tuple[bytes, bytes] | None = None
    i = 3
    while i < len(args):
        option = args[i].upper()
        # Options may repeat, but two that contradict each other (NX with XX,
        # two different times, a time with KEEPTTL) are a syntax error.
        if option == b"NX" and not xx:
            nx = True
        elif option == b"XX" and not nx:
            xx = True
        elif option == b"GET":
            get_old = True
        elif option == b"KEEPTTL" and expiry is None:
            keep_ttl = True
        elif (option in TIME_OPTIONS and not keep_ttl and i + 1 < len(args)
              and (expiry is None or expiry[0] == option)):
            expiry = (option, args[i + 1])
            i += 1
        else:
            raise CommandError(SYNTAX_ERROR)
        i += 1
    deadline = deadline_from(*expiry, "set") if expiry else None
    old = session.db.get(key)
    if (nx and old is not None) or (xx and old is None):
        return old if get_old else None  # not set: null, or the old value for GET
    session.db.set(key, value, keep_ttl=keep_ttl)
    if deadline is not None:
        # Even a deadline already past is stored: the key is then gone the
        # next time anyone looks, exactly as in Redis.
        session.db.set_deadline(key, deadline)
    return old if get_old else OK


@command("setnx", 3, "write denyoom fast", (1, 1, 1), "string", "1.0.0",
         "Set the value of a key, only if the key does not exist", "key value")
def setnx(session: Session, args: list[bytes]) -> Reply:
    return 0 if set_(session, [b"SET", args[1], args[2], b"NX"]) is None else 1


@command("setex", 4, "write denyoom", (1, 1, 1), "string", "2.0.0", "Set the value and expiration of a key",
         "key seconds value")
def setex(session: Session, args: list[bytes]) -> Reply:
    session.db.set(args[1], args[3])
    session.db.set_deadline(args[1], deadline_from(b"EX", args[2], "setex"))
    return OK


@command("psetex", 4, "write denyoom", (1, 1, 1), "string", "2.6.0",
         "Set the value and expiration in milliseconds of a key", "key milliseconds value")
def psetex(session: Session, args: list[bytes]) -> Reply:
    session.db.set(args[1], args[3])
    session.db.set_deadline(args[1], deadline_from(b"PX", args[2], "psetex"))
    return OK


@command("getex", -2, "write fast", (1, 1, 1), "string", "6.2.0",
         "Get the value of a key and optionally set its expiration",
         "key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST]")
def getex(session: Session, args: list[bytes]) -> Reply:
    """GETEX key [EX s | PX ms | EXAT ts | PXAT ms-ts | PERSIST]"""
    persist, expiry = False, None
    i = 2
    while i < len(args):
        option = args[i].upper()
        if option == b"PERSIST" and expiry is None:
            persist = True
        elif (option in TIME_OPTIONS and not persist and i + 1 < len(args)
              and (expiry is None or expiry[0] == option)):
            expiry = (option, args[i + 1])
            i += 1
        else:
            raise CommandError(SYNTAX_ERROR)
        i += 1
    value = session.db.get(args[1])
    if value is None:
        return None  # a missing key wins over a bad time, as in Redis
    if expiry:
        deadline = deadline_from(*expiry, "getex")
        if deadline <= now_ms():
            session.db.delete(args[1])
        else:
            session.db.set_deadline(args[1], deadline)
    elif persist:
        session.db.persist(args[1])
    return value


@command("getdel", 2, "write fast", (1, 1, 1), "string", "6.2.0", "Get the value of a key and delete the key", "key")
def getdel(session: Session, args: list[bytes]) -> Reply:
    value = session.db.get(args[1])
    if value is not None:
        session.db.delete(args[1])
    return value


@command("incr", 2, "write denyoom fast", (1, 1, 1), "string", "1.0.0", "Increment the integer value of a key by one", "key")
def incr(session: Session, args: list[bytes]) -> Reply:
    value = session.db.get(args[1])
    number = 0 if value is None else parse_int64(value)
    if number is None:
        raise CommandError(NOT_AN_INTEGER)
    if number == INT64_MAX:
        raise CommandError("ERR increment or decrement would overflow")
    # Redis stores the number as its digits. A counter keeps its TTL.
    session.db.set(args[1], b"%d" % (number + 1), keep_ttl=True)
    return number + 1
