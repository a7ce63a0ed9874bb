"""SORT and SORT_RO: the elements of a list, a set or a sorted set, in
order, or in the order of values kept in other keys.

SORT is Redis's most elaborate command, a small query language:

    SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC | DESC] [ALPHA] [STORE destination]

Without options it sorts the elements as numbers. ALPHA sorts them as
strings. BY sorts each element by the value of another key, named by
putting the element in place of the pattern's "*": `BY weight_*` sorts
element 3 by the value of `weight_3`, and `BY user:*->age` by the field
`age` of the hash `user:3`. GET replies, for each element, with such a
value instead of the element ("#" is the element itself). STORE keeps the
result as a list instead of replying with it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from commands.base import (SYNTAX_ERROR, WRONGTYPE, CommandError, Session, command, integer_arg, reading,
                           store_result)
from commands.sorted_sets import strtod
from keyspace_events import LIST
from resp import Reply
from sorted_set import SortedSet

NOT_A_NUMBER = "ERR One or more scores can't be converted into double"
SYNTAX = "key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA]"


@dataclass
class SortOptions:
    by: bytes | None = None
    gets: list[bytes] = field(default_factory=list)
    offset: int = 0
    count: int = -1  # negative: every element from the offset on
    descending: bool = False
    alpha: bool = False
    store: bytes | None = None


@command("sort", -2, "write denyoom movablekeys", (1, 1, 1), "generic", "1.0.0",
         "Sort the elements in a list, set or sorted set", SYNTAX + " [STORE destination]",
         categories="@set @sortedset @list @dangerous")
def sort(session: Session, args: list[bytes]) -> Reply:
    return sort_generic(session, args, parse_options(args, can_store=True))


@command("sort_ro", -2, "readonly movablekeys", (1, 1, 1), "generic", "7.0.0",
         "Sort the elements in a list, set or sorted set. Read-only variant of SORT.", SYNTAX,
         categories="@set @sortedset @list @dangerous")
def sort_ro(session: Session, args: list[bytes]) -> Reply:
    # SORT may write (with STORE), so a read-only replica or a script that
    # must not write cannot send it: SORT_RO is the same without STORE.
    return sort_generic(session, args, parse_options(args, can_store=False))


def parse_options(args: list[bytes], can_store: bool) -> SortOptions:
    options = SortOptions()
    i = 2
    while i < len(args):
        word, left = args[i].upper(), len(args) - i - 1
        if word in (b"ASC", b"DESC"):
            options.descending = word == b"DESC"
        elif word == b"ALPHA":
            options.alpha = True
        elif word == b"LIMIT" and left >= 2:
            options.offset, options.count = integer_arg(args[i + 1]), integer_arg(args[i + 2])
            i += 2
        elif word == b"STORE" and left >= 1 and can_store:
            options.store = args[i + 1]
            i += 1
        elif word == b"BY" and left >= 1:
            options.by = args[i + 1]
            i += 1
        elif word == b"GET" and left >= 1:
            options.gets.append(args[i + 1])
            i += 1
        else:
            raise CommandError(SYNTAX_ERROR)
        i += 1
    return options


# --8<-- [start:sort]
def sort_generic(session: Session, args: list[bytes], options: SortOptions) -> Reply:
    with reading(session):  # SORT may write, but what it looks up it reads: INFO counts those lookups
        found = sorted_values(session, args[1], options)
    if options.store is None:
        return found
    # Stored as a list, replacing whatever the key held; a missing value is
    # an empty string there, and an empty result deletes the key.
    store_result(session, options.store, deque(item or b"" for item in found), "sortstore", LIST)
    return len(found)


def sorted_values(session: Session, key: bytes, options: SortOptions) -> list[bytes | None]:
    """The elements at `key` in order, LIMIT's page of them, or, with GET,
    what its patterns find for each of those."""
    value = session.db.get(key)
    if value is not None and not isinstance(value, (deque, set, SortedSet)):
        raise CommandError(WRONGTYPE)
    # A BY pattern without "*" names the same key for every element: there
    # is nothing to sort by, and the elements keep their own order.
    keep_order = options.by is not None and b"*" not in options.by
    if keep_order and isinstance(value, set) and options.store is not None:
        # A set's own order is that of its hash table, which another server
        # (a replica, or this one after a restart) may not share: what is
        # stored must not depend on it, so Redis sorts it after all.
        keep_order, options.alpha, options.by = False, True, None
    if isinstance(value, SortedSet):
        elements = [member for member, _score in value]  # by score
    else:
        elements = list(value or ())
    if keep_order:
        if options.descending and not isinstance(value, set):
            elements.reverse()
    else:
        elements = sorted_elements(session, elements, options)
    chosen = elements[window(len(elements), options.offset, options.count)]
    if options.gets:
        return [looked_up(session, pattern, element) for element in chosen for pattern in options.gets]
    return chosen


def sorted_elements(session: Session, elements: list[bytes], options: SortOptions) -> list[bytes]:
    """The elements in order, as numbers or (ALPHA) as strings, each by its
    own value or by the value BY finds for it. Python's sort is stable, and
    so is the merge sort of the C library Redis is built with: elements
    that compare equal keep the order they had."""
    def weight(element: bytes) -> bytes | None:
        return element if options.by is None else looked_up(session, options.by, element)

    if options.alpha:
        if options.by is None:
            key = None
        else:  # a missing weight sorts first
            def key(element: bytes) -> tuple[bool, bytes]:
                found = weight(element)
                return found is not None, found or b""
    else:  # numbers; equal ones in the order of the elements' bytes
        def key(element: bytes) -> tuple[float, bytes]:
            found = weight(element)
            return (0.0 if found is None else number(found)), element
    return sorted(elements, key=key, reverse=options.descending)


def number(text: bytes) -> float:
    """A weight as Redis reads it, with C's strtod(): up to a zero byte,
    spaces in front skipped, an empty string 0; anything else that is not a
    number from end to end, or is out of a double's range, is an error."""
    text = text.split(b"\0", 1)[0]
    if not text:
        return 0.0
    parsed = strtod(text.lstrip(b" \t\n\v\f\r"))
    if parsed is None or parsed[1]:
        raise CommandError(NOT_A_NUMBER)
    return parsed[0]


def window(length: int, offset: int, count: int) -> slice:
    """LIMIT offset count, clamped to the elements there are: a negative
    offset is 0, a negative count means every element from the offset."""
    start = min(max(offset, 0), length)
    return slice(start, length if count < 0 else min(start + count, length))


def looked_up(session: Session, pattern: bytes, element: bytes) -> bytes | None:
    """What a BY or GET pattern finds for an element: "#" is the element;
    otherwise the element replaces the pattern's first "*", and the key so
    named must hold a string, or, with "->field" after the "*", a hash with
    that field. A pattern without "*" finds nothing."""
    if pattern == b"#":
        return element
    star = pattern.find(b"*")
    if star < 0:
        return None
    arrow = pattern.find(b"->", star + 1)
    hash_field = None
    if arrow >= 0 and arrow + 2 < len(pattern):  # "user:*->" with no field is a key name
        pattern, hash_field = pattern[:arrow], pattern[arrow + 2:]
    value = session.db.get(pattern[:star] + element + pattern[star + 1:])
    if hash_field is not None:
        return value.get(hash_field) if isinstance(value, dict) else None
    return value if isinstance(value, bytes) else None
# --8<-- [end:sort]
