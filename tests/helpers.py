"""What several test modules share: Redis's error texts and integer limits,
waiting on the clock, following a SCAN to its end, random arguments, the
loop of the differential tests, and redis-py and redis-cli run against our
server and Redis alike.

The clients themselves are in clients.py; the fixtures in conftest.py.
"""

from __future__ import annotations

import asyncio
import random
import shlex
import time
from pathlib import Path
from typing import Awaitable, Callable, Iterable

import redis
import redis.asyncio

from clients import ErrorReply, RawConnection, command_docs, redis_cli, redis_py

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
NOT_AN_INTEGER = "ERR value is not an integer or out of range"
NOT_A_FLOAT = "ERR value is not a valid float"
SYNTAX_ERROR = "ERR syntax error"


def wrong_arity(name: str) -> str:
    """The error of a command given the wrong number of arguments, for the name as Redis spells it."""
    return f"ERR wrong number of arguments for '{name}' command"


def wrong_arity_cases(arities: dict[str, int]) -> list[list[str]]:
    """For each command and its arity as COMMAND gives it (negative: at least
    that many words), the command with one word too few and, for a fixed
    arity, one too many."""
    cases = []
    for name, arity in arities.items():
        assert abs(arity) >= 2 or arity == 1, f"{name}: any number of words will do"
        if abs(arity) >= 2:
            cases.append([name] + ["x"] * (abs(arity) - 2))
        if arity > 0:
            cases.append([name] + ["x"] * arity)
    return cases


def rss_bytes(pid: int) -> int:
    """How much memory a process has in RAM now (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for process {pid}")


# --- the clock ---------------------------------------------------------------------------------

def ms_now() -> int:
    """Unix time in milliseconds: the clock the server's deadlines are set on (same machine)."""
    return time.time_ns() // 1_000_000


def wait_past(deadline_ms: int) -> None:
    """Return once the clock is past deadline_ms: a key that expires then has expired."""
    while ms_now() <= deadline_ms:
        time.sleep(0.001)


def wait_until(condition: Callable[[], object], timeout: float = 30) -> bool:
    """Poll condition() until it is true (True) or timeout seconds have gone by (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def expire_now(call, *keys: str) -> None:
    """Give the keys a deadline a moment away and wait until it has passed.
    They have expired then, and where active expiry is off (no_active_expiry)
    they are still in the keyspace until a command touches them."""
    at = ms_now() + 20 + 2 * len(keys)  # far enough for every PEXPIREAT to arrive before it
    for key in keys:
        assert call("PEXPIREAT", key, at) == 1, key
    wait_past(at)


# --- SCAN and its family ---------------------------------------------------------------------

MAX_SCAN_CALLS = 100_000  # a scan that never reaches cursor 0 fails instead of hanging


def follow_scan(call, *words, between: Callable[[], None] | None = None) -> list[tuple[bytes, list]] | ErrorReply:
    """Send a SCAN, HSCAN, SSCAN or ZSCAN as given and follow its cursor to 0:
    every (cursor, page) it replied, in order; or the error the first call got.
    between() runs after each page but the last (keys that come and go)."""
    at = 1 if str(words[0]).upper() == "SCAN" else 2  # where the cursor is
    pages: list[tuple[bytes, list]] = []
    for _ in range(MAX_SCAN_CALLS):
        reply = call(*words)
        if not isinstance(reply, list):
            assert not pages, f"{words}: {reply!r} in the middle of an iteration"
            return reply
        cursor, page = reply
        pages.append((cursor, page))
        if cursor == b"0":
            return pages
        if between is not None:
            between()
        words = (*words[:at], cursor, *words[at + 1:])
    raise AssertionError(f"{words[0]} did not reach cursor 0 in {MAX_SCAN_CALLS} calls")


def scanned(call, *words, between: Callable[[], None] | None = None) -> tuple[list, int]:
    """Everything a whole iteration returned (duplicates kept, pages joined), and how many calls it took."""
    pages = follow_scan(call, *words, between=between)
    assert isinstance(pages, list), pages
    return [element for _, page in pages for element in page], len(pages)


# --- random arguments ------------------------------------------------------------------------

EDGE_INTEGERS = [0, 1, -1, 2, 10, 100, INT64_MAX, INT64_MAX - 1, INT64_MIN, INT64_MIN + 1,
                 2**62, -(2**62), 2**63, -(2**63) - 1, 10**19]
NOT_QUITE_INTEGERS = ["1.5", " 1", "+1", "01", "-0", "", "x", "1e3", "0x10"]


def random_integer(rng: random.Random) -> str:
    """An integer, often at or just past the ends of 64 bits, now and then one that Redis refuses."""
    if rng.random() < 0.4:
        return str(rng.choice(EDGE_INTEGERS) + rng.choice([0, 0, 1, -1]))
    if rng.random() < 0.1:
        return rng.choice(NOT_QUITE_INTEGERS)
    return str(rng.randint(-1000, 1000))


def random_float(rng: random.Random) -> str:
    """A float as a client might write one: decimal, hexadecimal, huge, tiny,
    infinite, not a number, or almost a number."""
    kind = rng.randrange(10)
    sign = rng.choice(["", "", "-", "+"])
    digits = lambda most: "".join(rng.choice("0123456789") for _ in range(rng.randint(0, most)))
    if kind <= 2:  # decimal, maybe with a fraction and an exponent
        mantissa = (digits(12) or "0") + rng.choice(["", ".", "." + digits(20)])
        exponent = rng.choice(["", "", f"e{rng.randint(-30, 30)}", f"E{rng.choice('+-')}{rng.randint(0, 25)}",
                               f"e{rng.choice([4931, 4932, 4933, -4930, -4950, -4951, -4960, 5000])}"])
        return sign + mantissa + exponent
    if kind == 3:
        return repr(rng.uniform(-1e6, 1e6))
    if kind == 4:
        return repr(rng.uniform(-1, 1) * 10 ** rng.randint(-20, 25))
    if kind == 5:  # hexadecimal, with a binary exponent
        hexdigits = "".join(rng.choice("0123456789abcdefABCDEF") for _ in range(rng.randint(1, 18)))
        point = rng.randrange(len(hexdigits) + 1)
        exponent = rng.choice(["", f"p{rng.randint(-70, 70)}", f"P{rng.choice([16383, 16384, -16445, -16446])}"])
        return f"{sign}0{rng.choice('xX')}{hexdigits[:point]}.{hexdigits[point:]}{exponent}"
    if kind == 6:
        return sign + rng.choice(["inf", "INF", "Infinity", "infinit", "nan", "NaN", "nan(1)"])
    if kind == 7:  # almost numbers
        return rng.choice([" 1", "1 ", "1e", "e1", ".", "", "+", "-", "0x", "0x1p", "1.5.5", "1,5", "--1",
                           "1_000", ".e1", "0x.p1", "1e+", "\x001", "1\x00", "١", "1e-4951", "1e4933"])
    if kind == 8:
        return random_integer(rng)
    return rng.choice(["0.1", "0.2", "0.3", "10.5", "-10.5", "3.0e3", "5.0e3", "1e20", "1.5e-5", "0x1p-18"])


def random_value(rng: random.Random) -> bytes | str:
    """A value for a string, a field or a member: a number or almost one, raw
    bytes, a few special strings, or one just past Redis's 64-byte listpack limit."""
    kind = rng.randrange(6)
    if kind == 0:
        return random_integer(rng)
    if kind == 1:
        return random_float(rng)
    if kind == 2:
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 8)))
    if kind == 3:
        return rng.choice(["", "a", "hello", "\r\n", "\x00"])
    if kind == 4:
        return "v" * rng.choice([0, 1, 64, 65, 200])
    return "".join(rng.choice("abc") for _ in range(rng.randint(1, 20)))


def random_index(rng: random.Random, spread: int, odd: float = 0.1) -> str:
    """An index or offset within ±spread; with probability `odd` an extreme or malformed one."""
    if rng.random() < odd:
        return rng.choice([str(INT64_MIN), str(INT64_MAX), "x", "1.5", "", str(2**63)])
    return str(rng.randint(-spread, spread))


def with_wrong_arity_now_and_then(rng: random.Random, words: list, chance: float = 0.02) -> list:
    """Now and then drop the last word or add one: the wrong number of arguments."""
    if rng.random() < chance:
        return words[:-1] if len(words) > 1 and rng.random() < 0.5 else words + ["extra"]
    return words


# --- differential runs -----------------------------------------------------------------------

def differential_run(server, reference_redis, commands: Iterable[list],
                     compare: Callable[[RawConnection, RawConnection, list], None],
                     at_the_end: Callable[[RawConnection, RawConnection], None] | None = None,
                     before: Callable[[RawConnection, RawConnection], None] | None = None) -> None:
    """Send each command to the server under test and to a real redis-server,
    and compare(ours, theirs, words) their replies; at_the_end(ours, theirs)
    compares what the keys hold. The server under test starts empty (the
    _fresh_data fixture); the reference is wiped here, then before() runs.
    A failure names the commands that led to it."""
    ours, theirs = RawConnection(server.host, server.port), RawConnection(reference_redis.host, reference_redis.port)
    history: list[list] = []
    try:
        theirs.call("FLUSHALL")
        if before is not None:
            before(ours, theirs)
        for words in commands:
            history.append(words)
            compare(ours, theirs, words)
        if at_the_end is not None:
            at_the_end(ours, theirs)
    except (AssertionError, ConnectionError) as error:
        raise AssertionError(f"after {len(history)} commands, the last ones {history[-5:]}: {error}") from error
    finally:
        ours.close()
        theirs.close()


def same_reply(ours: RawConnection, theirs: RawConnection, words: list) -> None:
    """The plainest comparison: both servers reply exactly alike."""
    expected = theirs.call(*words)
    assert ours.call(*words) == expected


def same_command_table_entries(call, reference_redis, names: Iterable[str]) -> None:
    """What COMMAND INFO says of each command (name, arity, flags, first key,
    last key, step) and COMMAND DOCS's summary, since and group, as a real
    redis-server says them: clients and redis-cli rely on both."""
    reference = RawConnection(reference_redis.host, reference_redis.port)
    try:
        for name in names:
            ours, theirs = call("COMMAND", "INFO", name)[0], reference.call("COMMAND", "INFO", name)[0]
            assert ours[:2] == theirs[:2] and ours[3:6] == theirs[3:6], name
            assert sorted(ours[2]) == sorted(theirs[2]), name  # the flags, in whatever order
            ours, theirs = command_docs(call, name), command_docs(reference.call, name)
            for field in (b"summary", b"since", b"group"):
                assert ours[field] == theirs[field], (name, field)
    finally:
        reference.close()


# --- INFO --------------------------------------------------------------------------------------

def sections(text: bytes) -> dict[str, dict[str, str]]:
    """INFO's text as {section: {field: value}}."""
    parsed: dict[str, dict[str, str]] = {}
    for block in text.decode().split("\r\n\r\n"):
        title, *lines = block.strip("\r\n").split("\r\n")
        assert title.startswith("# "), title
        parsed[title[2:]] = dict(line.split(":", 1) for line in lines if line)
    return parsed


def info_field(call, section: str, field: str) -> str:
    """One field of one INFO section, as text."""
    return next(iter(sections(call("INFO", section)).values()))[field]


def lookups_counted(call, *words: str) -> tuple[int, int]:
    """Run one command; how many keyspace hits and misses INFO counted for it."""
    def counts() -> list[int]:
        return [int(info_field(call, "stats", field)) for field in ("keyspace_hits", "keyspace_misses")]

    before = counts()
    call(*words)
    after = counts()
    return after[0] - before[0], after[1] - before[1]


# --- clients as users run them ----------------------------------------------------------------

def redis_py_agrees(server, reference_redis, exercise: Callable[[redis.Redis], list]) -> None:
    """redis-py's methods, run by `exercise` from an empty server, return the
    same from our server as from Redis: in RESP3, redis-py's default, and in RESP2."""
    for protocol in (3, 2):
        ours, theirs = redis_py(server.host, server.port, protocol), redis_py(reference_redis.host,
                                                                               reference_redis.port, protocol)
        try:
            ours.flushall()
            theirs.flushall()
            assert exercise(ours) == exercise(theirs), f"RESP{protocol}"
        finally:
            ours.close()
            theirs.close()


def asyncio_client_agrees(server, reference_redis,
                          exercise: Callable[[redis.asyncio.Redis], Awaitable[list]]) -> None:
    """The same for redis-py's asyncio client, in its default protocol."""
    async def run(target) -> list:
        client = redis.asyncio.Redis(host=target.host, port=target.port, retry=None)
        try:
            await client.flushall()
            return await exercise(client)
        finally:
            await client.aclose()

    assert asyncio.run(run(server)) == asyncio.run(run(reference_redis))


def redis_cli_agrees(server, reference_redis, lines: Iterable[str]) -> None:
    """redis-cli prints the same for each command line from both servers,
    with and without -3, for a program and (--no-raw) for a person."""
    for line in lines:
        for options in ([], ["-3"], ["--no-raw"], ["-3", "--no-raw"]):
            words = [*options, *shlex.split(line)]
            assert redis_cli(server, *words) == redis_cli(reference_redis, *words), words


# --- what a server holds ---------------------------------------------------------------------

def dataset(connection: RawConnection, databases: int = 16) -> dict[tuple[int, bytes], tuple]:
    """Every key of every database, as (database, key) -> (type, value,
    deadline in ms or -1): what a server holds, to compare two servers, or
    one before and after a restart. A hash becomes a dict, a set a sorted
    list, a sorted set its (member, score) pairs in order."""
    values = {
        "string": lambda key: connection.call("GET", key),
        "list": lambda key: connection.call("LRANGE", key, 0, -1),
        "hash": lambda key: dict(pairs(connection.call("HGETALL", key))),
        "set": lambda key: sorted(connection.call("SMEMBERS", key)),
        "zset": lambda key: pairs(connection.call("ZRANGE", key, 0, -1, "WITHSCORES")),
    }
    held = {}
    for db in range(databases):
        connection.call("SELECT", db)
        for key in connection.call("KEYS", "*"):
            kind = str(connection.call("TYPE", key))  # a status reply
            held[db, key] = (kind, values[kind](key), connection.call("PEXPIRETIME", key))
    connection.call("SELECT", 0)
    return {key: held[key] for key in sorted(held)}


def pairs(flat: list) -> list[tuple]:
    return list(zip(flat[::2], flat[1::2]))
