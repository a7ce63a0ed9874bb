"""The dispatch table, and what every command handler gets to work with.

A handler is a plain function `handler(session, args) -> Reply`. The
@command decorator files it in COMMANDS with what Redis says about the
command: its arity, flags, where its keys are, and its documentation, so that
COMMAND, COMMAND INFO and COMMAND DOCS can be answered from the same table
that runs the commands.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Callable, TypeVar

from resp import Error, Reply, parse_int64
from store import Store

NOT_AN_INTEGER = "ERR value is not an integer or out of range"
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
SYNTAX_ERROR = "ERR syntax error"
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class CommandError(Exception):
    """Raised by a handler; the client gets its message as an error reply."""


# --8<-- [start:session]
@dataclass
class ServerState:
    """What all clients share: the databases and the configuration."""

    databases: list[Store]
    config: dict[str, bytes]


@dataclass
class Session:
    """One client's view of the server, handed to every command it runs."""

    server: ServerState
    db_index: int = 0  # SELECT changes it; each client has its own

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
    if len(args) < abs(entry.arity) or (entry.arity > 0 and len(args) != entry.arity):
        raise CommandError(f"ERR wrong number of arguments for '{entry.name}' command")
    return entry


def execute(session: Session, args: list[bytes]) -> Reply:
    """Run one command for a client."""
    try:
        return lookup(args).handler(session, args)
    except CommandError as error:
        return Error(str(error))
# --8<-- [end:execute]


# --8<-- [start:types]
# The Python type that holds each kind of Redis value, and the name TYPE
# gives it. Each data type added to the server adds a line here.
TYPE_NAMES: dict[type, str] = {
    bytes: "string",
    deque: "list",  # pushes and pops at both ends in O(1), like Redis's quicklist
}

Value = TypeVar("Value")


def get_typed(session: Session, key: bytes, kind: type[Value]) -> Value | None:
    """The value at `key` if it is of `kind`; None if there is no key; and
    Redis's WRONGTYPE error if the key holds another kind of value."""
    value = session.db.get(key)
    if value is not None and not isinstance(value, kind):
        raise CommandError(WRONGTYPE)
    return value


def get_string(session: Session, key: bytes) -> bytes | None:
    return get_typed(session, key, bytes)
# --8<-- [end:types]


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
def counted_arg(arg: bytes, error: str, minimum: int) -> int:
    """A count that must be at least `minimum`. Redis answers the one message,
    `error`, both for a number that is too small and for no number at all."""
    number = parse_int64(arg)
    if number is None or number < minimum:
        raise CommandError(error)
    return number
# --8<-- [end:helpers]
