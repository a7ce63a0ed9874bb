"""Step 06: keys that expire.

SET learns its options (EX, PX, EXAT, PXAT, NX, XX, KEEPTTL, GET), and the
EXPIRE and TTL families arrive. The store (store.py) keeps a deadline per key
and forgets expired keys both lazily, when a command looks them up, and
actively, in a cycle the store's thread runs ten times a second.
"""

from __future__ import annotations

import argparse
import queue
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from resp import OK, Error, ProtocolError, Reply, RequestParser, SimpleString, encode, parse_int64
from store import Store, now_ms

READ_SIZE = 64 * 1024  # bytes asked of recv() at a time
HZ = 10  # how many times a second the active expiry cycle runs, as Redis's default "hz"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    # 6379 is Redis's port. --port 0 asks the OS for any free port, which is how
    # the tests start many servers side by side.
    parser.add_argument("--port", type=int, default=6379, help="port to listen on")
    return parser.parse_args()


# --8<-- [start:commands]
INT64_MAX = 2**63 - 1
NOT_AN_INTEGER = "ERR value is not an integer or out of range"


class CommandError(Exception):
    """Raised by a handler; the client gets its message as an error reply."""


def ping(store: Store, args: list[bytes]) -> Reply:
    if len(args) > 2:
        raise CommandError("ERR wrong number of arguments for 'ping' command")
    return args[1] if len(args) == 2 else SimpleString("PONG")


def echo(store: Store, args: list[bytes]) -> Reply:
    return args[1]


def get(store: Store, args: list[bytes]) -> Reply:
    return store.get(args[1])  # None encodes as the null bulk string


def delete(store: Store, args: list[bytes]) -> Reply:
    return sum(store.delete(key) for key in args[1:])


def exists(store: Store, args: list[bytes]) -> Reply:
    # A key named twice counts twice, as in Redis.
    return sum(key in store for key in args[1:])


def incr(store: Store, args: list[bytes]) -> Reply:
    value = store.get(args[1])
    number = 0 if value is None else parse_int64(value)
    if number is None:
        raise CommandError(NOT_AN_INTEGER)
    if number == INT64_MAX:
        raise CommandError("ERR increment or decrement would overflow")
    # Redis stores the number as its digits. A counter keeps its TTL.
    store.set(args[1], b"%d" % (number + 1), keep_ttl=True)
    return number + 1


def quit_(store: Store, args: list[bytes]) -> Reply:
    return OK  # the connection hangs up after sending this; see handle_client
# --8<-- [end:commands]


# --8<-- [start:set_options]
# --8<-- [start:set_command]
TIME_OPTIONS = (b"EX", b"PX", b"EXAT", b"PXAT")


def deadline_from(option: bytes, amount: bytes, command: str) -> int:
    """Turn EX/PX/EXAT/PXAT and its number into a deadline in ms since the epoch."""
    number = parse_int64(amount)
    if number is None:
        raise CommandError(NOT_AN_INTEGER)
    in_seconds = option in (b"EX", b"EXAT")
    # Zero, negative, or so large that it overflows 64 bits once in ms: refused.
    if number <= 0 or (in_seconds and number > INT64_MAX // 1000):
        raise CommandError(f"ERR invalid expire time in '{command}' command")
    deadline = number * 1000 if in_seconds else number
    if option in (b"EX", b"PX"):  # relative to now; EXAT and PXAT are absolute
        deadline += now_ms()
    if deadline > INT64_MAX:
        raise CommandError(f"ERR invalid expire time in '{command}' command")
    return deadline


# Options that exclude each other: NX or XX; one time, or KEEPTTL, or PERSIST.
EXCLUSIVE = [{b"NX", b"XX"}, {b"KEEPTTL", b"PERSIST", *TIME_OPTIONS}]


def parse_options(args: list[bytes], start: int, allowed: set[bytes]) -> tuple[set[bytes], tuple[bytes, bytes] | None]:
    """Read the options of SET or GETEX from args[start:].

    Returns the options given, and the time option with its number, such as
    (b"EX", b"10"), if there was one. An option may repeat, but one that is
    not `allowed` or that excludes an option already given is a syntax error.
    """
    given: set[bytes] = set()
    expiry = None
    i = start
    while i < len(args):
        option = args[i].upper()
        takes_number = option in TIME_OPTIONS
        if (option not in allowed or (takes_number and i + 1 == len(args))
                or any(option in group and given & (group - {option}) for group in EXCLUSIVE)):
            raise CommandError("ERR syntax error")
        given.add(option)
        if takes_number:
            expiry = (option, args[i + 1])
            i += 1
        i += 1
    return given, expiry


def set_(store: Store, args: list[bytes]) -> Reply:
    """SET key value [NX | XX] [GET] [EX s | PX ms | EXAT ts | PXAT ms-ts | KEEPTTL]"""
    key, value = args[1], args[2]
    given, expiry = parse_options(args, 3, allowed={b"NX", b"XX", b"GET", b"KEEPTTL", *TIME_OPTIONS})
    nx, xx, get_old, keep_ttl = (option in given for option in (b"NX", b"XX", b"GET", b"KEEPTTL"))
    deadline = deadline_from(*expiry, "set") if expiry else None
    old = store.get(key)
    if (nx and old is not None) or (xx and old is None):
        return old if get_old else None  # not set: null, or the old value for GET
    store.set(key, value, keep_ttl=keep_ttl)
    if deadline is not None:
        # Even a deadline already past is stored: the key is then gone the
        # next time anyone looks, exactly as in Redis.
        store.set_deadline(key, deadline)
    return old if get_old else OK
# --8<-- [end:set_command]


# --8<-- [start:set_variants]
def setnx(store: Store, args: list[bytes]) -> Reply:
    return 0 if set_(store, [b"SET", args[1], args[2], b"NX"]) is None else 1


def setex(store: Store, args: list[bytes]) -> Reply:
    deadline = deadline_from(b"EX", args[2], "setex")  # a bad time must leave the key alone
    store.set(args[1], args[3])
    store.set_deadline(args[1], deadline)
    return OK


def psetex(store: Store, args: list[bytes]) -> Reply:
    deadline = deadline_from(b"PX", args[2], "psetex")  # a bad time must leave the key alone
    store.set(args[1], args[3])
    store.set_deadline(args[1], deadline)
    return OK


def getex(store: Store, args: list[bytes]) -> Reply:
    """GETEX key [EX s | PX ms | EXAT ts | PXAT ms-ts | PERSIST]"""
    given, expiry = parse_options(args, 2, allowed={b"PERSIST", *TIME_OPTIONS})
    persist = b"PERSIST" in given
    value = store.get(args[1])
    if value is None:
        return None  # a missing key wins over a bad time, as in Redis
    if expiry:
        deadline = deadline_from(*expiry, "getex")
        if deadline <= now_ms():
            store.delete(args[1])
        else:
            store.set_deadline(args[1], deadline)
    elif persist:
        store.persist(args[1])
    return value


def getdel(store: Store, args: list[bytes]) -> Reply:
    value = store.get(args[1])
    if value is not None:
        store.delete(args[1])
    return value
# --8<-- [end:set_variants]
# --8<-- [end:set_options]


# --8<-- [start:expire]
# --8<-- [start:expire_generic]
def expire_generic(store: Store, args: list[bytes], base_ms: int, in_seconds: bool) -> Reply:
    """EXPIRE, PEXPIRE, EXPIREAT and PEXPIREAT: key amount [NX | XX | GT | LT]"""
    options = set()
    for option in args[3:]:
        if option.upper() not in (b"NX", b"XX", b"GT", b"LT"):
            raise CommandError(f"ERR Unsupported option {as_text(option)}")
        options.add(option.upper())
    if b"NX" in options and len(options) > 1:
        raise CommandError("ERR NX and XX, GT or LT options at the same time are not compatible")
    if {b"GT", b"LT"} <= options:
        raise CommandError("ERR GT and LT options at the same time are not compatible")
    deadline = parse_int64(args[2])
    if deadline is None:
        raise CommandError(NOT_AN_INTEGER)
    # Unlike SET, zero and negative times are allowed: they delete the key.
    # Only a time that overflows 64 bits once turned into a deadline in ms is refused.
    if in_seconds:
        if abs(deadline) > INT64_MAX // 1000:
            raise CommandError(f"ERR invalid expire time in '{args[0].decode().lower()}' command")
        deadline *= 1000
    if deadline > INT64_MAX - base_ms:
        raise CommandError(f"ERR invalid expire time in '{args[0].decode().lower()}' command")
    deadline += base_ms
    key = args[1]
    if key not in store:
        return 0
    current = store.deadline(key)  # None: the key lives forever
    if ((b"NX" in options and current is not None)
            or (b"XX" in options and current is None)
            or (b"GT" in options and (current is None or deadline <= current))
            or (b"LT" in options and current is not None and deadline >= current)):
        return 0
    if deadline <= now_ms():
        store.delete(key)
    else:
        store.set_deadline(key, deadline)
    return 1
# --8<-- [end:expire_generic]


def expire(store: Store, args: list[bytes]) -> Reply:
    return expire_generic(store, args, now_ms(), in_seconds=True)


def pexpire(store: Store, args: list[bytes]) -> Reply:
    return expire_generic(store, args, now_ms(), in_seconds=False)


def expireat(store: Store, args: list[bytes]) -> Reply:
    return expire_generic(store, args, 0, in_seconds=True)


def pexpireat(store: Store, args: list[bytes]) -> Reply:
    return expire_generic(store, args, 0, in_seconds=False)


# --8<-- [start:ttl_generic]
def ttl_generic(store: Store, key: bytes, in_ms: bool, absolute: bool) -> Reply:
    if key not in store:
        return -2
    deadline = store.deadline(key)
    if deadline is None:
        return -1
    left = deadline if absolute else max(deadline - now_ms(), 0)
    return left if in_ms else (left + 500) // 1000  # seconds are rounded, not cut
# --8<-- [end:ttl_generic]


def ttl(store: Store, args: list[bytes]) -> Reply:
    return ttl_generic(store, args[1], in_ms=False, absolute=False)


def pttl(store: Store, args: list[bytes]) -> Reply:
    return ttl_generic(store, args[1], in_ms=True, absolute=False)


def expiretime(store: Store, args: list[bytes]) -> Reply:
    return ttl_generic(store, args[1], in_ms=False, absolute=True)


def pexpiretime(store: Store, args: list[bytes]) -> Reply:
    return ttl_generic(store, args[1], in_ms=True, absolute=True)


def persist(store: Store, args: list[bytes]) -> Reply:
    return int(args[1] in store and store.persist(args[1]))
# --8<-- [end:expire]


# --8<-- [start:keyspace]
def dbsize(store: Store, args: list[bytes]) -> Reply:
    return len(store)


def flushall(store: Store, args: list[bytes]) -> Reply:
    # ASYNC and SYNC choose how Redis frees memory; both empty the store at once.
    if len(args) > 2 or (len(args) == 2 and args[1].upper() not in (b"ASYNC", b"SYNC")):
        raise CommandError("ERR syntax error")
    store.clear()
    return OK


def debug(store: Store, args: list[bytes]) -> Reply:
    # Only the one DEBUG subcommand the tests need: Redis's own test suite
    # turns the active expiry cycle off with it to watch lazy expiry alone.
    if args[1].lower() == b"set-active-expire" and len(args) == 3:
        store.active_expiry = args[2] != b"0"
        return OK
    raise CommandError(f"ERR unknown subcommand or wrong number of arguments for "
                       f"'{as_text(args[1])}'. Try DEBUG HELP.")
# --8<-- [end:keyspace]


# --8<-- [start:command_table]
@dataclass
class Command:
    """One entry of the dispatch table, with what Redis says about the command."""

    name: str
    handler: Callable[[Store, list[bytes]], Reply]
    # The number of words, counting the name: 2 means exactly 2 (GET key),
    # -2 means at least 2 (DEL key [key ...]).
    arity: int
    flags: list[str]
    # Where the keys are: first and last position (-1: the last word) and the
    # step between them. redis-cli and cluster clients read these.
    keys: tuple[int, int, int]
    summary: str
    group: str
    since: str
    subcommands: dict[str, Command] = field(default_factory=dict)


def command_count(store: Store, args: list[bytes]) -> Reply:
    return len(COMMANDS)


def command_docs(store: Store, args: list[bytes]) -> Reply:
    # redis-cli asks for this when it starts, to offer help and hints. In RESP2
    # the reply is a flat list: name, docs, name, docs, ...
    names = [name.decode("utf-8", "surrogateescape").lower() for name in args[2:]] or list(COMMANDS)
    reply: list[Reply] = []
    for name in names:
        if name in COMMANDS:
            command = COMMANDS[name]
            docs = {"summary": command.summary, "since": command.since, "group": command.group}
            reply += [name.encode(), [word.encode() for pair in docs.items() for word in pair]]
    return reply


def command_info(store: Store, args: list[bytes]) -> Reply:
    # Bare COMMAND lists every command with the first six fields Redis gives:
    # name, arity, flags, first key, last key, key step. (Redis 7 adds four more.)
    return [
        [command.name.encode(), command.arity, [SimpleString(flag) for flag in command.flags], *command.keys]
        for command in COMMANDS.values()
    ]


COMMANDS: dict[str, Command] = {
    command.name: command
    for command in [
        Command("ping", ping, -1, ["fast"], (0, 0, 0), "Ping the server", "connection", "1.0.0"),
        Command("echo", echo, 2, ["loading", "stale", "fast"], (0, 0, 0),
                "Echo the given string", "connection", "1.0.0"),
        Command("quit", quit_, -1, ["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"],
                (0, 0, 0), "Close the connection", "connection", "1.0.0"),
        Command("get", get, 2, ["readonly", "fast"], (1, 1, 1), "Get the value of a key", "string", "1.0.0"),
        Command("set", set_, -3, ["write", "denyoom"], (1, 1, 1), "Set the string value of a key",
                "string", "1.0.0"),
        Command("del", delete, -2, ["write"], (1, -1, 1), "Delete a key", "generic", "1.0.0"),
        Command("exists", exists, -2, ["readonly", "fast"], (1, -1, 1), "Determine if a key exists",
                "generic", "3.0.3"),
        Command("incr", incr, 2, ["write", "denyoom", "fast"], (1, 1, 1),
                "Increment the integer value of a key by one", "string", "1.0.0"),
        Command("setnx", setnx, 3, ["write", "denyoom", "fast"], (1, 1, 1),
                "Set the value of a key, only if the key does not exist", "string", "1.0.0"),
        Command("setex", setex, 4, ["write", "denyoom"], (1, 1, 1),
                "Set the value and expiration of a key", "string", "2.0.0"),
        Command("psetex", psetex, 4, ["write", "denyoom"], (1, 1, 1),
                "Set the value and expiration in milliseconds of a key", "string", "2.6.0"),
        Command("getex", getex, -2, ["write", "fast"], (1, 1, 1),
                "Get the value of a key and optionally set its expiration", "string", "6.2.0"),
        Command("getdel", getdel, 2, ["write", "fast"], (1, 1, 1),
                "Get the value of a key and delete the key", "string", "6.2.0"),
        Command("expire", expire, -3, ["write", "fast"], (1, 1, 1),
                "Set a key's time to live in seconds", "generic", "1.0.0"),
        Command("pexpire", pexpire, -3, ["write", "fast"], (1, 1, 1),
                "Set a key's time to live in milliseconds", "generic", "2.6.0"),
        Command("expireat", expireat, -3, ["write", "fast"], (1, 1, 1),
                "Set the expiration for a key as a UNIX timestamp", "generic", "1.2.0"),
        Command("pexpireat", pexpireat, -3, ["write", "fast"], (1, 1, 1),
                "Set the expiration for a key as a UNIX timestamp specified in milliseconds",
                "generic", "2.6.0"),
        Command("ttl", ttl, 2, ["readonly", "fast"], (1, 1, 1),
                "Get the time to live for a key in seconds", "generic", "1.0.0"),
        Command("pttl", pttl, 2, ["readonly", "fast"], (1, 1, 1),
                "Get the time to live for a key in milliseconds", "generic", "2.6.0"),
        Command("expiretime", expiretime, 2, ["readonly", "fast"], (1, 1, 1),
                "Get the expiration Unix timestamp for a key", "generic", "7.0.0"),
        Command("pexpiretime", pexpiretime, 2, ["readonly", "fast"], (1, 1, 1),
                "Get the expiration Unix timestamp for a key in milliseconds", "generic", "7.0.0"),
        Command("persist", persist, 2, ["write", "fast"], (1, 1, 1),
                "Remove the expiration from a key", "generic", "2.2.0"),
        Command("dbsize", dbsize, 1, ["readonly", "fast"], (0, 0, 0),
                "Return the number of keys in the selected database", "server", "1.0.0"),
        Command("flushall", flushall, -1, ["write"], (0, 0, 0),
                "Remove all keys from all databases", "server", "1.0.0"),
        Command("debug", debug, -2, ["admin", "noscript", "loading", "stale"], (0, 0, 0),
                "A container for debugging commands", "server", "1.0.0"),
        Command("command", command_info, -1, ["loading", "stale"], (0, 0, 0),
                "Get array of Redis command details", "server", "2.8.13", subcommands={
                    "count": Command("command|count", command_count, 2, ["loading", "stale"], (0, 0, 0),
                                     "Get total number of Redis commands", "server", "2.8.13"),
                    "docs": Command("command|docs", command_docs, -2, ["loading", "stale"], (0, 0, 0),
                                    "Get array of specific Redis command documentation", "server", "7.0.0"),
                }),
    ]
}
# --8<-- [end:command_table]


# --8<-- [start:execute]
def as_text(arg: bytes, limit: int = 128) -> str:
    """An argument quoted in an error message: Redis prints it as a C string, cut at 128 bytes."""
    return arg.split(b"\0", 1)[0][:limit].decode("utf-8", "surrogateescape")


def lookup(args: list[bytes]) -> Command:
    """Find the command to run for `args`, as Redis does, or raise its error."""
    name = args[0].lower().decode("utf-8", "surrogateescape")
    command = COMMANDS.get(name)
    if command is None:
        quoted = ""
        for arg in args[1:]:
            if len(quoted) >= 128:
                break
            quoted += f"'{as_text(arg, 128 - len(quoted))}' "
        raise CommandError(f"ERR unknown command '{as_text(args[0])}', with args beginning with: {quoted}")
    if command.subcommands and len(args) > 1:
        subcommand = command.subcommands.get(args[1].lower().decode("utf-8", "surrogateescape"))
        if subcommand is None:
            raise CommandError(f"ERR unknown subcommand '{as_text(args[1])}'. Try {name.upper()} HELP.")
        command = subcommand
    if len(args) < abs(command.arity) or (command.arity > 0 and len(args) != command.arity):
        raise CommandError(f"ERR wrong number of arguments for '{command.name}' command")
    return command


def execute(store: Store, args: list[bytes]) -> Reply:
    """Run one command. Only the store's thread calls this."""
    try:
        return lookup(args).handler(store, args)
    except CommandError as error:
        return Error(str(error))
# --8<-- [end:execute]


# --8<-- [start:store_thread]
# A request is a batch of commands from one client and where to put the replies.
Request = tuple[list[list[bytes]], "queue.Queue[list[Reply]]"]


def run_store(requests: queue.Queue[Request]) -> None:
    """The store's thread: the only code that ever reads or writes `store`."""
    store = Store()
    next_cycle = time.monotonic()
    while True:
        # Wait for a request, but no longer than until the next expiry cycle:
        # the queue's timeout is this thread's only clock.
        try:
            batch, reply_box = requests.get(timeout=max(next_cycle - time.monotonic(), 0))
        except queue.Empty:
            pass
        else:
            # A whole batch runs at once, so a pipeline costs one trip through
            # the queue instead of one per command.
            reply_box.put([execute(store, args) for args in batch])
        if time.monotonic() >= next_cycle:
            # Redis runs its cycle hz=10 times a second and gives it at most
            # 25% of each tick, so a flood of expiring keys cannot starve clients.
            store.expire_some_keys(time_budget=0.25 / HZ)
            next_cycle = time.monotonic() + 1 / HZ


# --8<-- [end:store_thread]


# --8<-- [start:handle_client]
def handle_client(client: socket.socket, requests: queue.Queue[Request]) -> None:
    parser = RequestParser()
    reply_box: queue.Queue[list[Reply]] = queue.Queue(maxsize=1)
    with client:
        while True:
            data = client.recv(READ_SIZE)
            if not data:
                return  # the client hung up
            parser.feed(data)
            # Everything complete in the buffer is one batch: a pipelining
            # client sent many commands without waiting, and it gets all of
            # their replies, in order, in one send.
            batch: list[list[bytes]] = []
            hang_up = False
            protocol_error = None
            try:
                while (args := parser.next_command()) is not None:
                    batch.append(args)
                    if args[0].lower() == b"quit":
                        hang_up = True  # anything after QUIT is never run
                        break
            except ProtocolError as error:
                protocol_error = Error(f"ERR {error}")
            replies: list[Reply] = []
            if batch:
                requests.put((batch, reply_box))
                replies = reply_box.get()
            if protocol_error:
                # The commands before the bad bytes still run and get their
                # replies; then, like Redis, we say what was wrong and hang up.
                replies.append(protocol_error)
                hang_up = True
            if replies:
                client.sendall(b"".join(encode(reply) for reply in replies))
            if hang_up:
                return
# --8<-- [end:handle_client]


def serve_client(client: socket.socket, requests: queue.Queue[Request]) -> None:
    """The body of a client's thread."""
    try:
        handle_client(client, requests)
    except ConnectionError:
        pass  # the client vanished mid-conversation; the others carry on


def main() -> None:
    args = parse_args()
    requests: queue.Queue[Request] = queue.Queue()
    threading.Thread(target=run_store, args=(requests,), daemon=True).start()
    with socket.create_server((args.host, args.port)) as server:
        host, port = server.getsockname()[:2]
        print(f"Listening on {host}:{port}", flush=True)
        while True:
            try:
                client, _address = server.accept()
            except OSError as error:
                # A client that gave up while waiting to be accepted, or a
                # process out of file descriptors: say so and keep serving.
                print(f"Accepting client connection: {error}", file=sys.stderr)
                continue
            # Hand the client to a thread of its own and go straight back to
            # accept(). daemon=True: these threads must not keep the process
            # alive after Ctrl-C stops the main thread.
            threading.Thread(target=serve_client, args=(client, requests), daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass  # Ctrl-C is how you stop this server; no traceback needed.
