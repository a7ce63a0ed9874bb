"""OBJECT and MEMORY: what the server knows about one key's value, besides the value."""

from __future__ import annotations

from collections import deque

from commands.base import SYNTAX_ERROR, CommandError, Session, as_text, command, help_reply, integer_arg
from memory import key_size, lfu_decayed, lru_clock
from rdb import as_int64
from resp import OK, Reply, Verbatim
from sorted_set import SortedSet

SHARED_INTEGERS = 10000  # Redis keeps one object for each of 0..9999, shared by every key that holds it


# --8<-- [start:encoding]
def encoding_of(value: object, config: dict[str, bytes]) -> str:
    """The encoding Redis 7.0 would hold this value in, by its thresholds.
    (Redis's choice is sticky: a hash that grew past the limit stays a
    hashtable when it shrinks again; ours is read off the value as it is,
    except for sorted sets, which remember, see sorted_set.py.)"""
    if isinstance(value, bytes):
        if len(value) <= 20 and as_int64(value) is not None:
            return "int"
        return "embstr" if len(value) <= 44 else "raw"
    if isinstance(value, deque):
        return "quicklist"  # 7.0 keeps every list in a quicklist; small ones came in 7.2
    if isinstance(value, dict):
        limit = int(config["hash-max-listpack-value"])
        small = len(value) <= int(config["hash-max-listpack-entries"]) and all(
            len(field) <= limit and len(item) <= limit for field, item in value.items())
        return "listpack" if small else "hashtable"
    if isinstance(value, set):
        small = len(value) <= int(config["set-max-intset-entries"])
        return "intset" if small and all(as_int64(member) is not None for member in value) else "hashtable"
    if isinstance(value, SortedSet):
        return "listpack" if value.compact else "skiplist"
    raise TypeError(type(value).__name__)
# --8<-- [end:encoding]


def looked_up(session: Session, key: bytes) -> object | None:
    """OBJECT's lookup, as Redis's: not a use of the key (its LRU clock
    stays), but a read, which INFO counts as a keyspace hit or miss."""
    value, stats = session.db.peek(key), session.server.stats
    if value is None:
        stats.keyspace_misses += 1
    else:
        stats.keyspace_hits += 1
    return value


@command("object", -2, "", (0, 0, 0), "generic", "2.2.3", "A container for object introspection commands")
def object_(session: Session, args: list[bytes]) -> Reply:
    raise CommandError(f"ERR unknown subcommand '{as_text(args[1])}'. Try OBJECT HELP.")


@command("object|encoding", 3, "readonly", (2, 2, 1), "generic", "2.2.3",
         "Inspect the internal encoding of a Redis object", "key")
def object_encoding(session: Session, args: list[bytes]) -> Reply:
    value = looked_up(session, args[2])
    return None if value is None else encoding_of(value, session.server.config).encode()


@command("object|refcount", 3, "readonly", (2, 2, 1), "generic", "2.2.3",
         "Get the number of references to the value of the key", "key")
def object_refcount(session: Session, args: list[bytes]) -> Reply:
    value = looked_up(session, args[2])
    if value is None:
        return None
    # Small integers are shared objects, which Redis marks as never freed:
    # unless an LRU or LFU policy needs each key's own clock.
    policy = session.server.config["maxmemory-policy"]
    shared = isinstance(value, bytes) and (number := as_int64(value)) is not None and 0 <= number < SHARED_INTEGERS
    if shared and not (int(session.server.config["maxmemory"]) and (policy.endswith(b"lru") or policy.endswith(b"lfu"))):
        return 2**31 - 1
    return 1


LFU_SWITCHING = ("Please note that when switching between policies at runtime LRU and LFU data will take some "
                 "time to adjust.")


@command("object|idletime", 3, "readonly", (2, 2, 1), "generic", "2.2.3",
         "Get the time since a Redis object was last accessed", "key")
def object_idletime(session: Session, args: list[bytes]) -> Reply:
    value = looked_up(session, args[2])
    if value is None:
        return None
    if session.server.config["maxmemory-policy"].endswith(b"lfu"):
        raise CommandError(f"ERR An LFU maxmemory policy is selected, idle time not tracked. {LFU_SWITCHING}")
    now = lru_clock()
    return (now - session.db.access.get(args[2], now)) & 0xFFFFFF


@command("object|freq", 3, "readonly", (2, 2, 1), "generic", "4.0.0",
         "Get the logarithmic access frequency counter of a Redis object", "key")
def object_freq(session: Session, args: list[bytes]) -> Reply:
    value = looked_up(session, args[2])
    if value is None:
        return None
    if not session.server.config["maxmemory-policy"].endswith(b"lfu"):
        raise CommandError(f"ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
                           f"{LFU_SWITCHING}")
    return lfu_decayed(session.db.access.get(args[2], 0), int(session.server.config["lfu-decay-time"]))


@command("object|help", 2, "loading stale", (0, 0, 0), "generic", "6.2.0",
         "Show helpful text about the different subcommands")
def object_help(session: Session, args: list[bytes]) -> Reply:
    return help_reply("OBJECT", [
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
    ])


@command("memory", -2, "", (0, 0, 0), "server", "4.0.0", "A container for memory diagnostics commands")
def memory(session: Session, args: list[bytes]) -> Reply:
    raise CommandError(f"ERR unknown subcommand '{as_text(args[1])}'. Try MEMORY HELP.")


@command("memory|usage", -3, "readonly", (2, 2, 1), "server", "4.0.0", "Estimate the memory usage of a key",
         "key [SAMPLES count]")
def memory_usage(session: Session, args: list[bytes]) -> Reply:
    """Our estimate (memory.py): bytes our Python objects take for the key,
    a collection judged by a sample of its elements (SAMPLES, 5 by default,
    0 for all of them), as Redis estimates its own."""
    samples = 5
    if len(args) == 5 and args[3].upper() == b"SAMPLES":
        samples = integer_arg(args[4])
    elif len(args) != 3:
        raise CommandError(SYNTAX_ERROR)
    value = session.db.peek(args[2])  # neither a use of the key nor a read INFO counts
    return None if value is None else key_size(args[2], value, samples)


@command("memory|doctor", 2, "", (0, 0, 0), "server", "4.0.0", "Outputs memory problems report")
def memory_doctor(session: Session, args: list[bytes]) -> Reply:
    return Verbatim("Hi Sam, this server estimates its memory rather than measuring it (see MEMORY USAGE); "
                    "it has no allocator of its own to diagnose.\n")


@command("memory|purge", 2, "", (0, 0, 0), "server", "4.0.0", "Ask the allocator to release memory")
def memory_purge(session: Session, args: list[bytes]) -> Reply:
    return OK  # Python's allocator gives memory back by itself, when it can


@command("memory|malloc-stats", 2, "", (0, 0, 0), "server", "4.0.0", "Show allocator internal stats")
def memory_malloc_stats(session: Session, args: list[bytes]) -> Reply:
    return Verbatim("Stats not supported for the current allocator")


@command("memory|help", 2, "loading stale", (0, 0, 0), "server", "4.0.0",
         "Show helpful text about the different subcommands")
def memory_help(session: Session, args: list[bytes]) -> Reply:
    return help_reply("MEMORY", [
        "DOCTOR",
        "    Return memory problems reports.",
        "MALLOC-STATS",
        "    Return internal statistics report from the memory allocator.",
        "PURGE",
        "    Attempt to purge dirty pages for reclamation by the allocator.",
        "USAGE <key> [SAMPLES <count>]",
        "    Return memory in bytes used by <key> and its value. Nested values are",
        "    sampled up to <count> times (default: 5, 0 means sample all).",
    ])
