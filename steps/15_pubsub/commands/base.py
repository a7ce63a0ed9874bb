"""The dispatch table, and what every command handler gets to work with.

A handler is a plain function `handler(session, args) -> Reply`. The
@command decorator files it in COMMANDS with what Redis says about the
command: its arity, flags, where its keys are, and its documentation, so that
COMMAND, COMMAND INFO and COMMAND DOCS can be answered from the same table
that runs the commands.
"""

from __future__ import annotations

import math
import secrets
import time
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator, TypeVar

import long_double
from blocking import Blocked, BlockedClients
from keyspace_events import GENERIC, KeyEvents
from pubsub import PubSub, Subscriptions
from resp import Error, Reply, SimpleString, parse_int64
from sorted_set import SortedSet
from stats import CommandStats, Stats
from store import Store, now_ms

NOT_AN_INTEGER = "ERR value is not an integer or out of range"
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
SYNTAX_ERROR = "ERR syntax error"
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class CommandError(Exception):
    """Raised by a handler; the client gets its message as an error reply."""


# --8<-- [start:session]
@dataclass
class ServerState:
    """What all clients share: the databases, the configuration, the
    statistics, every connected client, by id, and who listens to what."""

    databases: list[Store]
    config: dict[str, bytes]
    stats: Stats
    key_events: KeyEvents  # where the databases report changes to keys
    started: float = field(default_factory=time.time)  # for uptime_in_seconds
    run_id: str = field(default_factory=lambda: secrets.token_hex(20))  # tells one run from the next
    replication_id: str = field(default_factory=lambda: secrets.token_hex(20))  # names this data's history
    multiplexing_api: str = ""  # how the event loop waits: "epoll", "kqueue", ...
    clients: dict[int, Session] = field(default_factory=dict)
    blocked: BlockedClients = field(default_factory=BlockedClients)
    next_client_id: int = 1  # ids are never reused, as in Redis
    # Clients that CLIENT KILL has chosen; the event loop closes them
    # after the command that killed them, as Redis does.
    to_close: list[Session] = field(default_factory=list)
    pubsub: PubSub = field(default_factory=PubSub)

    def new_client_id(self) -> int:
        self.next_client_id += 1
        return self.next_client_id - 1


@dataclass
class Session:
    """One client's view of the server, handed to every command it runs, and
    what CLIENT LIST and CLIENT INFO report about it."""

    server: ServerState
    id: int = 0
    address: str = ""  # the client's "ip:port"
    local_address: str = ""  # ours, as the client reached it
    fd: int = -1
    db_index: int = 0  # SELECT changes it; each client has its own
    protocol: int = 2  # HELLO 3 switches a client to RESP3
    name: bytes = b""  # CLIENT SETNAME
    # Without requirepass everyone is the default user, logged in; with it, a
    # new client must AUTH first.
    authenticated: bool = True
    reply_mode: str = "on"  # CLIENT REPLY ON | OFF | SKIP
    no_evict: bool = False  # CLIENT NO-EVICT
    blocked: Blocked | None = None  # what it waits for, while a blocking command waits
    created: float = field(default_factory=time.monotonic)
    last_active: float = field(default_factory=time.monotonic)
    last_command: str = "NULL"  # the cmd= field: the last command run, "NULL" before any
    closing: bool = False  # hang up once the replies already made are sent
    # How many bytes wait in this client's input and output buffers; the
    # event loop fills this in, so that CLIENT LIST can show it.
    buffered: Callable[[], tuple[int, int]] = lambda: (0, 0)
    # What this client listens to, and how a message reaches it: the event
    # loop queues the pushed reply in its outbox (step 15).
    subscriptions: Subscriptions = field(default_factory=Subscriptions)
    push: Callable[[Reply], None] = lambda reply: None

    @property
    def db(self) -> Store:
        return self.server.databases[self.db_index]
# --8<-- [end:session]


# --8<-- [start:command]
Handler = Callable[[Session, list[bytes]], Reply]


@dataclass
class Command:
    """One entry of the dispatch table, with what Redis says about the command."""

    name: str  # lowercase; "container|sub" for a subcommand
    handler: Handler
    # The number of words, counting the name: 2 means exactly 2 (GET key),
    # -2 means at least 2 (DEL key [key ...]).
    arity: int
    flags: list[str]
    # Where the keys are: first and last position (-1: the last word) and the
    # step between them. Cluster clients and COMMAND GETKEYS read these.
    keys: tuple[int, int, int]
    group: str
    since: str
    summary: str
    # The arguments after the name, written the way Redis's docs write them,
    # e.g. "key [key ...]". COMMAND DOCS turns it into the structure redis-cli
    # uses for its hints and `help`.
    syntax: str
    # ACL categories Redis gives it instead of its group's (COMMAND INFO
    # adds those its flags imply); None: its group's.
    categories: list[str] | None = None
    subcommands: dict[str, Command] = field(default_factory=dict)


COMMANDS: dict[str, Command] = {}


def command(name: str, arity: int, flags: str, keys: tuple[int, int, int], group: str, since: str,
            summary: str, syntax: str = "", categories: str | None = None) -> Callable[[Handler], Handler]:
    """Decorator that files a handler in COMMANDS (or, for "config|get", in
    the subcommands of its container, which must be filed first)."""

    def register(handler: Handler) -> Handler:
        entry = Command(name, handler, arity, flags.split(), keys, group, since, summary, syntax,
                        None if categories is None else categories.split())
        container, _, sub = name.partition("|")
        if sub:
            COMMANDS[container].subcommands[sub] = entry
        else:
            COMMANDS[name] = entry
        return handler

    return register
# --8<-- [end:command]


# --8<-- [start:execute]
def as_text(arg: bytes, limit: int = 128) -> str:
    """An argument quoted in an error message: Redis prints it as a C string, cut at 128 bytes."""
    return arg.split(b"\0", 1)[0][:limit].decode("utf-8", "surrogateescape")


def lookup(args: list[bytes]) -> Command:
    """Find the command to run for `args`, as Redis does, or raise its error."""
    name = args[0].lower().decode("utf-8", "surrogateescape")
    entry = COMMANDS.get(name)
    if entry is None:
        quoted = ""
        for arg in args[1:]:
            if len(quoted) >= 128:
                break
            quoted += f"'{as_text(arg, 128 - len(quoted))}' "
        raise CommandError(f"ERR unknown command '{as_text(args[0])}', with args beginning with: {quoted}")
    if entry.subcommands and len(args) > 1:
        sub = entry.subcommands.get(args[1].lower().decode("utf-8", "surrogateescape"))
        if sub is None:
            raise CommandError(f"ERR unknown subcommand '{as_text(args[1])}'. Try {name.upper()} HELP.")
        entry = sub
    return entry


def check_arity(entry: Command, args: list[bytes]) -> None:
    if len(args) < abs(entry.arity) or (entry.arity > 0 and len(args) != entry.arity):
        raise CommandError(f"ERR wrong number of arguments for '{entry.name}' command")


# In RESP2 a push is an array like any reply, so a client in pub/sub mode
# could not tell a message from the reply to its command. It may run only
# the commands whose replies look like pushes themselves (the subscriptions,
# and PING, which then answers ["pong", ""]) or that end it. RESP3 marks
# pushes, and has no such limit.
ALLOWED_WHILE_SUBSCRIBED = {"subscribe", "unsubscribe", "psubscribe", "punsubscribe", "ssubscribe",
                            "sunsubscribe", "ping", "quit", "reset"}


def execute(session: Session, args: list[bytes]) -> Reply:
    """Run one command for a client, keeping the statistics INFO reports."""
    stats = session.server.stats
    entry = None
    try:
        entry = lookup(args)
        check_arity(entry, args)
        if not session.authenticated and "no_auth" not in entry.flags:
            raise CommandError("NOAUTH Authentication required.")
        if session.subscriptions and session.protocol == 2 and entry.name not in ALLOWED_WHILE_SUBSCRIBED:
            raise CommandError(f"ERR Can't execute '{entry.name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / "
                               "PING / QUIT / RESET are allowed in this context")
    except CommandError as error:
        if entry is not None:  # a command Redis knows but refused to run
            command_stats(stats, entry).rejected_calls += 1
        return count_error(stats, Error(str(error)))
    session.last_command = entry.name
    stats.counting_lookups = "readonly" in entry.flags
    started = time.perf_counter_ns()
    try:
        reply = entry.handler(session, args)
    except CommandError as error:
        reply = Error(str(error))
    calls = command_stats(stats, entry)
    calls.calls += 1
    calls.usec += (time.perf_counter_ns() - started) // 1000
    stats.commands_processed += 1
    if isinstance(reply, Error):
        calls.failed_calls += 1
        count_error(stats, reply)
    return reply


def command_stats(stats: Stats, entry: Command) -> CommandStats:
    return stats.commands.setdefault(entry.name, CommandStats())


def count_error(stats: Stats, error: Error) -> Error:
    """INFO errorstats counts error replies by their first word."""
    kind = error.split(" ", 1)[0]
    stats.errors[kind] = stats.errors.get(kind, 0) + 1
    return error
# --8<-- [end:execute]


# --8<-- [start:reading]
@contextmanager
def reading(session: Session) -> Iterator[None]:
    """Lookups that read, inside a command that writes: the old value of
    GETDEL or SET ... GET, COPY's source, the sources of SINTERSTORE and its
    kin. Redis looks these keys up as reads, so INFO counts them as keyspace
    hits and misses, as it counts every lookup of a read-only command."""
    stats = session.server.stats
    counting, stats.counting_lookups = stats.counting_lookups, True
    try:
        yield
    finally:
        stats.counting_lookups = counting
# --8<-- [end:reading]


# --8<-- [start:types]
# The Python type that holds each kind of Redis value, and the name TYPE
# gives it. Each data type added to the server adds a line here.
TYPE_NAMES: dict[type, str] = {
    bytes: "string",
    deque: "list",  # pushes and pops at both ends in O(1), like Redis's quicklist
    dict: "hash",  # field -> value, found in O(1), like Redis's hashtable encoding
    set: "set",  # a hash table of members, like Redis's for all but small sets of integers
    SortedSet: "zset",  # a skiplist and a dict, as in Redis: see sorted_set.py
}

Value = TypeVar("Value")


def get_typed(session: Session, key: bytes, kind: type[Value]) -> Value | None:
    """The value at `key` if it is of `kind`; None if there is no key; and
    Redis's WRONGTYPE error if the key holds another kind of value."""
    value = session.db.get(key)
    if value is not None and not isinstance(value, kind):
        raise CommandError(WRONGTYPE)
    return value


def first_of(session: Session, keys: list[bytes], kind: type) -> bytes | None:
    """The first of `keys` that holds a value of `kind`, as BLPOP and BZPOPMIN
    look: missing keys are skipped, and a key of another type before it is
    Redis's WRONGTYPE error."""
    return next((key for key in keys if get_typed(session, key, kind) is not None), None)


def waiting_value(session: Session, key: bytes, kind: type[Value]) -> Value | None:
    """For a blocked client: the value at `key` if it is of `kind`. A key that
    holds another type now is no error: the client just waits on."""
    value = session.db.get(key)
    return value if isinstance(value, kind) else None


def get_string(session: Session, key: bytes) -> bytes | None:
    return get_typed(session, key, bytes)
# --8<-- [end:types]


# --8<-- [start:store_result]
def store_result(session: Session, key: bytes, value: object, event: str, kind: str) -> None:
    """Where SINTERSTORE, ZUNIONSTORE, ZRANGESTORE and their kin put their
    result: it replaces whatever the key held, of any type, and its TTL,
    reported as `event`. An empty result deletes the key instead, since no
    empty collection is ever stored, reported as del if there was a key."""
    if value:
        session.db.set(key, value)
        session.db.changed(key, event, kind)
    elif session.db.delete(key):
        session.db.changed(key, "del", GENERIC)
# --8<-- [end:store_result]


# --8<-- [start:helpers]
def integer_arg(arg: bytes, error: str = NOT_AN_INTEGER) -> int:
    """A 64-bit integer argument, or Redis's error for one that is not."""
    number = parse_int64(arg)
    if number is None:
        raise CommandError(error)
    return number


def c_int(arg: bytes, error: str | None = None) -> int:
    """An argument Redis reads as a C int (32 bits), with its errors, or `error` for both."""
    number = parse_int64(arg)
    if number is None:
        raise CommandError(error or NOT_AN_INTEGER)
    if not -(2**31) <= number < 2**31:
        raise CommandError(error or "ERR value is out of range, value must between -2147483648 and 2147483647")
    return number


def database_index(session: Session, arg: bytes) -> int:
    """A database number for SELECT, MOVE and COPY ... DB."""
    return check_database(session, c_int(arg))


def check_database(session: Session, index: int) -> int:
    if not 0 <= index < len(session.server.databases):
        raise CommandError("ERR DB index is out of range")
    return index


def timeout_arg(arg: bytes) -> int | None:
    """The timeout of BLPOP and the other blocking commands, in seconds, as
    the deadline it sets: ms since the epoch, or None for 0, no timeout.

    Redis reads it as a long double, multiplies by 1000 in long doubles and
    rounds up to whole milliseconds, so 0.0001 waits 1 ms. A number of
    milliseconds too large for 64 bits becomes the most negative one when C
    converts it, on the machines Redis runs on: so "inf" is negative too."""
    seconds = long_double.parse(arg)
    if seconds is None:
        raise CommandError("ERR timeout is not a float or out of range")
    product = long_double.round_to_long_double(seconds * 1000) if math.isfinite(seconds) else None
    milliseconds = -1 if product is None else math.ceil(product)
    if not 0 <= milliseconds < 2**63:
        raise CommandError("ERR timeout is negative")
    return now_ms() + milliseconds if milliseconds else None


def block(session: Session, keys: list[bytes], deadline: int | None,
          serve: Callable[[Session, bytes], Reply | None]) -> None:
    """Make the client wait for one of `keys` to get a value, until
    `deadline`. `serve` does the command's work on the key that got one, and
    returns the reply, or None to wait on. The command itself replies
    nothing now (None): its reply comes when it is served, or times out."""
    def retry(session: Session, key: bytes) -> Reply | None:
        try:
            return serve(session, key)
        except CommandError as error:  # BLMOVE onto a key that became a string, say
            return Error(str(error))

    session.server.blocked.block(session, keys, deadline, retry)


def counted_arg(arg: bytes, error: str, minimum: int) -> int:
    """A count that must be at least `minimum`. Redis answers the one message,
    `error`, both for a number that is too small and for no number at all."""
    number = parse_int64(arg)
    if number is None or number < minimum:
        raise CommandError(error)
    return number
# --8<-- [end:helpers]


def help_reply(container: str, lines: list[str]) -> Reply:
    """What CONFIG HELP, CLIENT HELP and the like reply: Redis's header, the
    lines about each subcommand, and HELP itself, one status reply a line."""
    return [SimpleString(line) for line in [
        f"{container} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        *lines, "HELP", "    Prints this help."]]
