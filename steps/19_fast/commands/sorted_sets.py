"""Commands on sorted sets: add and score members, read them by rank, by score
or by name, remove them, pop the lowest or highest, and combine sets.

The data structure is sorted_set.py's SortedSet. The key exists only while
the set has members: ZADD creates it, and the command that takes its last
member deletes it, as in Redis.
"""

from __future__ import annotations

import math
import random
from itertools import islice
from typing import Iterable

import long_double
from commands.base import (INT64_MAX, SYNTAX_ERROR, WRONGTYPE, CommandError, Session, block, command, counted_arg,
                           first_of, get_typed, integer_arg, reading, store_result, timeout_arg, waiting_value)
from commands.keys import scan_cursor, scan_options
from glob_match import glob_match
from keyspace_events import GENERIC, ZSET
from resp import NULL_ARRAY, Double, Pairs, Reply, format_double
from sorted_set import LISTPACK_MAX_ENTRIES, Range, SortedSet

NOT_A_FLOAT = "ERR value is not a valid float"
SCORE_RANGE_ERROR = "ERR min or max is not a float"
LEX_RANGE_ERROR = "ERR min or max not valid string range item"
Item = tuple[bytes, float]  # a member and its score


# --8<-- [start:helpers]
def get_zset(session: Session, key: bytes) -> SortedSet | None:
    """The sorted set at `key`; None if there is no key; WRONGTYPE if it is something else."""
    return get_typed(session, key, SortedSet)


def delete_if_empty(session: Session, key: bytes, zset: SortedSet) -> None:
    """Redis keeps no empty sorted set: the key goes with its last member
    (and a del event follows the command's own)."""
    if not zset:
        session.db.delete(key)
        session.db.changed(key, "del", GENERIC)


def items_reply(items: Iterable[Item], withscores: bool) -> Reply:
    """Members, or with WITHSCORES (member, score) pairs: in RESP2 a flat list
    member, score, member, score, ...; in RESP3 a list of [member, score]."""
    if not withscores:
        return [member for member, _ in items]
    return Pairs((member, Double(score)) for member, score in items)
# --8<-- [end:helpers]


# --8<-- [start:parsing]
def strtod(text: bytes) -> tuple[float, bool] | None:
    """What C's strtod() reads from all of `text`, as Redis calls it: the
    double, and whether it was out of range (too large, so it became
    infinite, or too small, so a number that is not 0 became 0). None if
    `text` is not a number from end to end.

    strtod() reads the same numbers as strtold(): decimal ones with an
    optional exponent, hexadecimal ones ("0x1.8p3" is 12), "inf" and
    "infinity". Python's float() and float.fromhex() round them exactly as
    it does. ("nan" it reads too, but Redis refuses NaN, and so does the
    pattern, which leaves it out.)
    """
    match = long_double.NUMBER.fullmatch(text)
    if match is None:
        return None
    infinity = -math.inf if match["sign"] == b"-" else math.inf
    if match["infinity"]:
        return infinity, False
    try:
        value = float.fromhex(text.decode()) if match["hex"] else float(text)
    except OverflowError:  # fromhex() refuses what float() would make infinite
        value = infinity
    digits = match["hex"] or match["decimal"]
    return value, math.isinf(value) or (value == 0 and digits.strip(b"0.") != b"")


def float_arg(arg: bytes, error: str = NOT_A_FLOAT) -> float:
    """A score, increment or weight. Redis wants the whole argument to be a
    number, with no space around it, and refuses one that is out of range."""
    parsed = strtod(arg)
    if parsed is None or parsed[1]:
        raise CommandError(error)
    return parsed[0]


def score_bound(arg: bytes) -> tuple[float, bool]:
    """One end of a score range, and whether it is exclusive ("(1.5").

    Redis reads these with a looser call to strtod() than float_arg(): as
    a C string, so it stops at a zero byte; spaces in front are skipped;
    an empty string is 0; and a number too large for a double is infinite.
    """
    text = arg.split(b"\0", 1)[0]
    exclusive = text[:1] == b"("
    if exclusive:
        text = text[1:]
    if not text:
        return 0.0, exclusive
    parsed = strtod(text.lstrip(b" \t\n\v\f\r"))
    if parsed is None:
        raise CommandError(SCORE_RANGE_ERROR)
    return parsed[0], exclusive


def score_range(low: bytes, high: bytes) -> Range:
    (min_score, min_exclusive), (max_score, max_exclusive) = score_bound(low), score_bound(high)
    return Range(min_score, max_score, min_exclusive, max_exclusive)


def lex_bound(arg: bytes) -> tuple[tuple[int, bytes], bool]:
    """One end of a lex range: "[member" inclusive, "(member" exclusive,
    "-" below every string, "+" above (see sorted_set.Range)."""
    # Redis checks "-" and "+" as C strings: "+" followed by a zero byte is "+".
    if arg[:1] in (b"-", b"+") and arg[1:2] in (b"", b"\0"):
        return (0 if arg[:1] == b"-" else 2, b""), True
    if arg[:1] in (b"[", b"("):
        return (1, arg[1:]), arg[:1] == b"("
    raise CommandError(LEX_RANGE_ERROR)


def lex_range(low: bytes, high: bytes) -> Range:
    (min_member, min_exclusive), (max_member, max_exclusive) = lex_bound(low), lex_bound(high)
    return Range(min_member, max_member, min_exclusive, max_exclusive, by_lex=True)


def rank_bounds(start: int, stop: int, length: int) -> tuple[int, int] | None:
    """Turn start and stop (negative ones count from the end) into positions
    in the set, or None for a range that holds nothing, as ZRANGE and
    ZREMRANGEBYRANK read them."""
    if start < 0:
        start += length
    if stop < 0:
        stop += length
    start = max(start, 0)
    if start > stop or start >= length:
        return None
    return start, min(stop, length - 1)
# --8<-- [end:parsing]


# --- adding and scoring ---------------------------------------------------------------------------


# --8<-- [start:zadd]
ZADD_OPTIONS = (b"NX", b"XX", b"GT", b"LT", b"CH", b"INCR")


def zadd_generic(session: Session, args: list[bytes], incr: bool) -> Reply:
    """ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...],
    and ZINCRBY key increment member, which is ZADD key INCR increment member."""
    options = {b"INCR"} if incr else set()
    i = 2
    while i < len(args) and args[i].upper() in ZADD_OPTIONS:
        options.add(args[i].upper())
        i += 1
    pairs = args[i:]
    nx, xx, gt, lt, ch, incr = (option in options for option in ZADD_OPTIONS)
    if not pairs or len(pairs) % 2:
        raise CommandError(SYNTAX_ERROR)
    if nx and xx:
        raise CommandError("ERR XX and NX options at the same time are not compatible")
    if ((gt or lt) and nx) or (gt and lt):
        raise CommandError("ERR GT, LT, and/or NX options at the same time are not compatible")
    if incr and len(pairs) > 2:
        raise CommandError("ERR INCR option supports a single increment-element pair")
    # Every score is read before anything changes: one bad score, and no member is added.
    scores = [float_arg(score) for score in pairs[::2]]
    key = args[1]
    zset = get_zset(session, key)
    if zset is None:
        if xx:
            return None if incr else 0  # XX adds nothing, so no key is created
        zset = SortedSet()
        session.db.set(key, zset)
    added = changed = 0
    result: float | None = None  # the score INCR replies with; None if nothing was done
    for score, member in zip(scores, pairs[1::2]):
        old = zset.score(member)
        if old is None:
            if xx:
                continue
            added += 1
        else:
            if nx:
                continue
            if incr:
                score += old
                if math.isnan(score):  # inf + -inf
                    raise CommandError("ERR resulting score is not a number (NaN)")
            # GT and LT only ever stop an update: a new member is added whatever its score.
            if (gt and score <= old) or (lt and score >= old):
                continue
            if score != old:
                changed += 1
        zset.add(member, score)
        result = score
    if added or changed:  # a member given the score it had changes nothing
        session.db.changed(key, "zincr" if incr else "zadd", ZSET)
    if incr:
        # The score computed, even if the set stores it otherwise (-0 as 0, see SortedSet).
        return None if result is None else Double(result)
    return added + changed if ch else added  # CH: count the members whose score changed too


@command("zadd", -4, "write denyoom fast", (1, 1, 1), "sorted-set", "1.2.0",
         "Add one or more members to a sorted set, or update its score if it already exists",
         "key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]")
def zadd(session: Session, args: list[bytes]) -> Reply:
    return zadd_generic(session, args, incr=False)


@command("zincrby", 4, "write denyoom fast", (1, 1, 1), "sorted-set", "1.2.0",
         "Increment the score of a member in a sorted set", "key increment member")
def zincrby(session: Session, args: list[bytes]) -> Reply:
    # Redis runs ZADD's code, options loop included: ZINCRBY key nx member
    # reads NX as an option and fails as ZADD key INCR NX member does.
    return zadd_generic(session, args, incr=True)
# --8<-- [end:zadd]


# --8<-- [start:read]
@command("zscore", 3, "readonly fast", (1, 1, 1), "sorted-set", "1.2.0",
         "Get the score associated with the given member in a sorted set", "key member")
def zscore(session: Session, args: list[bytes]) -> Reply:
    zset = get_zset(session, args[1])
    score = None if zset is None else zset.score(args[2])
    return None if score is None else Double(score)


@command("zmscore", -3, "readonly fast", (1, 1, 1), "sorted-set", "6.2.0",
         "Get the score associated with the given members in a sorted set", "key member [member ...]")
def zmscore(session: Session, args: list[bytes]) -> Reply:
    zset = get_zset(session, args[1]) or SortedSet()  # a missing key is an empty set
    return [None if (score := zset.score(member)) is None else Double(score) for member in args[2:]]


@command("zcard", 2, "readonly fast", (1, 1, 1), "sorted-set", "1.2.0",
         "Get the number of members in a sorted set", "key")
def zcard(session: Session, args: list[bytes]) -> Reply:
    return len(get_zset(session, args[1]) or ())


def rank_generic(session: Session, args: list[bytes], reverse: bool) -> Reply:
    zset = get_zset(session, args[1])
    rank = None if zset is None else zset.rank(args[2])
    if rank is None:
        return None
    return len(zset) - 1 - rank if reverse else rank


@command("zrank", 3, "readonly fast", (1, 1, 1), "sorted-set", "2.0.0",
         "Determine the index of a member in a sorted set", "key member")
def zrank(session: Session, args: list[bytes]) -> Reply:
    return rank_generic(session, args, reverse=False)


@command("zrevrank", 3, "readonly fast", (1, 1, 1), "sorted-set", "2.0.0",
         "Determine the index of a member in a sorted set, with scores ordered from high to low", "key member")
def zrevrank(session: Session, args: list[bytes]) -> Reply:
    return rank_generic(session, args, reverse=True)


@command("zcount", 4, "readonly fast", (1, 1, 1), "sorted-set", "2.0.0",
         "Count the members in a sorted set with scores within the given values", "key min max")
def zcount(session: Session, args: list[bytes]) -> Reply:
    range_ = score_range(args[2], args[3])  # a bad range is reported before the key is looked at
    zset = get_zset(session, args[1])
    return 0 if zset is None else zset.count_in(range_)


@command("zlexcount", 4, "readonly fast", (1, 1, 1), "sorted-set", "2.8.9",
         "Count the number of members in a sorted set between a given lexicographical range", "key min max")
def zlexcount(session: Session, args: list[bytes]) -> Reply:
    range_ = lex_range(args[2], args[3])
    zset = get_zset(session, args[1])
    return 0 if zset is None else zset.count_in(range_)
# --8<-- [end:read]


# --- ranges ---------------------------------------------------------------------------------------


# --8<-- [start:range]
def range_generic(session: Session, args: list[bytes], source_at: int, by: str | None = None,
                  reverse: bool | None = None, destination: bytes | None = None) -> Reply:
    """Every form of ZRANGE: key (at args[source_at]) start stop, then the options.

    ZRANGE and ZRANGESTORE choose by rank, score or lex, and the direction,
    with options; the older commands fix both (ZREVRANGEBYSCORE is by
    "score", reverse), and then the option that would choose again is a
    syntax error, as is a second REV or BYSCORE to ZRANGE.
    """
    withscores, offset, count = False, 0, -1
    i = source_at + 3
    while i < len(args):
        option = args[i].upper()
        if option == b"WITHSCORES" and destination is None:
            withscores = True
        elif option == b"LIMIT" and i + 2 < len(args):
            offset, count = integer_arg(args[i + 1]), integer_arg(args[i + 2])
            i += 2
        elif option == b"REV" and reverse is None:
            reverse = True
        elif option in (b"BYSCORE", b"BYLEX") and by is None:
            by = "score" if option == b"BYSCORE" else "lex"
        else:
            raise CommandError(SYNTAX_ERROR)
        i += 1
    by, reverse = by or "rank", reverse or False
    # Redis takes a count of -1 for "no LIMIT given": LIMIT 0 -1 passes here.
    if count != -1 and by == "rank":
        raise CommandError("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")
    if withscores and by == "lex":
        raise CommandError("ERR syntax error, WITHSCORES not supported in combination with BYLEX")
    low, high = args[source_at + 1], args[source_at + 2]
    if reverse and by != "rank":
        low, high = high, low  # ZREVRANGEBYSCORE key max min
    if by == "rank":
        start, stop = integer_arg(low), integer_arg(high)
    else:
        range_ = score_range(low, high) if by == "score" else lex_range(low, high)

    with reading(session):  # ZRANGESTORE's source counts as a read too
        zset = get_zset(session, args[source_at])
    items: list[Item] = []
    if zset is not None and by == "rank":
        bounds = rank_bounds(start, stop, len(zset))
        if bounds:
            items = list(islice(zset.items_from(bounds[0], reverse), bounds[1] - bounds[0] + 1))
    elif zset is not None and offset >= 0:  # a negative offset selects nothing, in Redis
        selected = islice(zset.items_in(range_, reverse), offset, None)
        items = list(selected if count < 0 else islice(selected, count))  # a negative count: no limit

    if destination is None:
        return items_reply(items, withscores)
    # Redis starts the new set as a listpack, unless a range by rank tells it
    # in advance that there are too many members for one.
    stored = SortedSet(compact=not (by == "rank" and len(items) > LISTPACK_MAX_ENTRIES))
    for member, score in items:
        stored.add(member, score)
    store_result(session, destination, stored, "zrangestore", ZSET)  # replaces any value, and its TTL
    return len(items)


@command("zrange", -4, "readonly", (1, 1, 1), "sorted-set", "1.2.0", "Return a range of members in a sorted set",
         "key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]")
def zrange(session: Session, args: list[bytes]) -> Reply:
    return range_generic(session, args, 1)


@command("zrangestore", -5, "write denyoom", (1, 2, 1), "sorted-set", "6.2.0",
         "Store a range of members from sorted set into another key",
         "dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]")
def zrangestore(session: Session, args: list[bytes]) -> Reply:
    return range_generic(session, args, 2, destination=args[1])


@command("zrevrange", -4, "readonly", (1, 1, 1), "sorted-set", "1.2.0",
         "Return a range of members in a sorted set, by index, with scores ordered from high to low",
         "key start stop [WITHSCORES]")
def zrevrange(session: Session, args: list[bytes]) -> Reply:
    return range_generic(session, args, 1, by="rank", reverse=True)


@command("zrangebyscore", -4, "readonly", (1, 1, 1), "sorted-set", "1.0.5",
         "Return a range of members in a sorted set, by score", "key min max [WITHSCORES] [LIMIT offset count]")
def zrangebyscore(session: Session, args: list[bytes]) -> Reply:
    return range_generic(session, args, 1, by="score", reverse=False)


@command("zrevrangebyscore", -4, "readonly", (1, 1, 1), "sorted-set", "2.2.0",
         "Return a range of members in a sorted set, by score, with scores ordered from high to low",
         "key max min [WITHSCORES] [LIMIT offset count]")
def zrevrangebyscore(session: Session, args: list[bytes]) -> Reply:
    return range_generic(session, args, 1, by="score", reverse=True)


@command("zrangebylex", -4, "readonly", (1, 1, 1), "sorted-set", "2.8.9",
         "Return a range of members in a sorted set, by lexicographical range", "key min max [LIMIT offset count]")
def zrangebylex(session: Session, args: list[bytes]) -> Reply:
    return range_generic(session, args, 1, by="lex", reverse=False)


@command("zrevrangebylex", -4, "readonly", (1, 1, 1), "sorted-set", "2.8.9",
         "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.",
         "key max min [LIMIT offset count]")
def zrevrangebylex(session: Session, args: list[bytes]) -> Reply:
    return range_generic(session, args, 1, by="lex", reverse=True)
# --8<-- [end:range]


# --- removing -------------------------------------------------------------------------------------


# --8<-- [start:remove]
@command("zrem", -3, "write fast", (1, 1, 1), "sorted-set", "1.2.0", "Remove one or more members from a sorted set",
         "key member [member ...]")
def zrem(session: Session, args: list[bytes]) -> Reply:
    zset = get_zset(session, args[1])
    if zset is None:
        return 0
    removed = sum(zset.remove(member) for member in args[2:])
    if removed:
        session.db.changed(args[1], "zrem", ZSET)
        delete_if_empty(session, args[1], zset)
    return removed


def remove_range(session: Session, args: list[bytes], by: str) -> Reply:
    """ZREMRANGEBYRANK, ZREMRANGEBYSCORE and ZREMRANGEBYLEX: key min max"""
    if by == "rank":
        start, stop = integer_arg(args[2]), integer_arg(args[3])
    else:
        range_ = score_range(args[2], args[3]) if by == "score" else lex_range(args[2], args[3])
    zset = get_zset(session, args[1])
    if zset is None:
        return 0
    if by == "rank":
        bounds = rank_bounds(start, stop, len(zset))
        removed = zset.remove_ranks(*bounds) if bounds else 0
    else:
        removed = zset.remove_in(range_)
    if removed:
        session.db.changed(args[1], f"zremrangeby{by}", ZSET)
        delete_if_empty(session, args[1], zset)
    return removed


@command("zremrangebyrank", 4, "write", (1, 1, 1), "sorted-set", "2.0.0",
         "Remove all members in a sorted set within the given indexes", "key start stop")
def zremrangebyrank(session: Session, args: list[bytes]) -> Reply:
    return remove_range(session, args, "rank")


@command("zremrangebyscore", 4, "write", (1, 1, 1), "sorted-set", "1.2.0",
         "Remove all members in a sorted set within the given scores", "key min max")
def zremrangebyscore(session: Session, args: list[bytes]) -> Reply:
    return remove_range(session, args, "score")


@command("zremrangebylex", 4, "write", (1, 1, 1), "sorted-set", "2.8.9",
         "Remove all members in a sorted set between the given lexicographical range", "key min max")
def zremrangebylex(session: Session, args: list[bytes]) -> Reply:
    return remove_range(session, args, "lex")
# --8<-- [end:remove]


# --- popping --------------------------------------------------------------------------------------


# --8<-- [start:pop]
def pop_many(session: Session, key: bytes, zset: SortedSet, highest: bool, count: int) -> list[Item]:
    """Take up to `count` members from the low end, or the high end, and
    report it: zpopmin or zpopmax, then del if that was the last."""
    popped = [zset.pop(highest) for _ in range(min(count, len(zset)))]
    if popped:
        session.db.changed(key, "zpopmax" if highest else "zpopmin", ZSET)
        delete_if_empty(session, key, zset)
    return popped


def pop_generic(session: Session, args: list[bytes], highest: bool) -> Reply:
    """ZPOPMIN and ZPOPMAX: key [count]"""
    if len(args) > 3:
        raise CommandError(SYNTAX_ERROR)
    count = counted_arg(args[2], "ERR value is out of range, must be positive", 0) if len(args) == 3 else 1
    zset = get_zset(session, args[1])
    if zset is None:
        return []
    popped = pop_many(session, args[1], zset, highest, count)
    if len(args) == 2:  # no count: one member and its score, never nested
        return [part for member, score in popped for part in (member, Double(score))]
    return items_reply(popped, withscores=True)


@command("zpopmin", -2, "write fast", (1, 1, 1), "sorted-set", "5.0.0",
         "Remove and return members with the lowest scores in a sorted set", "key [count]")
def zpopmin(session: Session, args: list[bytes]) -> Reply:
    return pop_generic(session, args, highest=False)


@command("zpopmax", -2, "write fast", (1, 1, 1), "sorted-set", "5.0.0",
         "Remove and return members with the highest scores in a sorted set", "key [count]")
def zpopmax(session: Session, args: list[bytes]) -> Reply:
    return pop_generic(session, args, highest=True)


def mpop_args(args: list[bytes], numkeys_at: int) -> tuple[list[bytes], bool, int]:
    """The keys, the end (True for MAX) and the count of ZMPOP and BZMPOP:
    numkeys key [key ...] MIN|MAX [COUNT count]."""
    numkeys = counted_arg(args[numkeys_at], "ERR numkeys should be greater than 0", 1)
    where_at = numkeys_at + 1 + numkeys
    if where_at >= len(args) or args[where_at].upper() not in (b"MIN", b"MAX"):
        raise CommandError(SYNTAX_ERROR)
    count = None
    i = where_at + 1
    while i < len(args):
        if count is None and args[i].upper() == b"COUNT" and i + 1 < len(args):
            count = counted_arg(args[i + 1], "ERR count should be greater than 0", 1)
            i += 2
        else:
            raise CommandError(SYNTAX_ERROR)
    return args[numkeys_at + 1:where_at], args[where_at].upper() == b"MAX", count or 1


def pop_with_key(session: Session, key: bytes, zset: SortedSet, highest: bool, count: int) -> Reply:
    """[key, [[member, score], ...]], as ZMPOP and BZMPOP reply."""
    return [key, [[member, Double(score)] for member, score in pop_many(session, key, zset, highest, count)]]


@command("zmpop", -4, "write movablekeys", (0, 0, 0), "sorted-set", "7.0.0",
         "Remove and return members with scores in a sorted set", "numkeys key [key ...] <MIN | MAX> [COUNT count]")
def zmpop(session: Session, args: list[bytes]) -> Reply:
    keys, highest, count = mpop_args(args, 1)
    # The first key that exists is popped from; the keys after it are not
    # even looked at, so a key of another type there goes unnoticed.
    for key in keys:
        zset = get_zset(session, key)
        if zset is not None:
            return pop_with_key(session, key, zset, highest, count)
    return NULL_ARRAY


# --8<-- [start:blocking]
def blocking_pop(session: Session, args: list[bytes], highest: bool) -> Reply:
    """BZPOPMIN and BZPOPMAX: key [key ...] timeout"""
    deadline = timeout_arg(args[-1])
    keys = args[1:-1]

    def pop_from(session: Session, key: bytes) -> Reply | None:
        zset = waiting_value(session, key, SortedSet)
        if zset is None:
            return None
        [(member, score)] = pop_many(session, key, zset, highest, 1)
        return [key, member, Double(score)]

    if (key := first_of(session, keys, SortedSet)) is not None:
        return pop_from(session, key)
    return block(session, keys, deadline, pop_from)


@command("bzpopmin", -3, "write noscript blocking fast", (1, -2, 1), "sorted-set", "5.0.0",
         "Remove and return the member with the lowest score from one or more sorted sets, or block until one "
         "is available", "key [key ...] timeout")
def bzpopmin(session: Session, args: list[bytes]) -> Reply:
    return blocking_pop(session, args, highest=False)


@command("bzpopmax", -3, "write noscript blocking fast", (1, -2, 1), "sorted-set", "5.0.0",
         "Remove and return the member with the highest score from one or more sorted sets, or block until one "
         "is available", "key [key ...] timeout")
def bzpopmax(session: Session, args: list[bytes]) -> Reply:
    return blocking_pop(session, args, highest=True)


@command("bzmpop", -5, "write blocking movablekeys", (0, 0, 0), "sorted-set", "7.0.0",
         "Remove and return members with scores in a sorted set or block until one is available",
         "timeout numkeys key [key ...] <MIN | MAX> [COUNT count]")
def bzmpop(session: Session, args: list[bytes]) -> Reply:
    keys, highest, count = mpop_args(args, 2)
    deadline = timeout_arg(args[1])  # read after the rest, as Redis does

    def pop_from(session: Session, key: bytes) -> Reply | None:
        zset = waiting_value(session, key, SortedSet)
        return None if zset is None else pop_with_key(session, key, zset, highest, count)

    if (key := first_of(session, keys, SortedSet)) is not None:
        return pop_from(session, key)
    return block(session, keys, deadline, pop_from)
# --8<-- [end:blocking]
# --8<-- [end:pop]


# --- combining sets -------------------------------------------------------------------------------


# --8<-- [start:combine]
# A set (of the sets step) can stand in for a sorted set here, every member with score 1.
Operand = SortedSet | set | None


def get_operand(session: Session, key: bytes) -> Operand:
    value = session.db.get(key)
    if value is not None and not isinstance(value, (SortedSet, set)):
        raise CommandError(WRONGTYPE)
    return value


def operand_items(operand: Operand) -> Iterable[Item]:
    if isinstance(operand, set):
        return ((member, 1.0) for member in operand)
    return operand or ()


def operand_score(operand: Operand, member: bytes) -> float | None:
    if isinstance(operand, set):
        return 1.0 if member in operand else None
    return None if operand is None else operand.score(member)


def weighted(score: float, weight: float) -> float:
    product = score * weight
    return 0.0 if math.isnan(product) else product  # 0 * inf is 0 here


def aggregate(total: float, score: float, how: bytes) -> float:
    if how == b"SUM":
        total += score
        return 0.0 if math.isnan(total) else total  # inf + -inf is 0, not NaN, in Redis
    # As in C, a comparison with NaN is false: a NaN score leaves the total alone.
    if how == b"MIN":
        return score if score < total else total
    return score if score > total else total


def union(operands: list[tuple[Operand, float]], how: bytes) -> dict[bytes, float]:
    totals: dict[bytes, float] = {}
    for operand, weight in operands:
        for member, score in operand_items(operand):
            value = weighted(score, weight)
            totals[member] = aggregate(totals[member], value, how) if member in totals else value
    return totals


def intersection(operands: list[tuple[Operand, float]], how: bytes) -> dict[bytes, float]:
    """Walk the smallest operand (the first) and look each member up in the others."""
    (first, first_weight), others = operands[0], operands[1:]
    totals: dict[bytes, float] = {}
    for member, score in operand_items(first):
        total = weighted(score, first_weight)
        for operand, weight in others:
            found = operand_score(operand, member)
            if found is None:
                break
            total = aggregate(total, found * weight, how)
        else:
            totals[member] = total
    return totals


def difference(operands: list[Operand]) -> dict[bytes, float]:
    first, others = operands[0], operands[1:]
    return {member: score for member, score in operand_items(first)
            if all(operand_score(operand, member) is None for operand in others)}


def combine(session: Session, args: list[bytes], operation: str, destination: bytes | None = None,
            cardinality_only: bool = False) -> Reply:
    """ZUNION, ZINTER, ZDIFF, their STORE forms, and ZINTERCARD:
    [destination] numkeys key [key ...] and the options."""
    name = args[0].decode("utf-8", "surrogateescape").lower()
    numkeys_at = 1 if destination is None else 2
    numkeys = integer_arg(args[numkeys_at])
    if numkeys < 1:
        raise CommandError(f"ERR at least 1 input key is needed for '{name}' command")
    if numkeys > len(args) - numkeys_at - 1:
        raise CommandError(SYNTAX_ERROR)
    first_option = numkeys_at + 1 + numkeys
    # Every key is looked up, and its type checked, before the options are read.
    with reading(session):  # the sources of ZUNIONSTORE and the like count as reads too
        operands = [get_operand(session, key) for key in args[numkeys_at + 1:first_option]]
    weights, how, withscores, limit = [1.0] * numkeys, b"SUM", False, 0
    i = first_option
    while i < len(args):
        option, left = args[i].upper(), len(args) - i - 1
        if option == b"WEIGHTS" and operation != "diff" and not cardinality_only and left >= numkeys:
            weights = [float_arg(weight, "ERR weight value is not a float") for weight in args[i + 1:i + 1 + numkeys]]
            i += numkeys
        elif option == b"AGGREGATE" and operation != "diff" and not cardinality_only and left >= 1:
            how = args[i + 1].upper()
            if how not in (b"SUM", b"MIN", b"MAX"):
                raise CommandError(SYNTAX_ERROR)
            i += 1
        elif option == b"WITHSCORES" and destination is None and not cardinality_only:
            withscores = True
        elif option == b"LIMIT" and cardinality_only and left >= 1:
            limit = counted_arg(args[i + 1], "ERR LIMIT can't be negative", 0)
            i += 1
        else:
            raise CommandError(SYNTAX_ERROR)
        i += 1

    if operation == "diff":
        totals = difference(operands)
    else:
        # Smallest first, as Redis orders them (a stable sort, like glibc's).
        # With three or more operands the order can show in a SUM: with
        # inf, -inf and 1, (inf + -inf) + 1 is 1 but (inf + 1) + -inf is 0.
        ordered = sorted(zip(operands, weights), key=lambda pair: len(pair[0] or ()))
        totals = union(ordered, how) if operation == "union" else intersection(ordered, how)
    if cardinality_only:
        return min(len(totals), limit) if limit else len(totals)
    items = sorted(totals.items(), key=lambda item: (item[1], item[0]))
    if destination is None:
        return items_reply(items, withscores)
    # An empty result leaves no key, not an empty set.
    store_result(session, destination, SortedSet.from_items(items), f"z{operation}store", ZSET)
    return len(items)


@command("zunion", -3, "readonly movablekeys", (0, 0, 0), "sorted-set", "6.2.0", "Add multiple sorted sets",
         "numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>] [WITHSCORES]")
def zunion(session: Session, args: list[bytes]) -> Reply:
    return combine(session, args, "union")


@command("zinter", -3, "readonly movablekeys", (0, 0, 0), "sorted-set", "6.2.0", "Intersect multiple sorted sets",
         "numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>] [WITHSCORES]")
def zinter(session: Session, args: list[bytes]) -> Reply:
    return combine(session, args, "inter")


@command("zdiff", -3, "readonly movablekeys", (0, 0, 0), "sorted-set", "6.2.0", "Subtract multiple sorted sets",
         "numkeys key [key ...] [WITHSCORES]")
def zdiff(session: Session, args: list[bytes]) -> Reply:
    return combine(session, args, "diff")


@command("zunionstore", -4, "write denyoom movablekeys", (1, 1, 1), "sorted-set", "2.0.0",
         "Add multiple sorted sets and store the resulting sorted set in a new key",
         "destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>]")
def zunionstore(session: Session, args: list[bytes]) -> Reply:
    return combine(session, args, "union", destination=args[1])


@command("zinterstore", -4, "write denyoom movablekeys", (1, 1, 1), "sorted-set", "2.0.0",
         "Intersect multiple sorted sets and store the resulting sorted set in a new key",
         "destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>]")
def zinterstore(session: Session, args: list[bytes]) -> Reply:
    return combine(session, args, "inter", destination=args[1])


@command("zdiffstore", -4, "write denyoom movablekeys", (1, 1, 1), "sorted-set", "6.2.0",
         "Subtract multiple sorted sets and store the resulting sorted set in a new key",
         "destination numkeys key [key ...]")
def zdiffstore(session: Session, args: list[bytes]) -> Reply:
    return combine(session, args, "diff", destination=args[1])


@command("zintercard", -3, "readonly movablekeys", (0, 0, 0), "sorted-set", "7.0.0",
         "Intersect multiple sorted sets and return the cardinality of the result",
         "numkeys key [key ...] [LIMIT limit]")
def zintercard(session: Session, args: list[bytes]) -> Reply:
    return combine(session, args, "inter", cardinality_only=True)
# --8<-- [end:combine]


# --- random members and scanning ------------------------------------------------------------------


# --8<-- [start:random]
@command("zrandmember", -2, "readonly", (1, 1, 1), "sorted-set", "6.2.0",
         "Get one or multiple random elements from a sorted set", "key [count [WITHSCORES]]")
def zrandmember(session: Session, args: list[bytes]) -> Reply:
    if len(args) == 2:
        zset = get_zset(session, args[1])
        return None if zset is None else zset.item_at(random.randrange(len(zset)))[0]
    count = integer_arg(args[2])
    if count < -INT64_MAX:
        raise CommandError(f"ERR value is out of range, value must between {-INT64_MAX} and {INT64_MAX}")
    if len(args) > 4 or (len(args) == 4 and args[3].upper() != b"WITHSCORES"):
        raise CommandError(SYNTAX_ERROR)
    withscores = len(args) == 4
    if withscores and abs(count) > INT64_MAX // 2:  # twice as many replies must still fit in 64 bits
        raise CommandError("ERR value is out of range")
    zset = get_zset(session, args[1])
    if zset is None or count == 0:
        return []
    size = len(zset)
    if count < 0:
        # A negative count: that many picks, each from the whole set, so repeats are allowed.
        picks = [zset.item_at(random.randrange(size)) for _ in range(-count)]
    elif count >= size:
        # The whole set, and then Redis happens to list it highest score first.
        picks = list(zset.items_from(0, reverse=True))
    else:
        picks = [zset.item_at(rank) for rank in random.sample(range(size), count)]
    return items_reply(picks, withscores)


def listpack_score(score: float) -> bytes:
    """A score as a listpack holds it, which is what ZSCAN replies for a small
    set: a whole number up to 2**62 as an integer (1e17 is 100000000000000000),
    anything else as "%.17g"."""
    if score.is_integer() and abs(score) <= 2**62:
        return b"%d" % int(score)
    return format_double(score)


@command("zscan", -3, "readonly", (1, 1, 1), "sorted-set", "2.8.0",
         "Incrementally iterate sorted sets elements and associated scores", "key cursor [MATCH pattern] [COUNT count]")
def zscan(session: Session, args: list[bytes]) -> Reply:
    cursor = scan_cursor(args[2])
    zset = get_zset(session, args[1])
    if zset is None:
        return [b"0", []]  # the options are not even read
    count, pattern = scan_options(args[3:])
    cursor, items = zset.scan(cursor, count)
    if pattern is not None and pattern != b"*":
        items = [(member, score) for member, score in items if glob_match(pattern, member)]
    as_text = listpack_score if zset.compact else format_double
    return [b"%d" % cursor, [part for member, score in items for part in (member, as_text(score))]]
# --8<-- [end:random]
