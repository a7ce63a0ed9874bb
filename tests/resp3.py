"""Reading RESP3 replies as exact frames, for tests that compare the bytes'
meaning between our server and real Redis.

redis-py turns replies into Python values and loses what the frame said:
a set and an array both become lists or sets, a double a float, a null None
whatever its type. Here every reply keeps its RESP3 type, as a Frame.
"""

from __future__ import annotations

import shlex
import socket
from dataclasses import dataclass

from clients import TIMEOUT, encode_command


@dataclass(frozen=True)
class Frame:
    """One reply: its RESP3 type ("array", "map", "double", ...) and value.

    For aggregates the value is a tuple of Frames (a map's is a tuple of
    (key, value) pairs); for the others, the bytes of the frame's body.
    """

    kind: str
    value: object

    def canonical(self, arrays: bool = False) -> Frame:
        """The same reply with map entries and set members in a canonical
        order (and, with `arrays`, array items too), to compare two servers
        whose hash tables iterate in different orders."""
        if self.kind == "map":
            children = tuple((key.canonical(arrays), value.canonical(arrays)) for key, value in self.value)
        elif self.kind in ("array", "set", "push"):
            children = tuple(item.canonical(arrays) for item in self.value)
        else:
            return self
        if self.kind in ("map", "set") or arrays:
            children = tuple(sorted(children, key=repr))
        return Frame(self.kind, children)

    def types_agree(self, other: Frame) -> bool:
        """Whether two replies use the same RESP3 types wherever both have
        content: map fields both have, the first item of arrays and sets. For
        replies whose content is ours (COMMAND DOCS) but whose types must be
        Redis's."""
        if self.kind != other.kind:
            return False
        if self.kind == "map":
            theirs = {key: value for key, value in other.value}
            return all(value.types_agree(theirs[key]) for key, value in self.value if key in theirs)
        if self.kind in ("array", "set", "push") and self.value and other.value:
            return self.value[0].types_agree(other.value[0])
        return True


KINDS = {b"+": "simple", b"-": "error", b":": "integer", b"$": "bulk", b"*": "array", b"_": "null",
         b",": "double", b"#": "boolean", b"!": "blob-error", b"=": "verbatim", b"(": "big-number",
         b"%": "map", b"~": "set", b">": "push", b"|": "attribute"}


def read_frame(reader) -> Frame:
    line = reader.readline()
    if not line.endswith(b"\r\n"):
        raise ConnectionError(f"connection closed or reply cut short: {line!r}")
    kind, body = KINDS.get(line[:1]), line[1:-2]
    if kind is None:
        raise AssertionError(f"not a RESP3 reply: {line!r}")
    if kind in ("bulk", "verbatim", "blob-error"):
        if body == b"-1":  # RESP2's null bulk string
            return Frame("null-bulk", None)
        data = reader.read(int(body) + 2)
        assert data.endswith(b"\r\n"), data
        return Frame(kind, data[:-2])
    if kind in ("array", "set", "push"):
        if body == b"-1":  # RESP2's null array
            return Frame("null-array", None)
        return Frame(kind, tuple(read_frame(reader) for _ in range(int(body))))
    if kind == "map":
        return Frame(kind, tuple((read_frame(reader), read_frame(reader)) for _ in range(int(body))))
    if kind == "attribute":
        raise AssertionError("attributes are not expected from these servers")
    return Frame(kind, body)


class Resp3Connection:
    """A raw connection that says HELLO 3 first, then reads every reply as a Frame."""

    def __init__(self, host: str, port: int, protocol: int = 3) -> None:
        self.sock = socket.create_connection((host, port), timeout=TIMEOUT)
        self.reader = self.sock.makefile("rb")
        if protocol == 3:
            hello = self.call("HELLO", "3")
            assert hello.kind == "map", hello

    def send(self, *words: str | bytes | int) -> None:
        self.sock.sendall(encode_command(*words))

    def read(self) -> Frame:
        return read_frame(self.reader)

    def call(self, *words: str | bytes | int) -> Frame:
        self.send(*words)
        return self.read()

    def close(self) -> None:
        self.reader.close()
        self.sock.close()


def compare(line: str, ours: Frame, theirs: Frame) -> None:
    """Two servers' replies to one line of a differential table. A mark in
    front says how closely: `?` the types alone, `~` in any order, `#` the
    kind of the top frame; none, the same frame (maps and sets in any order)."""
    if line.startswith("?"):
        assert ours.types_agree(theirs), line
    elif line.startswith("~"):
        assert ours.canonical(arrays=True) == theirs.canonical(arrays=True), line
    elif line.startswith("#"):
        assert ours.kind == theirs.kind, line
    else:
        assert ours.canonical() == theirs.canonical(), line


def same_frames(server, reference, lines: list[str]) -> None:
    """Send each line of a table (its words split as a shell splits them),
    after HELLO 3, to both servers from an empty keyspace; compare the replies."""
    ours = Resp3Connection(server.host, server.port)
    theirs = Resp3Connection(reference.host, reference.port)
    try:
        theirs.call("FLUSHALL")
        ours.call("FLUSHALL")
        for line in lines:
            words = shlex.split(line.lstrip("~?#"))
            compare(line, ours.call(*words), theirs.call(*words))
    finally:
        ours.close()
        theirs.close()
