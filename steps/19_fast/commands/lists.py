"""Commands on list values: push and pop at either end, read and change
elements by index, search, remove, trim, and move elements between lists.

A list is a deque of bytes. The key exists only while the list has elements:
a push creates it, and the command that takes its last element deletes it,
as in Redis, so no command ever meets an empty list.
"""

from __future__ import annotations

from collections import deque
from itertools import islice

from commands.base import (INT64_MIN, SYNTAX_ERROR, CommandError, Session, block, command, counted_arg, first_of,
                           get_typed, integer_arg, timeout_arg, waiting_value)
from keyspace_events import GENERIC, LIST
from resp import NULL_ARRAY, OK, Reply


# --8<-- [start:helpers]
def get_list(session: Session, key: bytes) -> deque[bytes] | None:
    """The list at `key`; None if there is no key; WRONGTYPE if it is not a list."""
    return get_typed(session, key, deque)


def delete_if_empty(session: Session, key: bytes, items: deque[bytes]) -> None:
    """Redis keeps no empty list: the key goes with its last element, and
    a del event follows the event of the command that took it."""
    if not items:
        session.db.delete(key)
        session.db.changed(key, "del", GENERIC)


def side_arg(arg: bytes) -> bool:
    """LEFT or RIGHT, in any case: True for LEFT, the head of the list."""
    side = arg.upper()
    if side not in (b"LEFT", b"RIGHT"):
        raise CommandError(SYNTAX_ERROR)
    return side == b"LEFT"


def pop_many(session: Session, key: bytes, items: deque[bytes], left: bool, count: int) -> list[bytes]:
    """Take up to `count` elements off one end of the list at `key`, in the
    order they come off, and report it: an lpop or rpop event, then del if
    that was the last. LPOP, RPOP, LMPOP and the blocking pops all pop
    through here."""
    take = items.popleft if left else items.pop
    popped = [take() for _ in range(min(count, len(items)))]
    if popped:
        session.db.changed(key, "lpop" if left else "rpop", LIST)
        delete_if_empty(session, key, items)
    return popped
# --8<-- [end:helpers]


# --- push and pop ---------------------------------------------------------------------------------


# --8<-- [start:push]
def push(session: Session, args: list[bytes], left: bool, only_if_exists: bool = False) -> Reply:
    """LPUSH, RPUSH, LPUSHX, RPUSHX: key element [element ...]"""
    key = args[1]
    items = get_list(session, key)
    if items is None:
        if only_if_exists:
            return 0
        items = deque()
        session.db.set(key, items)
    # The elements go in one at a time, so LPUSH k a b c leaves c first.
    if left:
        items.extendleft(args[2:])
    else:
        items.extend(args[2:])
    # The list changed in place: a TTL the key had is still there.
    session.db.changed(key, "lpush" if left else "rpush", LIST)
    return len(items)


@command("lpush", -3, "write denyoom fast", (1, 1, 1), "list", "1.0.0",
         "Prepend one or multiple elements to a list", "key element [element ...]")
def lpush(session: Session, args: list[bytes]) -> Reply:
    return push(session, args, left=True)


@command("rpush", -3, "write denyoom fast", (1, 1, 1), "list", "1.0.0",
         "Append one or multiple elements to a list", "key element [element ...]")
def rpush(session: Session, args: list[bytes]) -> Reply:
    return push(session, args, left=False)


@command("lpushx", -3, "write denyoom fast", (1, 1, 1), "list", "2.2.0",
         "Prepend an element to a list, only if the list exists", "key element [element ...]")
def lpushx(session: Session, args: list[bytes]) -> Reply:
    return push(session, args, left=True, only_if_exists=True)


@command("rpushx", -3, "write denyoom fast", (1, 1, 1), "list", "2.2.0",
         "Append an element to a list, only if the list exists", "key element [element ...]")
def rpushx(session: Session, args: list[bytes]) -> Reply:
    return push(session, args, left=False, only_if_exists=True)
# --8<-- [end:push]


# --8<-- [start:pop]
def pop(session: Session, args: list[bytes], left: bool) -> Reply:
    """LPOP and RPOP: key [count]"""
    if len(args) > 3:
        raise CommandError(f"ERR wrong number of arguments for '{args[0].decode().lower()}' command")
    # Without a count: one element, as a bulk string. With one (Redis 6.2):
    # up to that many, as an array. The count is checked before the key.
    count = counted_arg(args[2], "ERR value is out of range, must be positive", 0) if len(args) == 3 else None
    key = args[1]
    items = get_list(session, key)
    if items is None:
        # Each form has its own null: "$-1" for an element, "*-1" for an array.
        return None if count is None else NULL_ARRAY
    popped = pop_many(session, key, items, left, 1 if count is None else count)
    return popped[0] if count is None else popped


@command("lpop", -2, "write fast", (1, 1, 1), "list", "1.0.0", "Remove and get the first elements in a list",
         "key [count]")
def lpop(session: Session, args: list[bytes]) -> Reply:
    return pop(session, args, left=True)


@command("rpop", -2, "write fast", (1, 1, 1), "list", "1.0.0", "Remove and get the last elements in a list",
         "key [count]")
def rpop(session: Session, args: list[bytes]) -> Reply:
    return pop(session, args, left=False)


def mpop_args(args: list[bytes], numkeys_at: int) -> tuple[list[bytes], bool, int]:
    """The keys, the side and the count of LMPOP and BLMPOP:
    numkeys key [key ...] LEFT|RIGHT [COUNT count]."""
    numkeys = counted_arg(args[numkeys_at], "ERR numkeys should be greater than 0", 1)
    side_at = numkeys_at + 1 + numkeys  # the word after the keys
    if side_at >= len(args):
        raise CommandError(SYNTAX_ERROR)
    left = side_arg(args[side_at])
    count = None
    i = side_at + 1
    while i < len(args):
        # COUNT may come once, with its number.
        if count is not None or args[i].upper() != b"COUNT" or i + 1 == len(args):
            raise CommandError(SYNTAX_ERROR)
        count = counted_arg(args[i + 1], "ERR count should be greater than 0", 1)
        i += 2
    return args[numkeys_at + 1:side_at], left, count or 1


def pop_with_key(session: Session, key: bytes, items: deque[bytes], left: bool, count: int) -> Reply:
    """[key, [element, ...]], as LMPOP and BLMPOP reply."""
    return [key, pop_many(session, key, items, left, count)]


@command("lmpop", -4, "write movablekeys", (0, 0, 0), "list", "7.0.0", "Pop elements from a list",
         "numkeys key [key ...] <LEFT | RIGHT> [COUNT count]")
def lmpop(session: Session, args: list[bytes]) -> Reply:
    """LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]: pop from the first
    of the keys that holds a list, and say which key that was."""
    keys, left, count = mpop_args(args, 1)
    for key in keys:
        # Missing keys are skipped; a key of another type is an error, but
        # only if it comes before the first list.
        items = get_list(session, key)
        if items is not None:
            return pop_with_key(session, key, items, left, count)
    return NULL_ARRAY
# --8<-- [end:pop]


# --- blocking pops -------------------------------------------------------------------------------

# --8<-- [start:blocking]
def blocking_pop(session: Session, args: list[bytes], left: bool) -> Reply:
    """BLPOP and BRPOP: key [key ...] timeout"""
    deadline = timeout_arg(args[-1])
    keys = args[1:-1]

    def pop_from(session: Session, key: bytes) -> Reply | None:
        items = waiting_value(session, key, deque)
        if items is None:
            return None
        [element] = pop_many(session, key, items, left, 1)
        return [key, element]

    if (key := first_of(session, keys, deque)) is not None:
        return pop_from(session, key)
    return block(session, keys, deadline, pop_from)


@command("blpop", -3, "write noscript blocking", (1, -2, 1), "list", "2.0.0",
         "Remove and get the first element in a list, or block until one is available",
         "key [key ...] timeout")
def blpop(session: Session, args: list[bytes]) -> Reply:
    return blocking_pop(session, args, left=True)


@command("brpop", -3, "write noscript blocking", (1, -2, 1), "list", "2.0.0",
         "Remove and get the last element in a list, or block until one is available",
         "key [key ...] timeout")
def brpop(session: Session, args: list[bytes]) -> Reply:
    return blocking_pop(session, args, left=False)


@command("blmpop", -5, "write blocking movablekeys", (0, 0, 0), "list", "7.0.0",
         "Pop elements from a list, or block until one is available",
         "timeout numkeys key [key ...] <LEFT | RIGHT> [COUNT count]")
def blmpop(session: Session, args: list[bytes]) -> Reply:
    keys, left, count = mpop_args(args, 2)
    deadline = timeout_arg(args[1])  # read after the rest, as Redis does

    def pop_from(session: Session, key: bytes) -> Reply | None:
        items = waiting_value(session, key, deque)
        return None if items is None else pop_with_key(session, key, items, left, count)

    if (key := first_of(session, keys, deque)) is not None:
        return pop_from(session, key)
    return block(session, keys, deadline, pop_from)


def blocking_move(session: Session, source: bytes, destination: bytes, from_left: bool, to_left: bool,
                  timeout: bytes) -> Reply:
    """BLMOVE and BRPOPLPUSH: LMOVE, waiting for the source to have an element."""
    deadline = timeout_arg(timeout)

    def move_from(session: Session, key: bytes) -> Reply | None:
        # The move pushes to the destination, which may wake another client in turn.
        return None if waiting_value(session, key, deque) is None else move(session, key, destination, from_left, to_left)

    if get_list(session, source) is not None:
        return move(session, source, destination, from_left, to_left)
    return block(session, [source], deadline, move_from, timed_out=None)  # None: BLMOVE's null in MULTI


@command("blmove", 6, "write denyoom noscript blocking", (1, 2, 1), "list", "6.2.0",
         "Pop an element from a list, push it to another list and return it; or block until one is available",
         "source destination <LEFT | RIGHT> <LEFT | RIGHT> timeout")
def blmove(session: Session, args: list[bytes]) -> Reply:
    from_left, to_left = side_arg(args[3]), side_arg(args[4])
    return blocking_move(session, args[1], args[2], from_left, to_left, args[5])


@command("brpoplpush", 4, "write denyoom noscript blocking", (1, 2, 1), "list", "2.2.0",
         "Pop an element from a list, push it to another list and return it; or block until one is available",
         "source destination timeout")
def brpoplpush(session: Session, args: list[bytes]) -> Reply:
    return blocking_move(session, args[1], args[2], from_left=False, to_left=True, timeout=args[3])
# --8<-- [end:blocking]


@command("llen", 2, "readonly fast", (1, 1, 1), "list", "1.0.0", "Get the length of a list", "key")
def llen(session: Session, args: list[bytes]) -> Reply:
    return len(get_list(session, args[1]) or ())


# --- by index -------------------------------------------------------------------------------------


# --8<-- [start:index]
def position(index: int, length: int) -> int | None:
    """Where index `index` is in a list of `length` elements, counting from
    the end if it is negative (-1 is the last); None if it is outside."""
    if index < 0:
        index += length
    return index if 0 <= index < length else None


@command("lindex", 3, "readonly", (1, 1, 1), "list", "1.0.0", "Get an element from a list by its index",
         "key index")
def lindex(session: Session, args: list[bytes]) -> Reply:
    items = get_list(session, args[1])
    if items is None:
        return None  # a missing key is null, whatever the index says
    at = position(integer_arg(args[2]), len(items))
    # A deque reaches an element by walking from the nearer end: O(n), as in Redis.
    return None if at is None else items[at]


@command("lset", 4, "write denyoom", (1, 1, 1), "list", "1.0.0", "Set the value of an element in a list by its index",
         "key index element")
def lset(session: Session, args: list[bytes]) -> Reply:
    items = get_list(session, args[1])
    if items is None:
        raise CommandError("ERR no such key")
    at = position(integer_arg(args[2]), len(items))
    if at is None:
        raise CommandError("ERR index out of range")
    items[at] = args[3]
    session.db.changed(args[1], "lset", LIST)
    return OK


def clamp_range(start: int, stop: int, length: int) -> tuple[int, int]:
    """LRANGE's and LTRIM's start and stop, both inclusive and negative from
    the end, turned into a Python slice [start, stop) within the list."""
    if start < 0:
        start += length
    if stop < 0:
        stop += length
    start = max(start, 0)  # before the first element: from the first
    stop = min(stop, length - 1)  # past the last: to the last
    if start > stop:
        return 0, 0  # backwards, or entirely outside: nothing
    return start, stop + 1


@command("lrange", 4, "readonly", (1, 1, 1), "list", "1.0.0", "Get a range of elements from a list",
         "key start stop")
def lrange(session: Session, args: list[bytes]) -> Reply:
    start, stop = integer_arg(args[2]), integer_arg(args[3])  # checked before the key
    items = get_list(session, args[1]) or deque()
    start, stop = clamp_range(start, stop, len(items))
    if start > len(items) - stop:
        # Nearer the tail: walk from there, as Redis's iterator would.
        return list(islice(reversed(items), len(items) - stop, len(items) - start))[::-1]
    return list(islice(items, start, stop))


@command("ltrim", 4, "write", (1, 1, 1), "list", "1.0.0", "Trim a list to the specified range", "key start stop")
def ltrim(session: Session, args: list[bytes]) -> Reply:
    start, stop = integer_arg(args[2]), integer_arg(args[3])
    key = args[1]
    items = get_list(session, key)
    if items is None:
        return OK
    start, stop = clamp_range(start, stop, len(items))
    # Pop what goes, from both ends: the cost is the number of elements removed.
    for _ in range(len(items) - stop):
        items.pop()
    for _ in range(start):
        items.popleft()
    session.db.changed(key, "ltrim", LIST)  # even if nothing went, as in Redis
    delete_if_empty(session, key, items)
    return OK
# --8<-- [end:index]


# --- by value -------------------------------------------------------------------------------------


# --8<-- [start:by_value]
@command("linsert", 5, "write denyoom", (1, 1, 1), "list", "2.2.0",
         "Insert an element before or after another element in a list", "key <BEFORE | AFTER> pivot element")
def linsert(session: Session, args: list[bytes]) -> Reply:
    where = args[2].upper()
    if where not in (b"BEFORE", b"AFTER"):
        raise CommandError(SYNTAX_ERROR)
    items = get_list(session, args[1])
    if items is None:
        return 0
    try:
        at = items.index(args[3])  # the first element equal to the pivot
    except ValueError:
        return -1  # no such pivot
    items.insert(at if where == b"BEFORE" else at + 1, args[4])
    session.db.changed(args[1], "linsert", LIST)
    return len(items)


@command("lrem", 4, "write", (1, 1, 1), "list", "1.0.0", "Remove elements from a list", "key count element")
def lrem(session: Session, args: list[bytes]) -> Reply:
    """LREM key count element: remove the first `count` elements equal to
    `element`; the last -count if it is negative; all of them if it is 0."""
    count = integer_arg(args[2])
    key, element = args[1], args[3]
    items = get_list(session, key)
    if items is None:
        return 0
    limit = abs(count) or len(items)
    kept, removed = [], 0
    for item in reversed(items) if count < 0 else items:
        if removed < limit and item == element:
            removed += 1
        else:
            kept.append(item)
    if removed:
        # Refill the same deque rather than store a new one: the key keeps its TTL.
        items.clear()
        items.extend(reversed(kept) if count < 0 else kept)
        session.db.changed(key, "lrem", LIST)
        delete_if_empty(session, key, items)
    return removed


RANK_ZERO = ("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
             "or use negative to start from the end of the list")


@command("lpos", -3, "readonly", (1, 1, 1), "list", "6.0.6", "Return the index of matching elements on a list",
         "key element [RANK rank] [COUNT num-matches] [MAXLEN len]")
def lpos(session: Session, args: list[bytes]) -> Reply:
    """LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]

    The index of the first element equal to `element`; of the rank-th match
    with RANK, searching from the tail if the rank is negative; a list of up
    to COUNT such indexes with COUNT (0: every one); and only the first
    MAXLEN elements searched with MAXLEN (0: all of them). Indexes always
    count from the head, as LINDEX's do.
    """
    rank, count, maxlen = 1, None, 0
    for i in range(3, len(args), 2):
        option = args[i].upper()
        if i + 1 == len(args):
            raise CommandError(SYNTAX_ERROR)  # an option without its value
        if option == b"RANK":
            rank = integer_arg(args[i + 1])
            if rank == 0:
                raise CommandError(RANK_ZERO)
        elif option == b"COUNT":
            count = counted_arg(args[i + 1], "ERR COUNT can't be negative", 0)
        elif option == b"MAXLEN":
            maxlen = counted_arg(args[i + 1], "ERR MAXLEN can't be negative", 0)
        else:
            raise CommandError(SYNTAX_ERROR)
    if rank == INT64_MIN:
        # Redis 7.0 negates a negative rank in a 64-bit C long, where -(-2**63)
        # overflows back to -2**63. What it then does amounts to RANK -1 with
        # no limit on COUNT. (Redis 7.2 refuses this rank instead.)
        rank, count = -1, None if count is None else 0
    items = get_list(session, args[1])
    if items is None:
        return None if count is None else []
    from_tail = rank < 0
    skip = abs(rank) - 1  # matches to pass over before the first one reported
    searched = reversed(items) if from_tail else iter(items)
    if maxlen:
        searched = islice(searched, maxlen)
    found: list[int] = []
    for i, item in enumerate(searched):
        if item != args[2]:
            continue
        if skip:
            skip -= 1
            continue
        found.append(len(items) - 1 - i if from_tail else i)
        if count is None or len(found) == count:
            break
    if count is None:
        return found[0] if found else None
    return found
# --8<-- [end:by_value]


# --- from one list to another ---------------------------------------------------------------------


# --8<-- [start:move]
def move(session: Session, source: bytes, destination: bytes, from_left: bool, to_left: bool) -> Reply:
    """Pop an element off one end of `source`, push it on one end of
    `destination`, and reply with it. Source and destination may be the
    same list: LMOVE k k LEFT RIGHT rotates it."""
    items = get_list(session, source)
    if items is None:
        return None
    target = get_list(session, destination)  # WRONGTYPE here moves nothing
    element = items.popleft() if from_left else items.pop()
    if target is None:
        target = deque()
        session.db.set(destination, target)
    if to_left:
        target.appendleft(element)
    else:
        target.append(element)
    # Redis reports the push first, then the pop.
    session.db.changed(destination, "lpush" if to_left else "rpush", LIST)
    session.db.changed(source, "lpop" if from_left else "rpop", LIST)
    # Only now: with one key for both, the element is already back.
    delete_if_empty(session, source, items)
    return element


@command("lmove", 5, "write denyoom", (1, 2, 1), "list", "6.2.0",
         "Pop an element from a list, push it to another list and return it",
         "source destination <LEFT | RIGHT> <LEFT | RIGHT>")
def lmove(session: Session, args: list[bytes]) -> Reply:
    from_left, to_left = side_arg(args[3]), side_arg(args[4])  # both, before any key
    return move(session, args[1], args[2], from_left, to_left)


@command("rpoplpush", 3, "write denyoom", (1, 2, 1), "list", "1.2.0",
         "Remove the last element in a list, prepend it to another list and return it", "source destination")
def rpoplpush(session: Session, args: list[bytes]) -> Reply:
    # Deprecated since Redis 6.2 in favour of LMOVE source destination RIGHT LEFT, which this is.
    return move(session, args[1], args[2], from_left=False, to_left=True)
# --8<-- [end:move]
