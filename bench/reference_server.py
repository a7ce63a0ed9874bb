"""A reference point, not a step: the fastest pure-Python SET/GET server we know how to write.

The steps pay for being a whole Redis: sixteen databases, expiry, types,
statistics, the slow log, keyspace events, a parser that keeps its place
between reads. This server keeps only what redis-benchmark's SET, GET and
PING tests need, written for speed, so the benchmarks can say how much of
the gap between a step and Redis is the step's and how much is Python's.

What makes it fast:

* One thread, one `selectors` loop (epoll on Linux), no per-command objects.
* The parser splits everything a read brought on CRLF with one C call,
  `bytes.split`, and takes each command's arguments as one slice of that
  list (every second line). It checks all of a command's `$len` lines at
  once, in C: the lines each value's length calls for, looked up in a
  table, must equal the lines that came. Only a value that holds a CRLF
  itself (or is longer than the table) takes a slower path that joins its
  lines back together. Measured alone, that check and a dict lookup for
  the "*3" line made the parser about a third faster than checking with
  int() and b"$%d" per argument: about 0.7 microseconds per SET, in
  pipelines of 16.
* Every reply to one read is joined and sent with one `send()`.
* A command of many megabytes, which arrives over many reads, is not
  parsed again at every read: its "$len" lines say how long to wait.
* The command name is looked up as sent (`SET`), and upper-cased only when
  that misses (`set`).

Why selectors and not asyncio: an asyncio Protocol (`data_received`,
`transport.write`) around the same parser and commands used about 20% more
CPU per request than this loop with 50 clients, one command at a time
(12.7 against 10.5 microseconds a SET, kernel time included), and the same
within the noise when they pipelined 16 (redis-benchmark, CPU time of the
server process, four interleaved runs on a busy two-core machine). Calling
select.epoll directly instead of `selectors` saved nothing measurable: most
of the time of an unpipelined request is spent in the kernel.

It knows PING, ECHO (redis-cli --pipe ends with one), SET key value, GET,
DBSIZE, and CONFIG GET for the two settings redis-benchmark asks about when
it starts (save, appendonly). Everything else is an unknown command.

Usage: python bench/reference_server.py [--host 127.0.0.1] [--port 6379]
(--port 0: any free port). It prints "Listening on HOST:PORT" first.
"""

from __future__ import annotations

import argparse
import contextlib
import selectors
import socket
from typing import Callable

CRLF = b"\r\n"
READ_SIZE = 256 * 1024  # far more than a pipelined batch: one read takes all a client sent

OK = b"+OK\r\n"
NIL = b"$-1\r\n"
PONG = b"+PONG\r\n"
CONFIG = {b"save": b"", b"appendonly": b"no"}

Store = dict[bytes, bytes]


class ProtocolError(Exception):
    """The client sent something that is not RESP: we hang up, as Redis does."""


# The lines that start a command, "*3", to their counts: one dict lookup
# costs less than checking the "*" and calling int().
COUNTS = {b"*%d" % n: n for n in range(1, 64)}
# The line that must come before a value of each length: b"$0", b"$1", ...
# Looking them up lets the check of a command's "$len" lines run in C.
LENGTH_LINES = [b"$%d" % n for n in range(4096)]
length_line = LENGTH_LINES.__getitem__


def parse(buffer: bytes) -> tuple[list[list[bytes]], bytes]:
    """Every complete command in `buffer`, each a list of arguments, and the
    bytes of the incomplete command that follows them (b"" if none)."""
    lines = buffer.split(CRLF)
    # The last piece is what follows the last CRLF: never a whole line.
    last = len(lines) - 1
    commands: list[list[bytes]] = []
    append = commands.append
    i = 0
    while i < last:
        line = lines[i]
        count = COUNTS.get(line)
        if count is None:
            if line[:1] != b"*":
                # An inline command, "PING" as typed into telnet; an empty line is skipped.
                if line:
                    append(line.split())
                i += 1
                continue
            try:
                count = int(line[1:])  # a count too large for COUNTS, or "*0", "*-1"
            except ValueError:
                raise ProtocolError("invalid multibulk length") from None
            if count <= 0:
                i += 1  # no command at all: Redis skips them too
                continue
        end = i + 1 + 2 * count  # past "$len", "value" for each argument
        if end > last:
            break  # not all here yet (if a value holds a CRLF, parse_slowly will find more lines missing)
        arguments = lines[i + 2:end:2]
        # The common case in one comparison, done in C: every "$len" line
        # says the length of the line after it.
        try:
            whole = list(map(length_line, map(len, arguments))) == lines[i + 1:end:2]
        except IndexError:
            whole = False  # a value longer than LENGTH_LINES knows
        if whole:
            append(arguments)
            i = end
            continue
        found = parse_slowly(lines, i + 1, count, last)
        if found is None:
            break
        arguments, i = found
        append(arguments)
    return commands, CRLF.join(lines[i:])


def parse_slowly(lines: list[bytes], i: int, count: int, last: int) -> tuple[list[bytes], int] | None:
    """`count` bulk strings from lines[i], rejoining values that contain CRLF;
    the arguments and the index past them, or None if they are not all here."""
    arguments = []
    for _ in range(count):
        if i >= last:
            return None
        header = lines[i]
        if header[:1] != b"$":
            raise ProtocolError(f"expected '$', got {header[:1]!r}")
        try:
            size = int(header[1:])
        except ValueError:
            raise ProtocolError("invalid bulk length") from None
        end = i + 1
        if end >= last:
            return None
        length = len(lines[end])
        while length < size:
            end += 1  # the value goes on past a CRLF of its own
            if end >= last:
                return None
            length += len(CRLF) + len(lines[end])
        if length != size:
            raise ProtocolError("bulk length does not match its value")
        arguments.append(CRLF.join(lines[i + 1:end + 1]))  # one join: adding piece by piece would be quadratic
        i = end + 1
    return arguments, i


def bytes_needed(rest: bytes) -> int:
    """How long `rest`, the start of an unfinished command, must grow before
    it can be whole, as far as its "*count" and "$len" lines tell. Parsing it
    again any sooner would find it unfinished again: for a value of many
    megabytes that arrives read by read, that would cost time in proportion
    to the square of its size."""
    first = rest.find(CRLF)
    if rest[:1] != b"*" or first < 0:
        return len(rest) + 1  # an inline command, or not even its count yet
    try:
        left = int(rest[1:first])
        at = first + 2  # where the next "$len" line starts
        while left > 0:
            end = rest.find(CRLF, at)
            if end < 0:
                break
            size = int(rest[at + 1:end])
            if size < 0:
                return 0
            at = end + 2 + size + 2  # past "$len", the value and its CRLF
            left -= 1
            if at > len(rest):
                break
    except ValueError:
        return 0  # not RESP: let parse() say so
    # Every argument still to come takes at least "$0\r\n\r\n".
    return max(at + 6 * left, len(rest) + 1)


# --- the commands ---------------------------------------------------------------------------------

def bulk(value: bytes) -> bytes:
    return b"$%d\r\n%s\r\n" % (len(value), value)


def error(message: str) -> bytes:
    return b"-ERR %s\r\n" % message.encode()


def ping(store: Store, args: list[bytes]) -> bytes:
    return PONG if len(args) == 1 else bulk(args[1])


def echo(store: Store, args: list[bytes]) -> bytes:
    return bulk(args[1]) if len(args) == 2 else error("wrong number of arguments for 'echo' command")


def set_(store: Store, args: list[bytes]) -> bytes:
    if len(args) != 3:
        return error("only SET key value is known here")
    store[args[1]] = args[2]
    return OK


def get(store: Store, args: list[bytes]) -> bytes:
    if len(args) != 2:
        return error("wrong number of arguments for 'get' command")
    value = store.get(args[1])
    # bulk(value), written out: GET is hot, and a call costs more than the formatting.
    return NIL if value is None else b"$%d\r\n%s\r\n" % (len(value), value)


def dbsize(store: Store, args: list[bytes]) -> bytes:
    return b":%d\r\n" % len(store)


def config(store: Store, args: list[bytes]) -> bytes:
    """CONFIG GET name: redis-benchmark asks for save and appendonly first."""
    if len(args) != 3 or args[1].upper() != b"GET":
        return error("only CONFIG GET name is known here")
    name = args[2].lower()
    if name not in CONFIG:
        return b"*0\r\n"
    return b"*2\r\n" + bulk(name) + bulk(CONFIG[name])


COMMANDS: dict[bytes, Callable[[Store, list[bytes]], bytes]] = {
    b"PING": ping, b"ECHO": echo, b"SET": set_, b"GET": get, b"DBSIZE": dbsize, b"CONFIG": config}


def execute(store: Store, commands: list[list[bytes]]) -> bytes:
    """The replies to `commands`, in order, as one string of bytes to send."""
    replies = []
    for args in commands:
        name = args[0]
        command = COMMANDS.get(name) or COMMANDS.get(name.upper())
        if command is None:
            replies.append(error(f"unknown command '{name.decode(errors='replace')}'"))
        else:
            replies.append(command(store, args))
    return b"".join(replies)


# --- the event loop -------------------------------------------------------------------------------

class Connection:
    """One client: what it sent that is not a whole command yet, how long
    that must grow before it is worth parsing again, and the replies the
    kernel has not taken yet."""
    __slots__ = ("sock", "pending", "needed", "unsent")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        # A bytearray grows in place: a large command that arrives over many
        # reads is not copied whole at every read.
        self.pending = bytearray()
        self.needed = 0
        self.unsent = b""


def serve(listener: socket.socket) -> None:
    """Accept clients and answer them, forever."""
    store: Store = {}
    selector = selectors.DefaultSelector()
    listener.setblocking(False)
    selector.register(listener, selectors.EVENT_READ)

    def close(connection: Connection) -> None:
        selector.unregister(connection.sock)
        connection.sock.close()

    def send(connection: Connection, data: bytes) -> None:
        """Send what the kernel takes now. If it does not take everything, wait
        until the socket is writable to send the rest, and read nothing more
        from that client until then."""
        try:
            sent = connection.sock.send(data)
        except BlockingIOError:
            sent = 0
        except OSError:
            close(connection)
            return
        if sent < len(data):
            if not connection.unsent:
                selector.modify(connection.sock, selectors.EVENT_WRITE, connection)
            connection.unsent = data[sent:]
        elif connection.unsent:
            connection.unsent = b""
            selector.modify(connection.sock, selectors.EVENT_READ, connection)

    while True:
        for key, events in selector.select():
            connection = key.data
            if connection is None:  # the listener: a new client
                try:
                    sock, _address = listener.accept()
                except BlockingIOError:
                    continue
                sock.setblocking(False)
                # Replies go out as soon as they are written, not when Nagle's algorithm allows.
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                selector.register(sock, selectors.EVENT_READ, Connection(sock))
            elif events & selectors.EVENT_WRITE:
                send(connection, connection.unsent)
            else:
                try:
                    data = connection.sock.recv(READ_SIZE)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    data = b""
                if not data:
                    close(connection)
                    continue
                pending = connection.pending
                pending += data
                if len(pending) < connection.needed:
                    continue  # a large command, still on its way
                try:
                    commands, rest = parse(bytes(pending))
                except ProtocolError as problem:
                    with contextlib.suppress(OSError):
                        connection.sock.send(error(f"Protocol error: {problem}"))
                    close(connection)
                    continue
                del pending[:len(pending) - len(rest)]
                # Only a large remainder is worth measuring: a small one is parsed again at no real cost.
                connection.needed = bytes_needed(rest) if len(rest) > READ_SIZE else 0
                if commands:
                    send(connection, execute(store, commands))


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--host", default="127.0.0.1")
    arguments.add_argument("--port", type=int, default=6379, help="0: any free port")
    options = arguments.parse_args()
    with socket.create_server((options.host, options.port)) as listener:
        host, port = listener.getsockname()[:2]
        print(f"Listening on {host}:{port}", flush=True)
        try:
            serve(listener)
        except KeyboardInterrupt:
            pass  # Ctrl-C is how it stops


if __name__ == "__main__":
    main()
