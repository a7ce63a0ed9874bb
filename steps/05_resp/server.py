"""Step 05: speak RESP, so that real Redis clients can talk to us.

The line protocol is gone. Requests are parsed by resp.RequestParser, replies
are written by resp.encode, and commands are looked up in a dispatch table
that knows each command's arity, so redis-cli, redis-py and redis-benchmark
all work. The threads are the same as in step 04: one per client, plus the
store's thread that runs every command.
"""

from __future__ import annotations

import argparse
import queue
import socket
import sys
import threading
from dataclasses import dataclass, field
from typing import Callable

from resp import OK, Error, ProtocolError, Reply, RequestParser, SimpleString, encode, parse_int64

READ_SIZE = 64 * 1024  # bytes asked of recv() at a time


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    # 6379 is Redis's port. --port 0 asks the OS for any free port, which is how
    # the tests start many servers side by side.
    parser.add_argument("--port", type=int, default=6379, help="port to listen on")
    return parser.parse_args()


# --8<-- [start:commands]
Store = dict[bytes, bytes]


class CommandError(Exception):
    """Raised by a handler; the client gets its message as an error reply."""


def ping(store: Store, args: list[bytes]) -> Reply:
    if len(args) > 2:
        raise CommandError("ERR wrong number of arguments for 'ping' command")
    return args[1] if len(args) == 2 else SimpleString("PONG")


def echo(store: Store, args: list[bytes]) -> Reply:
    return args[1]


def set_(store: Store, args: list[bytes]) -> Reply:
    if len(args) > 3:
        raise CommandError("ERR syntax error")  # options such as EX come in step 06
    store[args[1]] = args[2]
    return OK


def get(store: Store, args: list[bytes]) -> Reply:
    return store.get(args[1])  # None encodes as the null bulk string


def delete(store: Store, args: list[bytes]) -> Reply:
    return sum(store.pop(key, None) is not None for key in args[1:])


def exists(store: Store, args: list[bytes]) -> Reply:
    # A key named twice counts twice, as in Redis.
    return sum(key in store for key in args[1:])


def incr(store: Store, args: list[bytes]) -> Reply:
    number = parse_int64(store.get(args[1], b"0"))
    if number is None:
        raise CommandError("ERR value is not an integer or out of range")
    if number == 2**63 - 1:
        raise CommandError("ERR increment or decrement would overflow")
    store[args[1]] = b"%d" % (number + 1)  # Redis stores the number as its digits
    return number + 1


def quit_(store: Store, args: list[bytes]) -> Reply:
    return OK  # the connection hangs up after sending this; see handle_client
# --8<-- [end:commands]


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
    store: Store = {}
    while True:
        batch, reply_box = requests.get()
        # A whole batch runs at once, so a pipeline costs one trip through the
        # queue instead of one per command.
        reply_box.put([execute(store, args) for args in batch])
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
