"""CONFIG: the server's parameters, with Redis's names, value formats and checks.

Redis 7.0 has 173 parameters that CONFIG GET * lists, and 19 older names
for some of them (slave-read-only for replica-read-only, ...), 192 names in
all. Most have no effect here yet: there is no persistence, replication,
eviction or cluster, and our data types have no compact encodings to switch
between. They are all known all the same, with Redis's defaults and checks,
because clients, tools and test suites read and set them (redis-benchmark
asks for save and appendonly, Redis's own tests set the encoding
thresholds). A later step that gives one an effect reads it from
ServerState.config.

Each parameter has a kind, which says what CONFIG SET accepts and how CONFIG
GET prints it. A kind is a checker: a function that takes the value asked
for and the parameter's current value, and returns the value as CONFIG GET
will print it, or raises ValueError with Redis's message.
"""

from __future__ import annotations

import functools
import os
import re
from typing import Callable

from commands.base import (INT64_MAX, INT64_MIN, SYNTAX_ERROR, CommandError, Session, as_text, command,
                           help_reply)
from commands.sorted_sets import strtod
from glob_match import glob_match
from resp import OK, Map, Reply, parse_int64

INT_MIN, INT_MAX = -(2**31), 2**31 - 1  # the bounds of a C int, which most parameters are
UINT_MAX, ULLONG_MAX = 2**32 - 1, 2**64 - 1

Check = Callable[[bytes, bytes], bytes]
# Instead of a checker: parameters CONFIG SET refuses. Immutable ones are fixed
# when the server starts. Protected ones (dir, dbfilename) could make the
# server write files anywhere; Redis lets CONFIG SET change them only if
# enable-protected-configs says so, and it is "no", itself immutable.
IMMUTABLE, PROTECTED = "immutable", "protected"


# --8<-- [start:kinds]
def yes_no(value: bytes, _current: bytes) -> bytes:
    if value.lower() not in (b"yes", b"no"):
        raise ValueError("argument must be 'yes' or 'no'")
    return value.lower()


def text(value: bytes, _current: bytes) -> bytes:
    """Any string: a password, a file name, an address."""
    return value


def integer(low: int, high: int) -> Check:
    """A whole number from `low` to `high`, written as Redis writes numbers:
    "05", "+5", "5.0" and "1k" are not integers."""

    def check(value: bytes, _current: bytes) -> bytes:
        number = parse_int64(value)
        if number is None:
            raise ValueError("argument couldn't be parsed into an integer")
        return in_range(number, low, high)

    return check


def in_range(number: int, low: int, high: int) -> bytes:
    if not low <= number <= high:
        raise ValueError(f"argument must be between {low} and {high} inclusive")
    return b"%d" % number


MEMORY_UNITS = {b"": 1, b"b": 1, b"k": 1000, b"kb": 1024, b"m": 1000**2, b"mb": 1024**2,
                b"g": 1000**3, b"gb": 1024**3}
MEMORY = re.compile(rb"([0-9]{0,127})(|b|k|kb|m|mb|g|gb)", re.IGNORECASE)


def parse_memory(value: bytes) -> int | None:
    """A number of bytes, maybe with a unit: "64mb" is 64 * 1024**2, "64m" is
    64 * 1000**2. Redis reads the digits with strtoull(), so no digits at all
    ("" or "mb") is 0, leading zeros are fine, and too many digits make
    2**64 - 1 rather than an error; a sign or a space is not allowed."""
    match = MEMORY.fullmatch(value)
    if match is None:
        return None
    return min(int(match[1] or 0), ULLONG_MAX) * MEMORY_UNITS[match[2].lower()]


def memory(low: int, high: int) -> Check:
    """A size in bytes, from `low` to `high`. CONFIG SET takes units; CONFIG
    GET prints the plain number of bytes."""

    def check(value: bytes, _current: bytes) -> bytes:
        number = parse_memory(value)
        if number is None:
            raise ValueError("argument must be a memory value")
        return in_range(number, low, high)

    return check


def memory_or_percent(value: bytes, _current: bytes) -> bytes:
    """maxmemory-clients: bytes, or a percentage of maxmemory ("10%")."""
    number = parse_memory(value)
    if number is not None:
        # Redis keeps a percentage as a negative number, hence its lower bound.
        return in_range(number, -100, INT64_MAX)
    percentage = parse_int64(value[:-1]) if value.endswith(b"%") else None
    if percentage is None or percentage < 0:
        raise ValueError("argument must be a memory or percent value")
    if percentage > 100:
        raise ValueError("percentage argument must be less or equal to 100")
    return b"%d%%" % percentage if percentage else b"0"


def one_of(*names: str, shown_as: dict[str, str] | None = None) -> Check:
    """One of `names`, in any case, printed in lowercase (or as `shown_as`
    says, for a name that is another's synonym)."""
    choices = {name.encode(): (shown_as or {}).get(name, name).encode() for name in names}
    message = "argument(s) must be one of the following: " + ", ".join(names)

    def check(value: bytes, _current: bytes) -> bytes:
        if value.lower() not in choices:
            raise ValueError(message)
        return choices[value.lower()]

    return check


SHUTDOWN_FLAG = one_of("default", "save", "nosave", "now", "force")


def shutdown_flags(value: bytes, current: bytes) -> bytes:
    """shutdown-on-sigint and -sigterm: the SHUTDOWN flags a signal means, as
    space-separated words. They print in this order; none at all is "default"."""
    flags = [SHUTDOWN_FLAG(word, current) for word in value.split(b" ")]
    if b"save" in flags and b"nosave" in flags:
        raise ValueError("shutdown options SAVE and NOSAVE can't be used simultaneously")
    return b" ".join(flag for flag in (b"save", b"nosave", b"now", b"force") if flag in flags) or b"default"


def strtoll(word: bytes) -> int | None:
    """A number read the way C's strtoll() reads a whole word, as the older
    parsers of save, client-output-buffer-limit and oom-score-adj-values do:
    a sign and leading zeros are fine, and an empty word is 0."""
    if word and re.fullmatch(rb"[\t\n\v\f\r ]*[+-]?[0-9]+", word) is None:
        return None
    return max(min(int(word or 0), INT64_MAX), INT64_MIN)  # strtoll() saturates


def save_points(value: bytes, _current: bytes) -> bytes:
    """save: "" (never save) or pairs "<seconds> <changes>": save after that
    many seconds if at least that many writes happened (persistence.py)."""
    if not value:
        return b""
    numbers = [strtoll(word) for word in value.split(b" ")]
    if len(numbers) % 2 or any(number is None or number < (1 if i % 2 == 0 else 0)
                               for i, number in enumerate(numbers)):
        raise ValueError("Invalid save parameters")
    return b" ".join(b"%d" % number for number in numbers)


# --8<-- [start:output_limits]
CLIENT_CLASSES = {b"normal": b"normal", b"replica": b"slave", b"slave": b"slave", b"pubsub": b"pubsub"}


def client_output_buffer_limit(value: bytes, current: bytes) -> bytes:
    """Groups of "<class> <hard limit> <soft limit> <soft seconds>": how much
    output a kind of client may have waiting. The classes not named keep
    their limits; CONFIG GET prints all three."""
    words = value.split(b" ") if value else []
    if len(words) % 4:
        raise ValueError("Wrong number of arguments in buffer limit configuration.")
    limits = dict(output_limits(current))
    for i in range(0, len(words), 4):
        client_class = CLIENT_CLASSES.get(words[i].lower())
        if client_class is None:  # "master" is a class too, but has no limits
            raise ValueError("Invalid client class specified in buffer limit configuration.")
        hard, soft, seconds = parse_memory(words[i + 1]), parse_memory(words[i + 2]), strtoll(words[i + 3])
        if hard is None or soft is None or seconds is None or seconds < 0:
            raise ValueError("Error in hard, soft or soft_seconds setting in buffer limit configuration.")
        limits[client_class] = (hard, soft, seconds)
    return b" ".join(b"%b %d %d %d" % (name, *numbers) for name, numbers in limits.items())


@functools.lru_cache(maxsize=1)  # read at every push: parsed once per value, not once per message
def output_limits(value: bytes) -> dict[bytes, tuple[int, int, int]]:
    """client-output-buffer-limit as CONFIG GET prints it, read back:
    class -> (hard limit, soft limit, soft seconds)."""
    fields = value.split(b" ")
    return {fields[i]: (int(fields[i + 1]), int(fields[i + 2]), int(fields[i + 3]))
            for i in range(0, len(fields), 4)}
# --8<-- [end:output_limits]


def oom_score_adj_values(value: bytes, _current: bytes) -> bytes:
    """Three numbers for the kernel's OOM killer: for a primary, a replica
    and a background child process."""
    numbers = [strtoll(word) for word in value.split(b" ")] if value else []
    if len(numbers) != 3:
        raise ValueError("wrong number of arguments")
    if any(number is None or not -2000 <= number <= 2000 for number in numbers):
        raise ValueError("Invalid oom-score-adj-values, elements must be between -2000 and 2000.")
    return b" ".join(b"%d" % number for number in numbers)


# What notify-keyspace-events can ask for: events about these types of key
# (g generic, $ string, l list, s set, h hash, z sorted set, x expired,
# e evicted, t stream, d module, n new key), sent on channels named after the
# key (K) or the event (E), and m for key misses. "A" is all the types but n.
# CONFIG GET prints the letters in this order.
EVENT_TYPES, ALL_EVENT_TYPES, EVENT_CHANNELS = "g$lshzxetdn", "g$lshzxetd", "KEm"


def keyspace_events(value: bytes, _current: bytes) -> bytes:
    """Kept as every letter that is on, "A" spelled out, for the keyspace
    notifications (commands/pubsub.py) to look a class up in."""
    letters = set(value.decode("latin-1").replace("A", ALL_EVENT_TYPES))
    if not letters <= set(EVENT_TYPES + EVENT_CHANNELS):
        raise ValueError("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")
    return "".join(c for c in EVENT_TYPES + EVENT_CHANNELS if c in letters).encode()


def shown_keyspace_events(value: bytes) -> bytes:
    """notify-keyspace-events as CONFIG GET prints it. With all of A's types
    on, Redis prints "A" alone, even if n is on too (and it still is)."""
    letters = value.decode()
    types = "".join(c for c in letters if c in EVENT_TYPES)
    if set(ALL_EVENT_TYPES) <= set(types):
        types = "A"
    return (types + "".join(c for c in letters if c in EVENT_CHANNELS)).encode()


def bind_addresses(value: bytes, _current: bytes) -> bytes:
    """bind: the addresses to listen on, space-separated; "" for none."""
    if len(value.split(b" ")) > 16:
        raise ValueError("Too many bind addresses specified.")
    return value


def percentiles(value: bytes, _current: bytes) -> bytes:
    """latency-tracking-info-percentiles: numbers from 0 to 100, for INFO
    latencystats. CONFIG GET prints them with at most 6 decimals."""
    shown = []
    for word in value.split(b" ") if value else []:
        parsed = strtod(word)
        if parsed is None or parsed[1]:  # not a number, or out of a double's range
            raise ValueError("Invalid latency-tracking-info-percentiles parameters")
        if not 0 <= parsed[0] <= 100:
            raise ValueError("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]")
        shown.append((b"%f" % parsed[0]).rstrip(b"0").rstrip(b"."))  # C's "%f", trailing zeros trimmed
    return b" ".join(shown)


def hostname(value: bytes, _current: bytes) -> bytes:
    if len(value) >= 256:
        raise ValueError("Hostnames must be less than 256 characters")
    if re.fullmatch(rb"[A-Za-z0-9.-]*", value) is None:
        raise ValueError("Hostnames may only contain alphanumeric characters, hyphens or dots")
    return value


# The variables of proc-title-template, with what they stand for when Redis
# checks a template: it fills it in for an empty process title, and refuses
# one that uses an unknown variable, leaves a "{" open, or comes out blank.
PROC_TITLE_VARIABLES = {b"title": b"", b"listen-addr": b"*:6379", b"server-mode": b"", b"port": b"6379",
                        b"tls-port": b"0", b"unixsocket": b"", b"config-file": b"-"}


def proc_title_template(value: bytes, _current: bytes) -> bytes:
    parts = re.split(rb"(\{\{|\{[^}]*}|\{)", value)  # text, variable, text, ...; "{{" is a "{"
    for i in range(1, len(parts), 2):
        parts[i] = b"{" if parts[i] == b"{{" else PROC_TITLE_VARIABLES.get(parts[i][1:-1])
    if None in parts or not b"".join(parts).strip(b" "):
        raise ValueError("template format is invalid or contains unknown variables")
    return value


def clamped(check: Check, low: int, high: int) -> Check:
    """`check`'s numbers, then brought into low..high: Redis takes any value in
    bounds, then puts one it finds unreasonable to the nearest it allows."""

    def check_and_clamp(value: bytes, current: bytes) -> bytes:
        return b"%d" % min(max(int(check(value, current)), low), high)

    return check_and_clamp


def off_only(check: Check, message: str) -> Check:
    """A switch that this server cannot turn on: `check`'s values, but only
    "no" or "0". Redis refuses to turn these on in the same circumstances."""

    def check_off(value: bytes, current: bytes) -> bytes:
        value = check(value, current)
        if value not in (b"no", b"0"):
            raise ValueError(message)
        return value

    return check_off


# Debian's Redis, built with the system's allocator, cannot defragment memory;
# we have no allocator of our own to defragment either.
NO_DEFRAG = ("Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified "
             "Jemalloc like the one shipped by default with the Redis source distribution")
# Redis without a certificate to use cannot start TLS; we have no TLS at all.
NO_TLS = "Unable to update TLS configuration. Check server logs."
# --8<-- [end:kinds]


# --8<-- [start:table]
# Every parameter: its default as CONFIG GET prints it, and its kind.
PARAMETERS: dict[str, tuple[str, Check | str]] = {
    # yes or no
    "activedefrag":                        ("no", off_only(yes_no, NO_DEFRAG)),
    "activerehashing":                     ("yes", yes_no),
    "always-show-logo":                    ("no", IMMUTABLE),
    "aof-disable-auto-gc":                 ("no", yes_no),
    "aof-load-truncated":                  ("yes", yes_no),
    "aof-rewrite-incremental-fsync":       ("yes", yes_no),
    "aof-timestamp-enabled":               ("no", yes_no),
    "aof-use-rdb-preamble":                ("yes", yes_no),
    "appendonly":                          ("no", yes_no),
    "cluster-allow-pubsubshard-when-down": ("yes", yes_no),
    "cluster-allow-reads-when-down":       ("no", yes_no),
    "cluster-allow-replica-migration":     ("yes", yes_no),
    "cluster-enabled":                     ("no", IMMUTABLE),
    "cluster-replica-no-failover":         ("no", yes_no),
    "cluster-require-full-coverage":       ("yes", yes_no),
    "crash-log-enabled":                   ("yes", yes_no),
    "crash-memcheck-enabled":              ("yes", yes_no),
    "daemonize":                           ("no", IMMUTABLE),
    "disable-thp":                         ("yes", IMMUTABLE),
    "dynamic-hz":                          ("yes", yes_no),
    "io-threads-do-reads":                 ("no", IMMUTABLE),
    "jemalloc-bg-thread":                  ("yes", yes_no),
    "latency-tracking":                    ("yes", yes_no),
    "lazyfree-lazy-eviction":              ("no", yes_no),
    "lazyfree-lazy-expire":                ("no", yes_no),
    "lazyfree-lazy-server-del":            ("no", yes_no),
    "lazyfree-lazy-user-del":              ("no", yes_no),
    "lazyfree-lazy-user-flush":            ("no", yes_no),
    "no-appendfsync-on-rewrite":           ("no", yes_no),
    "protected-mode":                      ("yes", yes_no),
    "rdb-del-sync-files":                  ("no", yes_no),
    "rdb-save-incremental-fsync":          ("yes", yes_no),
    "rdbchecksum":                         ("yes", IMMUTABLE),
    "rdbcompression":                      ("yes", yes_no),
    "repl-disable-tcp-nodelay":            ("no", yes_no),
    "repl-diskless-sync":                  ("yes", yes_no),
    "replica-announced":                   ("yes", yes_no),
    "replica-ignore-disk-write-errors":    ("no", yes_no),
    "replica-ignore-maxmemory":            ("yes", yes_no),
    "replica-lazy-flush":                  ("no", yes_no),
    "replica-read-only":                   ("yes", yes_no),
    "replica-serve-stale-data":            ("yes", yes_no),
    "set-proc-title":                      ("yes", IMMUTABLE),
    "stop-writes-on-bgsave-error":         ("yes", yes_no),
    "syslog-enabled":                      ("no", IMMUTABLE),
    "tls-cluster":                         ("no", off_only(yes_no, NO_TLS)),
    "tls-prefer-server-ciphers":           ("no", yes_no),
    "tls-replication":                     ("no", off_only(yes_no, NO_TLS)),
    "tls-session-caching":                 ("yes", yes_no),
    # integers, with Redis's bounds
    "acllog-max-len":                      ("128", integer(0, INT64_MAX)),
    "active-defrag-cycle-max":             ("25", integer(1, 99)),
    "active-defrag-cycle-min":             ("1", integer(1, 99)),
    "active-defrag-max-scan-fields":       ("1000", integer(1, INT64_MAX)),
    "active-defrag-threshold-lower":       ("10", integer(0, 1000)),
    "active-defrag-threshold-upper":       ("100", integer(0, 1000)),
    "active-expire-effort":                ("1", integer(1, 10)),
    "auto-aof-rewrite-percentage":         ("100", integer(0, INT_MAX)),
    "busy-reply-threshold":                ("5000", integer(0, INT64_MAX)),
    "cluster-announce-bus-port":           ("0", integer(0, 65535)),
    "cluster-announce-port":               ("0", integer(0, 65535)),
    "cluster-announce-tls-port":           ("0", integer(0, 65535)),
    "cluster-migration-barrier":           ("1", integer(0, INT_MAX)),
    "cluster-node-timeout":                ("15000", integer(0, INT64_MAX)),
    "cluster-port":                        ("0", IMMUTABLE),
    "cluster-replica-validity-factor":     ("10", integer(0, INT_MAX)),
    "databases":                           ("16", IMMUTABLE),
    "hash-max-listpack-entries":           ("512", integer(0, INT64_MAX)),
    "hz":                                  ("10", clamped(integer(0, INT_MAX), 1, 500)),  # cron runs per second
    "io-threads":                          ("1", IMMUTABLE),
    "latency-monitor-threshold":           ("0", integer(0, INT64_MAX)),
    "lfu-decay-time":                      ("1", integer(0, INT_MAX)),
    "lfu-log-factor":                      ("10", integer(0, INT_MAX)),
    "list-compress-depth":                 ("0", integer(0, INT_MAX)),
    "list-max-listpack-size":              ("-2", integer(INT_MIN, INT_MAX)),
    "maxclients":                          ("10000", integer(1, UINT_MAX)),
    "maxmemory-eviction-tenacity":         ("10", integer(0, 100)),
    "maxmemory-samples":                   ("5", integer(1, INT_MAX)),
    "min-replicas-max-lag":                ("10", integer(0, INT_MAX)),
    "min-replicas-to-write":               ("0", integer(0, INT_MAX)),
    "port":                                ("6379", integer(0, 65535)),  # server.py puts in the real one
    "repl-backlog-ttl":                    ("3600", integer(0, INT64_MAX)),
    "repl-diskless-sync-delay":            ("5", integer(0, INT_MAX)),
    "repl-diskless-sync-max-replicas":     ("0", integer(0, INT_MAX)),
    "repl-ping-replica-period":            ("10", integer(1, INT_MAX)),
    "repl-timeout":                        ("60", integer(1, INT_MAX)),
    "replica-announce-port":               ("0", integer(0, 65535)),
    "replica-priority":                    ("100", integer(0, INT_MAX)),
    "set-max-intset-entries":              ("512", integer(0, INT64_MAX)),
    "shutdown-timeout":                    ("10", integer(0, INT_MAX)),
    "slowlog-log-slower-than":             ("10000", integer(-1, INT64_MAX)),
    "slowlog-max-len":                     ("128", integer(0, INT64_MAX)),
    "socket-mark-id":                      ("0", IMMUTABLE),
    "stream-node-max-entries":             ("100", integer(0, INT64_MAX)),
    "tcp-backlog":                         ("511", IMMUTABLE),
    "tcp-keepalive":                       ("300", integer(0, INT_MAX)),
    "timeout":                             ("0", integer(0, INT_MAX)),
    "tls-port":                            ("0", off_only(integer(0, 65535), NO_TLS)),
    "tls-session-cache-size":              ("20480", integer(0, INT_MAX)),
    "tls-session-cache-timeout":           ("300", integer(0, INT_MAX)),
    "tracking-table-max-keys":             ("1000000", integer(0, INT64_MAX)),
    "unixsocketperm":                      ("0", IMMUTABLE),  # in octal
    "zset-max-listpack-entries":           ("128", integer(0, INT64_MAX)),
    # sizes in bytes
    "active-defrag-ignore-bytes":          ("104857600", memory(1, INT64_MAX)),
    "auto-aof-rewrite-min-size":           ("67108864", memory(0, INT64_MAX)),
    "client-query-buffer-limit":           ("1073741824", memory(1024**2, INT64_MAX)),
    "cluster-link-sendbuf-limit":          ("0", memory(0, ULLONG_MAX)),
    "hash-max-listpack-value":             ("64", memory(0, INT64_MAX)),
    "hll-sparse-max-bytes":                ("3000", memory(0, INT64_MAX)),
    "maxmemory":                           ("0", memory(0, ULLONG_MAX)),  # 0: no limit
    "maxmemory-clients":                   ("0", memory_or_percent),
    "proto-max-bulk-len":                  ("536870912", memory(1024**2, INT64_MAX)),
    "repl-backlog-size":                   ("1048576", clamped(memory(1, INT64_MAX), 16 * 1024, INT64_MAX)),
    "stream-node-max-bytes":               ("4096", memory(0, INT64_MAX)),
    "zset-max-listpack-value":             ("64", memory(0, INT64_MAX)),
    # one of a few words
    "acl-pubsub-default":                  ("resetchannels", one_of("allchannels", "resetchannels")),
    "appendfsync":                         ("everysec", one_of("everysec", "always", "no")),
    "cluster-preferred-endpoint-type":     ("ip", one_of("ip", "hostname", "unknown-endpoint")),
    # Redis's default is "no", which refuses DEBUG; ours always runs it.
    "enable-debug-command":                ("yes", IMMUTABLE),
    "enable-module-command":               ("no", IMMUTABLE),
    "enable-protected-configs":            ("no", IMMUTABLE),
    "loglevel":                            ("notice", one_of("debug", "verbose", "notice", "warning")),
    "maxmemory-policy":                    ("noeviction", one_of(
        "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
        "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction")),
    "oom-score-adj":                       ("no", one_of("no", "yes", "relative", "absolute",
                                                         shown_as={"relative": "yes"})),
    "propagation-error-behavior":          ("ignore", one_of("ignore", "panic", "panic-on-replicas")),
    "repl-diskless-load":                  ("disabled", one_of("disabled", "on-empty-db", "swapdb")),
    "sanitize-dump-payload":               ("no", one_of("no", "yes", "clients")),
    "shutdown-on-sigint":                  ("default", shutdown_flags),
    "shutdown-on-sigterm":                 ("default", shutdown_flags),
    "supervised":                          ("no", IMMUTABLE),
    "syslog-facility":                     ("local0", IMMUTABLE),
    "tls-auth-clients":                    ("yes", one_of("no", "yes", "optional")),
    # strings
    "aclfile":                             ("", IMMUTABLE),
    "aof_rewrite_cpulist":                 ("", IMMUTABLE),
    "appenddirname":                       ("appendonlydir", IMMUTABLE),
    "appendfilename":                      ("appendonly.aof", IMMUTABLE),
    "bgsave_cpulist":                      ("", IMMUTABLE),
    "bind-source-addr":                    ("", text),
    "bio_cpulist":                         ("", IMMUTABLE),
    "cluster-announce-hostname":           ("", hostname),
    "cluster-announce-ip":                 ("", text),
    "cluster-config-file":                 ("nodes.conf", IMMUTABLE),
    "dbfilename":                          ("dump.rdb", PROTECTED),
    "dir":                                 (os.getcwd(), PROTECTED),  # the server's working directory
    "ignore-warnings":                     ("", text),
    "logfile":                             ("", IMMUTABLE),  # "": standard output
    "masterauth":                          ("", text),
    "masteruser":                          ("", text),
    "pidfile":                             ("", IMMUTABLE),
    "proc-title-template":                 ("{title} {listen-addr} {server-mode}", proc_title_template),
    "replica-announce-ip":                 ("", text),
    "requirepass":                         ("", text),  # "": no password, AUTH is not needed
    "server_cpulist":                      ("", IMMUTABLE),
    "syslog-ident":                        ("redis", IMMUTABLE),
    "tls-ca-cert-dir":                     ("", text),
    "tls-ca-cert-file":                    ("", text),
    "tls-cert-file":                       ("", text),
    "tls-ciphers":                         ("", text),
    "tls-ciphersuites":                    ("", text),
    "tls-client-cert-file":                ("", text),
    "tls-client-key-file":                 ("", text),
    "tls-client-key-file-pass":            ("", text),
    "tls-dh-params-file":                  ("", text),
    "tls-key-file":                        ("", text),
    "tls-key-file-pass":                   ("", text),
    "tls-protocols":                       ("", text),
    "unixsocket":                          ("", IMMUTABLE),
    # formats of their own
    "bind":                                ("* -::*", bind_addresses),  # server.py puts in its address
    "client-output-buffer-limit":          ("normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
                                            client_output_buffer_limit),
    "latency-tracking-info-percentiles":   ("50 99 99.9", percentiles),
    "notify-keyspace-events":              ("", keyspace_events),  # "": no notifications
    "oom-score-adj-values":                ("0 200 800", oom_score_adj_values),
    "replicaof":                           ("", IMMUTABLE),  # "": this server is a primary
    # After an hour if a key changed, after 5 minutes if 100 did, after a minute if 10000 did.
    "save":                                ("3600 1 300 100 60 10000", save_points),
}

# Older names that CONFIG GET and SET still answer to, and CONFIG GET * lists:
# "slave" became "replica" in Redis 5, "ziplist" became "listpack" in 7.
ALIASES = {
    "cluster-slave-no-failover": "cluster-replica-no-failover",
    "cluster-slave-validity-factor": "cluster-replica-validity-factor",
    "hash-max-ziplist-entries": "hash-max-listpack-entries",
    "hash-max-ziplist-value": "hash-max-listpack-value",
    "list-max-ziplist-size": "list-max-listpack-size",
    "lua-time-limit": "busy-reply-threshold",
    "min-slaves-max-lag": "min-replicas-max-lag",
    "min-slaves-to-write": "min-replicas-to-write",
    "repl-ping-slave-period": "repl-ping-replica-period",
    "slave-announce-ip": "replica-announce-ip",
    "slave-announce-port": "replica-announce-port",
    "slave-ignore-maxmemory": "replica-ignore-maxmemory",
    "slave-lazy-flush": "replica-lazy-flush",
    "slave-priority": "replica-priority",
    "slave-read-only": "replica-read-only",
    "slave-serve-stale-data": "replica-serve-stale-data",
    "slaveof": "replicaof",
    "zset-max-ziplist-entries": "zset-max-listpack-entries",
    "zset-max-ziplist-value": "zset-max-listpack-value",
}
# Every name CONFIG knows, and the parameter it stands for.
PARAMETER_OF = {name: name for name in PARAMETERS} | ALIASES
# Parameters whose value holds more than CONFIG GET prints, and how it prints them.
SHOWN = {"notify-keyspace-events": shown_keyspace_events}

# What ServerState.config starts as: each parameter's value as CONFIG GET
# prints it. (os.fsencode: dir is spelled as the file system spells it.)
DEFAULT_CONFIG = {name: os.fsencode(default) for name, (default, _kind) in PARAMETERS.items()}
# --8<-- [end:table]


# --8<-- [start:command_line]
class ConfigError(Exception):
    """A parameter on the command line that is unknown or has a bad value."""


def startup_config(words: list[str]) -> dict[str, bytes]:
    """The config a server starts with: Redis's defaults, changed by the
    command line's `--name value` pairs, as redis-server takes them. A value
    may be several words (--save 60 1000) or none (--save ""). Immutable and
    protected parameters can be set here: this is when they are fixed. Each
    `--save` adds save points, as each save line of redis.conf does, and an
    empty one clears them."""
    config = dict(DEFAULT_CONFIG)
    saves: list[bytes] = []
    options: list[list[str]] = []
    for word in words:
        if word.startswith("--"):
            options.append([word[2:]])
        elif options:
            options[-1].append(word)
        else:
            raise ConfigError(f"'{word}': options are --name value")
    for name, *values in options:
        parameter = PARAMETER_OF.get(name.lower())
        if parameter is None:
            raise ConfigError(f"Bad directive or wrong number of arguments: '{name}'")
        value = os.fsencode(" ".join(values))
        if parameter == "save":
            saves = [] if not value else saves + [value]
            value = b" ".join(saves)
        kind = PARAMETERS[parameter][1]
        try:
            config[parameter] = value if isinstance(kind, str) else kind(value, config[parameter])
        except ValueError as error:
            raise ConfigError(f"'{name} {' '.join(values)}': {error}") from None
    return config
# --8<-- [end:command_line]


# --8<-- [start:config]
@command("config", -2, "", (0, 0, 0), "server", "2.0.0", "A container for server configuration commands")
def config(session: Session, args: list[bytes]) -> Reply:
    raise CommandError(f"ERR unknown subcommand '{as_text(args[1])}'. Try CONFIG HELP.")


def name_of(arg: bytes) -> str:
    """A parameter name as typed, in lowercase: the key it has in PARAMETER_OF
    if it is one. (Only ASCII letters change case, as in Redis.)"""
    return arg.lower().decode("latin-1")


@command("config|get", -3, "admin noscript loading stale", (0, 0, 0), "server", "2.0.0",
         "Get the values of configuration parameters", "parameter [parameter ...]")
def config_get(session: Session, args: list[bytes]) -> Reply:
    # Each parameter is listed once, under the first name that asked for it:
    # a plain name is replied as it was typed, a pattern's matches in lowercase.
    found: dict[str, bytes] = {}
    for pattern in args[2:]:
        if any(char in pattern for char in b"*?["):
            found |= {name: name.encode() for name in PARAMETER_OF
                      if name not in found and glob_match(pattern, name.encode(), nocase=True)}
        elif name_of(pattern) in PARAMETER_OF and name_of(pattern) not in found:
            found[name_of(pattern)] = pattern
    config = session.server.config
    return Map({shown: printed(config, PARAMETER_OF[name]) for name, shown in found.items()})


def printed(config: dict[str, bytes], parameter: str) -> bytes:
    """A parameter's value as CONFIG GET prints it: all it holds, or for those in SHOWN, less."""
    return SHOWN[parameter](config[parameter]) if parameter in SHOWN else config[parameter]


@command("config|set", -4, "admin noscript loading stale", (0, 0, 0), "server", "2.0.0",
         "Set configuration parameters to the given values", "parameter value [parameter value ...]")
def config_set(session: Session, args: list[bytes]) -> Reply:
    if len(args) % 2:
        raise CommandError(SYNTAX_ERROR)
    pairs = [(name_of(raw_name), raw_name, value) for raw_name, value in zip(args[2::2], args[3::2])]
    # All or nothing, in Redis's order: every name is checked before any value,
    # and nothing changes unless every value is good.
    seen = set()
    for name, raw_name, _value in pairs:
        if name not in PARAMETER_OF:
            raise CommandError(f"ERR Unknown option or number of arguments for CONFIG SET - '{as_text(raw_name)}'")
        kind = PARAMETERS[PARAMETER_OF[name]][1]
        # An old name and the new one are two names, not a duplicate: the last one wins.
        if isinstance(kind, str) or name in seen:
            problem = f"can't set {kind} config" if isinstance(kind, str) else "duplicate parameter"
            raise CommandError(f"ERR CONFIG SET failed (possibly related to argument '{as_text(raw_name)}') - {problem}")
        seen.add(name)
    config = session.server.config
    changes: dict[str, bytes] = {}
    for name, _raw_name, value in pairs:
        parameter = PARAMETER_OF[name]
        try:
            changes[parameter] = PARAMETERS[parameter][1](value, config[parameter])
        except ValueError as error:
            raise CommandError(f"ERR CONFIG SET failed (possibly related to argument '{name}') - {error}") from None
    config.update(changes)
    for listener in session.server.config_listeners:
        listener(changes)
    return OK


@command("config|resetstat", 2, "admin noscript loading stale", (0, 0, 0), "server", "2.0.0",
         "Reset the stats returned by INFO")
def config_resetstat(session: Session, args: list[bytes]) -> Reply:
    session.server.stats.reset()
    return OK


@command("config|help", 2, "loading stale", (0, 0, 0), "server", "5.0.0",
         "Show helpful text about the different subcommands")
def config_help(session: Session, args: list[bytes]) -> Reply:
    return help_reply("CONFIG", [
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.",
    ])
# --8<-- [end:config]
