"""RESP, the Redis serialization protocol: reading requests, writing replies
in RESP2 or, for a client that asked for it with HELLO 3, in RESP3.

This module knows nothing about sockets or commands. The parser is fed bytes
as they arrive and hands back complete commands; the encoder turns Python
values into reply bytes. That split makes both easy to test and to reuse.
"""

from __future__ import annotations

CRLF = b"\r\n"

# Limits, with Redis's defaults.
MAX_LINE = 64 * 1024  # PROTO_INLINE_MAX_SIZE: the longest inline command or "*"/"$" header line
MAX_BULK_LEN = 512 * 1024 * 1024  # proto-max-bulk-len: the largest single argument
MAX_ARRAY_LEN = 2**31 - 1  # INT_MAX: the most arguments one command may have


class ProtocolError(Exception):
    """The client broke the protocol. Redis replies with the error, then hangs up,
    because it can no longer tell where the next command starts."""


# --8<-- [start:integers]
def parse_int64(data: bytes) -> int | None:
    """Read a decimal integer the way Redis's string2ll() does, or return None.

    Only the integers Redis would print itself are accepted: an optional "-",
    no "+", no spaces, no leading zeros, no "-0", and it must fit in 64 bits.
    The same rule checks lengths in the protocol and the value INCR reads.
    """
    digits = data[1:] if data[:1] == b"-" else data
    if data == b"0":
        return 0
    if not digits.isdigit() or digits[:1] == b"0" or len(data) > 20:
        return None  # bytes.isdigit() is ASCII-only, so no "٣" sneaks in
    value = int(data)
    return value if -(2**63) <= value < 2**63 else None
# --8<-- [end:integers]


# --8<-- [start:parser]
class RequestParser:
    """Turns the byte stream of one client into commands (lists of bytes).

    Clients send either RESP arrays of bulk strings, which is what client
    libraries use:

        *2\\r\\n$3\\r\\nGET\\r\\n$3\\r\\nkey\\r\\n

    or inline commands, a line of space-separated words, which is what you type
    into nc or telnet:

        GET key\\r\\n

    TCP may cut that stream anywhere, so a command can arrive in many pieces and
    many commands can arrive at once (pipelining). The parser keeps its place
    between calls, like Redis does: how many array items are still due and the
    length of the bulk string it is waiting for. Bytes are looked at once, so
    parsing a 10,000-command pipeline or a 100 MB value costs time in proportion
    to its size, however it is split up.
    """

    # --8<-- [start:parser_state]
    def __init__(self) -> None:
        self._buffer = bytearray()
        self._pos = 0  # where the unparsed bytes start
        self._items_left = 0  # bulk strings still due in the current array
        self._bulk_len = -1  # length of the bulk string being read; -1: header not read yet
        self._args: list[bytes] = []
        self.max_bulk_len = MAX_BULK_LEN  # proto-max-bulk-len; the event loop keeps it up to date
        # Commands the fast path split out of the buffer but not handed out
        # yet, each with where it ends, last first (list.pop() is O(1)).
        self._ready: list[tuple[list[bytes], int]] = []
        self._fast_path_failed = False  # tried since the last feed(), and no command came of it

    def feed(self, data: bytes) -> None:
        """Add bytes just read from the socket."""
        # Forget the bytes already parsed first. Deleting from the front of a
        # bytearray is cheap in CPython: it moves a start offset, not the data.
        # (Not while split commands wait: their end positions would move.)
        if not self._ready:
            del self._buffer[: self._pos]
            self._pos = 0
        self._buffer += data
        self._fast_path_failed = False

    def buffered(self) -> int:
        """How many bytes have arrived that are not a whole command yet (CLIENT LIST's qbuf)."""
        return len(self._buffer) - self._pos
    # --8<-- [end:parser_state]

    # --8<-- [start:next_command]
    def next_command(self) -> list[bytes] | None:
        """Return the next complete command, or None until more bytes arrive.

        Raises ProtocolError, carrying Redis's message, on malformed input.
        """
        if not self._ready and not self._items_left and not self._fast_path_failed and self.buffered():
            self._split_commands()
        if self._ready:
            command, self._pos = self._ready.pop()
            return command
        while True:
            if self._items_left:
                return self._read_array_items()
            if self._pos == len(self._buffer):
                return None
            if self._buffer[self._pos] == ord("*"):
                if not self._read_array_header():
                    return None
                # "*0" and "*-1" announce an empty command; Redis skips it.
            else:
                command = self._read_inline()
                if command is None:
                    return None
                if command:
                    return command
                # An empty line is not a command either.
    # --8<-- [end:next_command]

    # --8<-- [start:split_commands]
    def _split_commands(self) -> None:
        """The fast path: cut every complete command in the buffer out at
        once, with a few calls into C instead of several Python calls per
        argument.

        One split() at each "\r\n" turns *3 $3 SET $1 k $1 v into the lines
        "*3", "$3", "SET", "$1", "k", "$1", "v". A command is taken only if
        its lines are exactly what a client library sends: "*<n>" with n > 0
        written as Python writes it, and each argument's line after a
        "$<its exact length>". Anything else, an inline command, a value
        that holds "\r\n" itself, a length with a leading zero, a
        command cut off by the end of the buffer, is left to the parser
        above, which knows every rule and every error; the fast path stops
        there, so commands still run in the order they came.
        """
        if len(self._buffer) - self._pos > self.max_bulk_len:
            self._fast_path_failed = True  # an argument might be too long: the careful parser checks
            return
        lines = bytes(memoryview(self._buffer)[self._pos :]).split(CRLF)
        complete = len(lines) - 1  # the last piece has no "\r\n" after it yet
        ready, line, end = [], 0, self._pos
        while line < complete:
            header = lines[line]
            # (At most 10 digits: int() of thousands of digits would raise, not fail politely.)
            if header[:1] != b"*" or not header[1:].isdigit() or len(header) > 11:
                break
            count = int(header[1:])
            last = line + 2 * count  # the line holding the last argument
            if count == 0 or count > MAX_ARRAY_LEN or last >= complete or header != b"*%d" % count:
                break
            args = lines[line + 2 : last + 1 : 2]
            lengths = lines[line + 1 : last : 2]
            if lengths != [b"$%d" % len(arg) for arg in args]:
                break
            # Every line was followed by "\r\n": 2 bytes each, 2 * count + 1 lines.
            end += len(header) + sum(map(len, lengths)) + sum(map(len, args)) + 2 * (2 * count + 1)
            ready.append((args, end))
            line = last + 1
        if not ready:
            self._fast_path_failed = True  # the careful parser takes it from here until more bytes come
        ready.reverse()
        self._ready = ready
    # --8<-- [end:split_commands]

    # --8<-- [start:read_line]
    def _read_line(self, too_long: str) -> bytes | None:
        """Read a "*<n>" or "$<n>" header line, without its "\\r\\n"."""
        end = self._buffer.find(b"\r", self._pos)
        if end == -1:
            if len(self._buffer) - self._pos > MAX_LINE:
                raise ProtocolError(too_long)
            return None
        if end + 1 == len(self._buffer):
            return None  # the "\n" after the "\r" has not arrived yet
        line = bytes(self._buffer[self._pos : end])
        self._pos = end + 2  # like Redis, we trust the byte after "\r" to be "\n"
        return line
    # --8<-- [end:read_line]

    # --8<-- [start:array]
    def _read_array_header(self) -> bool:
        line = self._read_line("Protocol error: too big mbulk count string")
        if line is None:
            return False
        count = parse_int64(line[1:])
        if count is None or count > MAX_ARRAY_LEN:
            raise ProtocolError("Protocol error: invalid multibulk length")
        self._items_left = max(count, 0)
        return True

    def _read_array_items(self) -> list[bytes] | None:
        while self._items_left:
            if self._bulk_len == -1:
                line = self._read_line("Protocol error: too big bulk count string")
                if line is None:
                    return None
                if line[:1] != b"$":
                    # Redis quotes the byte itself, whatever it is; an empty line shows its "\r".
                    got = line[:1].decode("utf-8", "surrogateescape") or "\r"
                    raise ProtocolError(f"Protocol error: expected '$', got '{got}'")
                length = parse_int64(line[1:])
                if length is None or length < 0 or length > self.max_bulk_len:
                    raise ProtocolError("Protocol error: invalid bulk length")
                self._bulk_len = length
            # Wait until the whole string and its "\r\n" are here. Until then
            # each feed() costs one length check, not a re-parse.
            end = self._pos + self._bulk_len
            if end + 2 > len(self._buffer):
                return None
            self._args.append(bytes(self._buffer[self._pos : end]))
            self._pos = end + 2  # like Redis, we skip the "\r\n" unchecked
            self._bulk_len = -1
            self._items_left -= 1
        command, self._args = self._args, []
        return command
    # --8<-- [end:array]

    # --8<-- [start:inline]
    def _read_inline(self) -> list[bytes] | None:
        end = self._buffer.find(b"\n", self._pos)
        if end == -1:
            if len(self._buffer) - self._pos > MAX_LINE:
                raise ProtocolError("Protocol error: too big inline request")
            return None
        line = bytes(self._buffer[self._pos : end]).removesuffix(b"\r")
        self._pos = end + 1
        words = split_inline(line)
        if words is None:
            raise ProtocolError("Protocol error: unbalanced quotes in request")
        return words
    # --8<-- [end:inline]
# --8<-- [end:parser]


# --8<-- [start:split_inline]
QUOTE_ESCAPES = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b", ord("a"): b"\a"}
HEX_DIGITS = b"0123456789abcdefABCDEF"


def split_inline(line: bytes) -> list[bytes] | None:
    """Split an inline command into words the way redis-cli and Redis do.

    Words are separated by spaces; "double quotes" allow escapes such as \\n and
    \\x41, 'single quotes' only \\'. A closing quote must end the word. Returns
    None for unbalanced quotes.
    """
    line = line.split(b"\0", 1)[0]  # Redis reads the line as a C string
    words: list[bytes] = []
    i, n = 0, len(line)
    while True:
        while i < n and line[i] in b" \t\n\r\v\f":
            i += 1
        if i == n:
            return words
        word = bytearray()
        quote = None  # the quote character we are inside of, if any
        while True:
            c = line[i] if i < n else None
            if quote is None:
                if c is None or c in b" \n\r\t":
                    break
                if c in b"\"'":
                    quote = c
                else:
                    word.append(c)
            elif c is None:
                return None  # the line ended inside quotes
            elif c == quote:
                if i + 1 < n and line[i + 1] not in b" \t\n\r\v\f":
                    return None  # 'a'b: a closing quote must end the word
                i += 1
                break
            elif c == ord("\\") and quote == ord('"') and line[i + 1 : i + 2] == b"x" \
                    and len(line[i + 2 : i + 4]) == 2 and all(h in HEX_DIGITS for h in line[i + 2 : i + 4]):
                word.append(int(line[i + 2 : i + 4], 16))
                i += 3
            elif c == ord("\\") and i + 1 < n and (quote == ord('"') or line[i + 1] == ord("'")):
                i += 1
                word += QUOTE_ESCAPES.get(line[i], line[i : i + 1]) if quote == ord('"') else b"'"
            else:
                word.append(c)
            i += 1
        words.append(bytes(word))
# --8<-- [end:split_inline]


# --8<-- [start:encoder]
class SimpleString(str):
    """A short status reply such as OK or PONG: "+OK\\r\\n"."""


class Error(str):
    """An error reply: "-ERR message\\r\\n". The first word is the error's kind."""


class NullArray:
    """The type of NULL_ARRAY, of which there is one."""


OK = SimpleString("OK")
OK_BYTES = b"+OK\r\n"
# RESP2 has two nulls. None is the null bulk string, "$-1": no such value.
# NULL_ARRAY is "*-1", what a command that replies with an array sends when
# it has nothing at all, such as LPOP key count on a missing key. RESP3 has
# one null for both, "_".
NULL_ARRAY = NullArray()
# --8<-- [start:resp3_types]


# RESP3 gives a reply more types than RESP2 has. A handler says which one it
# means by returning one of these; the encoder sends it as such to a RESP3
# client and as the RESP2 shape Redis always used to everyone else.
class Map(dict):
    """Field -> value, "%": HGETALL, CONFIG GET, HELLO. RESP2: a flat array
    field, value, field, value, ..."""


class Set(list):
    """Members in no particular order, "~": SMEMBERS, SINTER. RESP2: an array."""


class Pairs(list):
    """A list of (member, score) or (field, value) tuples: ZRANGE ... WITHSCORES,
    HRANDFIELD ... WITHVALUES. RESP3: an array of 2-element arrays; RESP2: one
    flat array."""


class Double(float):
    """A floating-point number, ",": ZSCORE, ZINCRBY. RESP2: a bulk string.
    Both write it as format_double() does."""


class Verbatim(str):
    """Text meant for people, "=": INFO, CLIENT LIST. RESP3 marks it as plain
    text ("txt:"); RESP2 sends a bulk string."""


# --8<-- [start:push]
class Push(list):
    """Something the server sends without being asked, ">": pub/sub messages,
    and the replies to SUBSCRIBE and its kin, which arrive the same way. A
    RESP3 client tells them from replies by their type, so they may come in
    between; RESP2 has no such type and sends an array, which is why a RESP2
    client that subscribes may run nothing but pub/sub commands."""


class NoReply:
    """The type of NO_REPLY, of which there is one."""


# What a handler returns when it has already said everything with pushes
# (SUBSCRIBE and its kin): nothing more goes on the wire.
NO_REPLY = NoReply()
# --8<-- [end:push]


# --8<-- [start:exec_reply]
class ExecReply(list):
    """EXEC's reply: an array header counting the commands it ran, then
    everything they wrote, in order. That is one reply each, except for a
    SUBSCRIBE to several channels, which writes one confirmation per
    channel: Redis still counts it once, and so do we."""

    def __init__(self, count: int, written: list) -> None:
        super().__init__(written)
        self.count = count
# --8<-- [end:exec_reply]


def format_double(number: float) -> bytes:
    """A double as Redis 7.0 writes it: printf's "%.17g", 17 significant
    digits, which is enough for any double to read back exactly as itself.
    So 1.1 comes back as 1.1000000000000001, 3 as 3, 1e20 as 1e+20, and the
    infinities as inf and -inf."""
    if number in (float("inf"), float("-inf")):
        return b"inf" if number > 0 else b"-inf"
    return b"%.17g" % number
# --8<-- [end:resp3_types]

# What a handler may return, and how each kind goes on the wire:
Reply = SimpleString | Error | int | bytes | None | NullArray | list | Map | Double | Verbatim | NoReply


# --8<-- [start:encode]
def encode(reply: Reply, protocol: int = 2) -> bytes:
    """Serialize one reply for a client speaking RESP `protocol` (2 or 3). Text is
    encoded back to the exact bytes it came from: arguments are decoded with
    surrogateescape, so any byte survives the trip."""
    # --8<-- [start:encode_first]
    # The replies nearly every command gives come first: GET's value or its
    # null, and SET's OK, whose bytes never change, so they are not built
    # again each time.
    if type(reply) is bytes:
        return b"$%d\r\n%b\r\n" % (len(reply), reply)
    if reply is OK:
        return OK_BYTES
    if reply is None:
        return b"_\r\n" if protocol == 3 else b"$-1\r\n"  # "no such key"
    # --8<-- [end:encode_first]
    if isinstance(reply, Error):
        # An error must stay on one line, whatever a client put in its text.
        one_line = reply.replace("\r", " ").replace("\n", " ")
        return b"-" + one_line.encode("utf-8", "surrogateescape") + CRLF
    if isinstance(reply, SimpleString):
        return b"+" + reply.encode("utf-8", "surrogateescape") + CRLF
    if isinstance(reply, Verbatim):
        text = reply.encode("utf-8", "surrogateescape")
        if protocol == 2:
            return b"$%d\r\n%b\r\n" % (len(text), text)
        return b"=%d\r\ntxt:%b\r\n" % (len(text) + 4, text)
    if isinstance(reply, int):
        return b":%d\r\n" % reply
    if isinstance(reply, Double):
        text = format_double(reply)
        return b",%b\r\n" % text if protocol == 3 else b"$%d\r\n%b\r\n" % (len(text), text)
    if reply is NULL_ARRAY:
        return b"_\r\n" if protocol == 3 else b"*-1\r\n"
    if reply is NO_REPLY:
        return b""
    if isinstance(reply, ExecReply):
        return b"*%d\r\n" % reply.count + b"".join(encode(part, protocol) for part in reply)
    if protocol == 2:
        # RESP2 has one kind of aggregate: maps and pairs are flattened into it.
        if isinstance(reply, Map):
            reply = [item for pair in reply.items() for item in pair]
        elif isinstance(reply, Pairs):
            reply = [item for pair in reply for item in pair]
    if isinstance(reply, Map):
        return b"%%%d\r\n" % len(reply) + b"".join(
            encode(key, protocol) + encode(value, protocol) for key, value in reply.items())
    if isinstance(reply, Pairs):
        reply = [list(pair) for pair in reply]
    # RESP3 gives sets and pushes types of their own; all else is an array.
    header = {Set: b"~", Push: b">"}.get(type(reply), b"*") if protocol == 3 else b"*"
    if isinstance(reply, list):
        return header + b"%d\r\n" % len(reply) + b"".join(encode(item, protocol) for item in reply)
    raise TypeError(f"cannot encode {reply!r} as RESP")
# --8<-- [end:encode]
# --8<-- [end:encoder]
