"""Commands on set values: unordered collections of distinct strings, kept in a Python set."""

from __future__ import annotations

import bisect
import random
from collections import OrderedDict
from dataclasses import dataclass
from itertools import islice
from typing import Iterator

from commands.base import (INT64_MIN, SYNTAX_ERROR, CommandError, Session, command, get_typed, integer_arg, reading,
                           store_result)
from commands.keys import scan_cursor, scan_options, scan_position
from glob_match import glob_match
from keyspace_events import GENERIC, SET
from resp import Reply, Set, parse_int64


# --8<-- [start:access]
def get_set(session: Session, key: bytes) -> set[bytes] | None:
    """The set at `key`, None if there is none, WRONGTYPE if it holds something else."""
    return get_typed(session, key, set)


def read_set(session: Session, key: bytes) -> set[bytes]:
    """For commands that only read: a missing key is an empty set."""
    return get_set(session, key) or set()


def delete_if_empty(session: Session, key: bytes, members: set[bytes]) -> None:
    """Redis never keeps an empty set: the command that removes the last
    member deletes the key, so EXISTS says 0 and TYPE says none (and
    reports del after its own event)."""
    if not members:
        session.db.delete(key)
        session.db.changed(key, "del", GENERIC)
# --8<-- [end:access]


# --8<-- [start:basics]
@command("sadd", -3, "write denyoom fast", (1, 1, 1), "set", "1.0.0", "Add one or more members to a set",
         "key member [member ...]")
def sadd(session: Session, args: list[bytes]) -> Reply:
    members = get_set(session, args[1])
    if members is None:
        members = set()
        session.db.set(args[1], members)  # not empty for long: there is at least one member to add
    before = len(members)
    members.update(args[2:])
    added = len(members) - before  # members that were new; a repeated one counts once
    if added:
        session.db.changed(args[1], "sadd", SET)  # adding members it had already changes nothing
    return added


@command("srem", -3, "write fast", (1, 1, 1), "set", "1.0.0", "Remove one or more members from a set",
         "key member [member ...]")
def srem(session: Session, args: list[bytes]) -> Reply:
    members = get_set(session, args[1])
    if members is None:
        return 0
    before = len(members)
    members.difference_update(args[2:])
    removed = before - len(members)
    if removed:
        session.db.changed(args[1], "srem", SET)
        delete_if_empty(session, args[1], members)
    return removed


@command("smembers", 2, "readonly", (1, 1, 1), "set", "1.0.0", "Get all the members in a set", "key")
def smembers(session: Session, args: list[bytes]) -> Reply:
    return Set(read_set(session, args[1]))  # in no particular order, and not Redis's order


@command("sismember", 3, "readonly fast", (1, 1, 1), "set", "1.0.0",
         "Determine if a given value is a member of a set", "key member")
def sismember(session: Session, args: list[bytes]) -> Reply:
    return int(args[2] in read_set(session, args[1]))


@command("smismember", -3, "readonly fast", (1, 1, 1), "set", "6.2.0",
         "Returns the membership associated with the given elements for a set", "key member [member ...]")
def smismember(session: Session, args: list[bytes]) -> Reply:
    members = read_set(session, args[1])
    return [int(member in members) for member in args[2:]]


@command("scard", 2, "readonly fast", (1, 1, 1), "set", "1.0.0", "Get the number of members in a set", "key")
def scard(session: Session, args: list[bytes]) -> Reply:
    return len(read_set(session, args[1]))


@command("smove", 4, "write fast", (1, 2, 1), "set", "1.0.0", "Move a member from one set to another",
         "source destination member")
def smove(session: Session, args: list[bytes]) -> Reply:
    source, destination, member = args[1:]
    if source not in session.db:
        return 0  # before any type check: even a destination of another type is no error then
    from_set = get_set(session, source)
    to_set = get_set(session, destination)
    if source == destination:
        return int(member in from_set)  # nothing moves, but the reply says whether it would have
    if member not in from_set:
        return 0
    from_set.remove(member)
    session.db.changed(source, "srem", SET)
    delete_if_empty(session, source, from_set)
    if to_set is None:
        session.db.set(destination, {member})
    elif member in to_set:
        return 1  # it was there already: the destination did not change
    else:
        to_set.add(member)  # in place: the destination keeps its TTL
    session.db.changed(destination, "sadd", SET)
    return 1
# --8<-- [end:basics]


# --8<-- [start:random]
def pick(members: set[bytes]) -> bytes:
    """One member picked at random. A Python set cannot hand out its i-th
    member without walking past the ones before it, so this costs O(n)
    where Redis, which owns its hash table, picks a bucket in O(1)."""
    return next(islice(members, random.randrange(len(members)), None))


def pick_distinct(members: set[bytes], count: int) -> list[bytes]:
    """`count` different members at random, or all of them if there are not that many."""
    return random.sample(list(members), min(count, len(members)))


@command("spop", -2, "write fast", (1, 1, 1), "set", "1.0.0",
         "Remove and return one or multiple random members from a set", "key [count]")
def spop(session: Session, args: list[bytes]) -> Reply:
    if len(args) > 3:
        raise CommandError(SYNTAX_ERROR)
    count = None
    if len(args) == 3:
        # Read before the key, so a bad count is an error even for a missing key.
        # Redis has one message for a negative count and for no number at all.
        count = parse_int64(args[2])
        if count is None or count < 0:
            raise CommandError("ERR value is out of range, must be positive")
    members = get_set(session, args[1])
    if members is None:
        return None if count is None else Set()  # without a count, a single null; with one, a set
    popped = [pick(members)] if count is None else pick_distinct(members, count)
    if popped:  # SPOP key 0 takes nothing, and says nothing
        members.difference_update(popped)
        session.db.changed(args[1], "spop", SET)
        delete_if_empty(session, args[1], members)
    return popped[0] if count is None else Set(popped)


@command("srandmember", -2, "readonly", (1, 1, 1), "set", "1.0.0",
         "Get one or multiple random members from a set", "key [count]")
def srandmember(session: Session, args: list[bytes]) -> Reply:
    if len(args) > 3:
        raise CommandError(SYNTAX_ERROR)
    count = None
    if len(args) == 3:
        count = integer_arg(args[2])  # read before the key, as SPOP does
        if count == INT64_MIN:  # Redis works with the count's absolute value, which this one lacks
            raise CommandError("ERR value is out of range, value must between "
                               "-9223372036854775807 and 9223372036854775807")
    members = read_set(session, args[1])
    if count is None:
        return pick(members) if members else None
    if count >= 0:
        return pick_distinct(members, count)  # never the same member twice, so at most them all
    # A negative count asks for exactly -count picks, each from the whole
    # set: members may come twice, and a one-member set fills the whole list.
    return random.choices(list(members), k=-count) if members else []
# --8<-- [end:random]


# --8<-- [start:algebra]
def read_sets(session: Session, keys: list[bytes]) -> list[set[bytes]]:
    """The sets at `keys`, a missing key read as an empty set. Every key is
    checked before any work starts, so a key of another type is an error
    even when a missing key has already made the answer empty."""
    return [read_set(session, key) for key in keys]


def read_sources(session: Session, keys: list[bytes]) -> list[set[bytes]]:
    """read_sets() for the *STORE commands: writes whose sources are reads."""
    with reading(session):
        return read_sets(session, keys)


def intersection(sets: list[set[bytes]]) -> Iterator[bytes]:
    """The members every set has, found as Redis finds them: walk the smallest
    set and look each member up in the others, so that the work is bounded by
    the smallest set (times the number of sets), however big the others are.
    An empty set comes first, and ends it at once."""
    smallest, *others = sorted(sets, key=len)
    for member in smallest:
        if all(member in other for other in others):
            yield member


def union(sets: list[set[bytes]]) -> set[bytes]:
    return set().union(*sets)


def difference(sets: list[set[bytes]]) -> set[bytes]:
    """The members of the first set that no other set has."""
    return sets[0].difference(*sets[1:])


def store(session: Session, destination: bytes, result: set[bytes], event: str) -> Reply:
    """The ...STORE forms: the result goes to `destination` as store_result()
    puts it (an empty one deletes the key), and the reply is its size."""
    store_result(session, destination, result, event, SET)
    return len(result)


@command("sinter", -2, "readonly", (1, -1, 1), "set", "1.0.0", "Intersect multiple sets", "key [key ...]")
def sinter(session: Session, args: list[bytes]) -> Reply:
    return Set(intersection(read_sets(session, args[1:])))


@command("sinterstore", -3, "write denyoom", (1, -1, 1), "set", "1.0.0",
         "Intersect multiple sets and store the resulting set in a key", "destination key [key ...]")
def sinterstore(session: Session, args: list[bytes]) -> Reply:
    return store(session, args[1], set(intersection(read_sources(session, args[2:]))), "sinterstore")


@command("sunion", -2, "readonly", (1, -1, 1), "set", "1.0.0", "Add multiple sets", "key [key ...]")
def sunion(session: Session, args: list[bytes]) -> Reply:
    return Set(union(read_sets(session, args[1:])))


@command("sunionstore", -3, "write denyoom", (1, -1, 1), "set", "1.0.0",
         "Add multiple sets and store the resulting set in a key", "destination key [key ...]")
def sunionstore(session: Session, args: list[bytes]) -> Reply:
    return store(session, args[1], union(read_sources(session, args[2:])), "sunionstore")


@command("sdiff", -2, "readonly", (1, -1, 1), "set", "1.0.0", "Subtract multiple sets", "key [key ...]")
def sdiff(session: Session, args: list[bytes]) -> Reply:
    return Set(difference(read_sets(session, args[1:])))


@command("sdiffstore", -3, "write denyoom", (1, -1, 1), "set", "1.0.0",
         "Subtract multiple sets and store the resulting set in a key", "destination key [key ...]")
def sdiffstore(session: Session, args: list[bytes]) -> Reply:
    return store(session, args[1], difference(read_sources(session, args[2:])), "sdiffstore")


@command("sintercard", -3, "readonly movablekeys", (0, 0, 0), "set", "7.0.0",
         "Intersect multiple sets and return the cardinality of the result", "numkeys key [key ...] [LIMIT limit]")
def sintercard(session: Session, args: list[bytes]) -> Reply:
    # The keys are not at fixed positions: numkeys says how many follow it.
    # That is what "movablekeys" tells cluster clients, and why the key
    # positions above are all 0.
    numkeys = parse_int64(args[1])
    if numkeys is None or numkeys < 1:
        raise CommandError("ERR numkeys should be greater than 0")
    if numkeys > len(args) - 2:
        raise CommandError("ERR Number of keys can't be greater than number of args")
    limit = 0  # no limit
    options = args[2 + numkeys:]
    for i in range(0, len(options), 2):
        if options[i].upper() != b"LIMIT" or i + 1 == len(options):
            raise CommandError(SYNTAX_ERROR)
        limit = parse_int64(options[i + 1])
        if limit is None or limit < 0:
            raise CommandError("ERR LIMIT can't be negative")
    # With a LIMIT the walk stops as soon as that many common members are
    # found: "are there at least 3?" costs less than "how many are there?".
    common = intersection(read_sets(session, args[2:2 + numkeys]))
    return sum(1 for _ in islice(common, limit or None))
# --8<-- [end:algebra]


# --8<-- [start:sscan]


@dataclass
class Snapshot:
    """A set's members sorted by scan position, as they were when it was taken."""

    members: set[bytes]  # the set itself: while we hold it, no other set can reuse its id()
    positions: list[int]
    in_order: list[bytes]

    @classmethod
    def of(cls, members: set[bytes]) -> Snapshot:
        in_order = sorted(members, key=hash)  # scan_position's order, with the key computed in C
        return cls(members, [scan_position(member) for member in in_order], in_order)


# Snapshots of the sets being scanned, by id() of the set, least recently
# used first. They only save time: a scan whose snapshot is gone gets a new
# one and goes on from its cursor, which is a position, not an index.
SNAPSHOTS: OrderedDict[int, Snapshot] = OrderedDict()
MAX_SNAPSHOTS = 16


def scan_page(members: set[bytes], cursor: int, count: int) -> tuple[int, list[bytes]]:
    """About `count` members from position `cursor` on, and the cursor for the
    next call (0 at the end). A member that is in the set for the whole scan
    is returned, exactly once; one added or removed meanwhile may or may not be."""
    snapshot = SNAPSHOTS.pop(id(members), None)
    if snapshot is None or cursor == 0:
        # A new scan must see every member the set has now, so it never
        # trusts an older snapshot. Sorting costs O(n log n), once per scan.
        snapshot = Snapshot.of(members)
    start = bisect.bisect_left(snapshot.positions, cursor)
    end = start + count
    if end < len(snapshot.positions):
        # Members that share a position go on the same page, or a cursor
        # pointing at them could never move past them.
        end = bisect.bisect_right(snapshot.positions, snapshot.positions[end - 1])
    # A member removed since the snapshot was taken is skipped.
    page = [member for member in snapshot.in_order[start:end] if member in members]
    if end >= len(snapshot.positions):
        return 0, page
    SNAPSHOTS[id(members)] = snapshot
    if len(SNAPSHOTS) > MAX_SNAPSHOTS:
        SNAPSHOTS.popitem(last=False)
    return snapshot.positions[end], page


@command("sscan", -3, "readonly", (1, 1, 1), "set", "2.8.0", "Incrementally iterate Set elements",
         "key cursor [MATCH pattern] [COUNT count]")
def sscan(session: Session, args: list[bytes]) -> Reply:
    # Redis's order of checks: the cursor, then the key, then the options,
    # so a missing key ends the scan before a bad option is even read.
    cursor = scan_cursor(args[2])
    members = get_set(session, args[1])
    if members is None:
        return [b"0", []]
    count, pattern = scan_options(args[3:])
    cursor, page = scan_page(members, cursor, count)
    if pattern is not None and pattern != b"*":
        page = [member for member in page if glob_match(pattern, member)]
    return [b"%d" % cursor, page]
# --8<-- [end:sscan]
