"""How Redis 7.0 would hold each value in memory: what OBJECT ENCODING says.

We keep every value in one Python type per Redis type (commands/base.py's
TYPE_NAMES), but Redis picks between a compact encoding for small values and
a general one for big ones, and a client can see which: OBJECT ENCODING, the
RDB file (step 17), and the order HSCAN and ZSCAN return things in.

    string  int (a 64-bit integer, up to 20 characters), embstr (up to 44
            bytes, in one allocation with its header), raw (the rest)
    list    quicklist (7.0 has no other: a list of listpacks)
    hash    listpack while at most hash-max-listpack-entries fields, none
            longer than hash-max-listpack-value bytes; then hashtable
    set     intset while every member is an integer and there are at most
            set-max-intset-entries; then hashtable (7.2 adds listpack)
    zset    listpack while at most zset-max-listpack-entries members, none
            longer than zset-max-listpack-value; then skiplist

A conversion is for good: a hash that became a hashtable stays one when it
shrinks again, until the key gets a new value (SET, DEL and HSET, the result
of SINTERSTORE, ...). So the encoding depends on a value's history, which
the database remembers (`converted`, see outgrows() and memory.py).
"""

from __future__ import annotations

from collections import deque

from resp import parse_int64
from sorted_set import SortedSet

EMBSTR_MAX = 44  # OBJ_ENCODING_EMBSTR_SIZE_LIMIT: header and string fit a 64-byte allocation
# Events that leave a string in the raw encoding, however short: Redis turns
# the string into a plain buffer it can grow or change in place.
RAW_STRING_EVENTS = {"append", "setrange", "setbit"}


# --8<-- [start:encoding_of]
def encoding_of(value: object, config: dict[str, bytes], converted: bool = False) -> str:
    """The encoding Redis 7.0 would hold `value` in. `converted`: the value
    outgrew its compact encoding at some point (see outgrows())."""
    if isinstance(value, bytes):
        if converted:
            return "raw"
        if len(value) <= 20 and parse_int64(value) is not None:
            return "int"
        return "embstr" if len(value) <= EMBSTR_MAX else "raw"
    if isinstance(value, deque):
        return "quicklist"
    if isinstance(value, dict):
        return "hashtable" if converted or outgrows(value, config) else "listpack"
    if isinstance(value, set):
        return "hashtable" if converted or outgrows(value, config) else "intset"
    if isinstance(value, SortedSet):
        # SortedSet keeps its own flag, for ZSCAN (with the default limits).
        return "skiplist" if converted or not value.compact or outgrows(value, config) else "listpack"
    raise TypeError(f"no encoding for {type(value).__name__}")


def outgrows(value: object, config: dict[str, bytes]) -> bool:
    """Whether a collection is too big for its compact encoding now. The
    element lengths are only looked at while the count is within the limit,
    so this costs at most a pass over a small collection."""
    if isinstance(value, dict):
        limit = int(config["hash-max-listpack-value"])
        return len(value) > int(config["hash-max-listpack-entries"]) or any(
            len(field) > limit or len(item) > limit for field, item in value.items())
    if isinstance(value, set):
        return len(value) > int(config["set-max-intset-entries"]) or any(
            parse_int64(member) is None for member in value)
    if isinstance(value, SortedSet):
        limit = int(config["zset-max-listpack-value"])
        return len(value) > int(config["zset-max-listpack-entries"]) or any(
            len(member) > limit for member, _score in value)
    return False  # strings and lists: no conversion to watch for
# --8<-- [end:encoding_of]


def converts(value: object, event: str, config: dict[str, bytes]) -> bool:
    """Whether this change moved the value to its general encoding for good:
    a string that was appended to or changed in place, or a collection that
    grew past its compact encoding's limits."""
    if isinstance(value, bytes):
        return event in RAW_STRING_EVENTS
    return not isinstance(value, deque) and outgrows(value, config)
