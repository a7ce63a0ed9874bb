"""Small clients the tests talk to servers with.

redis-py is the client for most Redis-behaviour tests. These exist for what it
cannot do: speak the toy line protocol of steps 02-04, send exact bytes, and
watch a connection being closed.
"""

from __future__ import annotations

import os
import pty
import re
import select
import socket
import struct
import subprocess
import time

import redis

TIMEOUT = 10  # seconds; a server that hangs fails the test instead of stalling the suite
QUIET = 0.5  # seconds without a byte (or without room to send one) after which a server is taken to be waiting


class RawConnection:
    """A socket that sends bytes as given and reads replies exactly."""

    def __init__(self, host: str, port: int) -> None:
        self.sock = socket.create_connection((host, port), timeout=TIMEOUT)
        self.reader = self.sock.makefile("rb")

    def close(self) -> None:
        self.reader.close()
        self.sock.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def reset(self) -> None:
        """Hang up with a reset (SO_LINGER 0), whatever the server is still sending."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close()

    def read_line(self) -> bytes:
        """One line, with its line ending; b"" once the server has hung up."""
        return self.reader.readline()

    def read_exactly(self, size: int) -> bytes:
        return self.reader.read(size)

    def expect(self, expected: bytes) -> None:
        """Check that the server sends exactly `expected` and nothing more: the
        reply to a PING sent next must be the very next bytes. (RESP only.)"""
        assert self.read_exactly(len(expected)) == expected
        self.send(b"*1\r\n$4\r\nPING\r\n")
        assert self.read_line() == b"+PONG\r\n", "more bytes followed the reply"

    def read_until_closed(self) -> bytes:
        """Everything the server sends until it hangs up."""
        return self.reader.read()

    def is_closed_by_server(self) -> bool:
        return self.reader.read(1) == b""

    def is_silent_for(self, seconds: float) -> bool:
        """True if the server sends nothing for that long (and has not hung up)."""
        readable, _, _ = select.select([self.sock], [], [], seconds)
        return not readable

    def read_reply(self) -> object:
        """One RESP2 reply as a Python value (see `decode_reply`)."""
        return decode_reply(self.reader)

    def call(self, *words: str | bytes | int) -> object:
        """Send a command as a RESP array and read its reply."""
        self.send(encode_command(*words))
        return self.read_reply()


def redis_py(host: str, port: int, protocol: int = 2, **options) -> redis.Redis:
    """The real redis-py client as the tests use it: RESP2 unless asked for 3
    (redis-py 8's default, which the tests of step 13 on use too), and no retries. By default redis-py 8 retries a failed command
    ten times, reconnecting in between, so a server that hangs up on a client
    would go unnoticed. (Its pool still reconnects a connection that was
    closed while idle: to show that a connection survived something, check
    through one RawConnection opened before.)"""
    return redis.Redis(host=host, port=port, protocol=protocol, socket_timeout=30, retry=None, **options)


def redis_cli(server, *args: str) -> str:
    """What redis-cli prints for a command given on its command line (to a
    program, not a terminal: --no-raw asks for the terminal's format)."""
    result = subprocess.run(["redis-cli", "-p", str(server.port), *args], capture_output=True, timeout=30,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    # Not text=True, which would turn INFO's \r\n into \n; DUMP prints bytes that are no UTF-8.
    return result.stdout.decode("utf-8", "surrogateescape")


class Status(str):
    """A simple-string reply, +OK."""


class ErrorReply(str):
    """An error reply, -ERR ..."""


def encode_command(*words: str | bytes | int) -> bytes:
    parts = [word if isinstance(word, bytes) else str(word).encode() for word in words]
    return b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%b\r\n" % (len(part), part) for part in parts)


def decode_reply(reader) -> object:
    """Status and ErrorReply for +/-, int, bytes or None for bulk strings, list or None for arrays."""
    line = reader.readline()
    if not line:
        raise ConnectionError("the server closed the connection")
    if not line.endswith(b"\r\n"):
        raise ConnectionError(f"a reply line without CRLF (not RESP, or cut short): {line!r}")
    kind, body = line[:1], line[1:-2]
    if kind == b"+":
        return Status(body.decode())
    if kind == b"-":
        return ErrorReply(body.decode())
    if kind == b":":
        return int(body)
    if kind == b"$":
        if int(body) == -1:
            return None
        data = reader.read(int(body) + 2)
        assert data.endswith(b"\r\n"), data
        return data[:-2]
    if kind == b"*":
        return None if int(body) == -1 else [decode_reply(reader) for _ in range(int(body))]
    raise AssertionError(f"not a RESP2 reply: {line!r}")


class Client:
    """Talks to any step in words, whatever its protocol: the line protocol of
    steps 02-04 or RESP from step 05 on. Replies come back as text, so one test
    can state a behaviour that every step and real Redis share."""

    def __init__(self, host: str, port: int, resp: bool) -> None:
        self.connection = RawConnection(host, port)
        self.resp = resp

    def close(self) -> None:
        self.connection.close()

    def call(self, *words: str) -> str:
        if not self.resp:
            self.connection.send(" ".join(words).encode() + b"\n")
            return self.connection.read_line().decode().rstrip("\n")
        reply = self.connection.call(*words)
        if reply is None:
            return "(nil)"
        return reply.decode() if isinstance(reply, bytes) else str(reply)

    def send_partial(self, text: str) -> None:
        """Send the start of a command and no more: a client typing slowly."""
        data = encode_command(*text.split())[:-3] if self.resp else text.encode()
        self.connection.send(data)

    def is_closed_by_server(self) -> bool:
        return self.connection.is_closed_by_server()


class InteractiveCli:
    """redis-cli in interactive mode. It only asks COMMAND DOCS, and offers
    help and hints, when it believes a person is typing: on a terminal. So it
    gets a pseudo-terminal, and we type into it."""

    def __init__(self, port: int) -> None:
        self.terminal, follower = pty.openpty()
        self.process = subprocess.Popen(["redis-cli", "-p", str(port)], stdin=follower, stdout=follower,
                                        stderr=follower, env={**os.environ, "TERM": "dumb", "HOME": "/nonexistent"})
        os.close(follower)
        self.output = b""

    def type(self, line: str) -> None:
        os.write(self.terminal, line.encode() + b"\r\n")

    def read_until(self, wanted: str) -> str:
        """All it printed so far, up to the end of the first line holding `wanted`,
        without its colours and the carriage returns the terminal adds."""
        deadline = time.monotonic() + TIMEOUT
        while not re.search(re.escape(wanted.encode()) + rb".*\n", self.output) and time.monotonic() < deadline:
            if select.select([self.terminal], [], [], 0.1)[0]:
                self.output += os.read(self.terminal, 4096)
        return re.sub(r"\x1b\[[0-9;]*m", "", self.output.decode(errors="replace")).replace("\r", "")

    def quit(self) -> int:
        """Type quit; returns redis-cli's exit code."""
        self.type("quit")
        return self.process.wait(timeout=TIMEOUT)

    def close(self) -> None:
        self.process.kill()
        self.process.wait()
        os.close(self.terminal)


def redis_cli_help(port: int, command: str) -> str:
    """What interactive redis-cli prints for `help COMMAND`: it builds that
    from the server's COMMAND DOCS reply."""
    cli = InteractiveCli(port)
    try:
        cli.type(f"help {command}")
        text = cli.read_until("group:")
        assert cli.quit() == 0
        return text
    finally:
        cli.close()


def command_docs(call, name: str) -> dict[bytes, object]:
    """COMMAND DOCS for one command, its fields as a dict (RESP2 sends them as a flat list)."""
    reply = call("COMMAND", "DOCS", name)
    return dict(zip(reply[1][::2], reply[1][1::2]))


def send_until_stalled(sock: socket.socket, data: bytes, most: int) -> int:
    """Send `data` again and again, reading nothing, until `most` bytes are
    sent or the server stops taking them (the socket stays unwritable for
    QUIET seconds: its buffers and the server's are full). Returns how many
    bytes were sent."""
    sock.setblocking(False)
    sent = 0
    try:
        while sent < most and select.select([], [sock], [], QUIET)[1]:
            try:
                sent += sock.send(data)
            except BlockingIOError:
                pass  # writable for a moment, full again: ask select once more
    finally:
        sock.setblocking(True)
    return sent


def reset_at_once(host: str, port: int) -> None:
    """Connect and hang up with a reset (SO_LINGER 0), before reading anything."""
    sock = socket.create_connection((host, port))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()
