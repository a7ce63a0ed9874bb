"""The RDB file: the whole data set in one compact file, byte for byte as
Redis 7.0 writes it (RDB version 10), and a reader for every encoding a
Redis 7.0 server may hand us, including those older versions wrote.

A file is a header, then opcodes, each one byte, and what follows them:

    "REDIS0010"                              magic and version
    AUX name value ...                       what wrote it: redis-ver, ctime, ...
    SELECTDB n  RESIZEDB keys expires        then, for each database:
      [EXPIRETIME_MS t] type key value       one per key
    EOF  crc64                               8 bytes, little-endian

Numbers that say how long something is use a variable-length encoding
(1, 2, 5 or 9 bytes), and strings may be stored as integers or
LZF-compressed. Small collections are stored as Redis holds them in
memory: a listpack (a flat byte string of entries) or an intset. The
in-memory form *is* the on-disk form, which makes saving and loading them
a copy; we build those byte strings from our Python objects.
"""

from __future__ import annotations

import math
import struct
import time
from collections import deque
from dataclasses import dataclass, field
from typing import BinaryIO

from sorted_set import SortedSet
from store import Store

RDB_VERSION = 10
REDIS_VERSION = b"7.0.15"  # a Redis 7.0 refuses a file that claims to come from a newer Redis

# --8<-- [start:opcodes]
# Types of values: what follows the key.
STRING, LIST, SET, ZSET, HASH, ZSET_2 = 0, 1, 2, 3, 4, 5
MODULE, MODULE_2 = 6, 7
HASH_ZIPMAP, LIST_ZIPLIST, SET_INTSET, ZSET_ZIPLIST, HASH_ZIPLIST, LIST_QUICKLIST = 9, 10, 11, 12, 13, 14
STREAM_LISTPACKS, HASH_LISTPACK, ZSET_LISTPACK, LIST_QUICKLIST_2, STREAM_LISTPACKS_2 = 15, 16, 17, 18, 19
# Opcodes: anything else than a key.
FUNCTION2, FUNCTION, MODULE_AUX, IDLE, FREQ, AUX = 245, 246, 247, 248, 249, 250
RESIZEDB, EXPIRETIME_MS, EXPIRETIME, SELECTDB, EOF = 251, 252, 253, 254, 255
# A length whose two top bits are 11 is no length: the string that follows
# is encoded, as an 8, 16 or 32-bit integer or LZF-compressed.
ENC_INT8, ENC_INT16, ENC_INT32, ENC_LZF = 0, 1, 2, 3
QUICKLIST_PLAIN, QUICKLIST_PACKED = 1, 2  # a quicklist node: one big element, or a listpack
# --8<-- [end:opcodes]


class RdbError(Exception):
    """A file (or DUMP payload) that is not valid: the message says what is wrong, and where."""


@dataclass
class RdbContents:
    aux: dict[bytes, bytes] = field(default_factory=dict)
    databases: dict[int, list[tuple[bytes, object, int | None]]] = field(default_factory=dict)
    size: int = 0  # bytes read, checksum included
    functions: int = 0  # function libraries found (and left out: there is no scripting here)


# --8<-- [start:crc64]
def _crc64_table() -> list[int]:
    """CRC-64 with the Jones polynomial, bit-reflected, as Redis's crc64.c."""
    polynomial = 0x95AC9329AC4BC9B5  # reflected
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ polynomial if crc & 1 else crc >> 1
        table.append(crc)
    return table


CRC64_TABLE = _crc64_table()


def crc64(data: bytes, crc: int = 0) -> int:
    table = CRC64_TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc
# --8<-- [end:crc64]


# --8<-- [start:lzf]
def lzf_compress(data: bytes) -> bytes:
    """LZF, the compressor Redis uses: a stream of literal runs (a control
    byte 0-31, then that many bytes plus one) and back references (3 bits of
    length, 13 bits of distance: "copy length+2 bytes from distance+1 back")."""
    out, literals, last_seen = bytearray(), bytearray(), {}
    position, end = 0, len(data)

    def flush() -> None:
        if literals:
            out.append(len(literals) - 1)
            out.extend(literals)
            literals.clear()

    while position < end:
        if position + 2 < end:
            triple = data[position:position + 3]
            earlier = last_seen.get(triple)
            last_seen[triple] = position
            if earlier is not None and position - earlier <= 8192:
                length, longest = 3, min(264, end - position)
                while length < longest and data[earlier + length] == data[position + length]:
                    length += 1
                flush()
                distance, code = position - earlier - 1, length - 2
                if code < 7:
                    out.append(code << 5 | distance >> 8)
                else:
                    out += bytes((7 << 5 | distance >> 8, code - 7))
                out.append(distance & 0xFF)
                position += length
                continue
        literals.append(data[position])
        if len(literals) == 32:
            flush()
        position += 1
    flush()
    return bytes(out)


def lzf_decompress(data: bytes, size: int) -> bytes:
    out, position = bytearray(), 0
    try:
        while position < len(data):
            control = data[position]
            position += 1
            if control < 32:
                out += data[position:position + control + 1]
                position += control + 1
                continue
            length = control >> 5
            if length == 7:
                length += data[position]
                position += 1
            start = len(out) - ((control & 0x1F) << 8) - data[position] - 1
            position += 1
            if start < 0:
                raise RdbError("Invalid LZF compressed string")
            length += 2
            if start + length <= len(out):
                out += out[start:start + length]
            else:  # the copy overlaps what it writes: a run
                for index in range(start, start + length):
                    out.append(out[index])
    except IndexError:
        raise RdbError("Invalid LZF compressed string") from None
    if len(out) != size:
        raise RdbError("Invalid LZF compressed string")
    return bytes(out)
# --8<-- [end:lzf]


def as_int64(value: bytes) -> int | None:
    """The integer a string is the canonical decimal form of, as Redis's
    string2ll() decides: "12" and "-3" are, "012", "+1", "1.0" and "" are not."""
    if not value or len(value) > 20 or value[0] not in b"-0123456789" or value == b"-":
        return None
    try:
        number = int(value)
    except ValueError:
        return None
    if b"%d" % number != value or not -(2**63) <= number < 2**63:
        return None
    return number


# --- writing ---------------------------------------------------------------------------

# --8<-- [start:lengths]
def encode_length(length: int) -> bytes:
    """6 bits in one byte, 14 bits in two, or a marker and 32 or 64 bits."""
    if length < 1 << 6:
        return bytes((length,))
    if length < 1 << 14:
        return bytes((0x40 | length >> 8, length & 0xFF))
    if length <= 0xFFFFFFFF:
        return b"\x80" + struct.pack(">I", length)
    return b"\x81" + struct.pack(">Q", length)


def encode_string(value: bytes, compress: bool) -> bytes:
    """A string as Redis stores it: as an integer if it is one that fits in 32
    bits, LZF-compressed if that makes it shorter (strings over 20 bytes,
    with rdbcompression yes), else its length and bytes."""
    if len(value) <= 11 and (number := as_int64(value)) is not None:
        for encoding, form, low in ((ENC_INT8, "<b", -(2**7)), (ENC_INT16, "<h", -(2**15)),
                                    (ENC_INT32, "<i", -(2**31))):
            if low <= number < -low:
                return bytes((0xC0 | encoding,)) + struct.pack(form, number)
    if compress and len(value) > 20:
        compressed = lzf_compress(value)
        if len(compressed) < len(value) - 4:
            return b"\xc3" + encode_length(len(compressed)) + encode_length(len(value)) + compressed
    return encode_length(len(value)) + value
# --8<-- [end:lengths]


# --8<-- [start:listpack]
def listpack_entry(value: bytes) -> bytes:
    """One listpack entry: its encoding and data, then its own length again
    ("backlen", so that the listpack can be walked from the end too). An
    integer takes 1 to 9 bytes; a string its length in 1, 2 or 5 bytes."""
    number = as_int64(value)
    if number is not None and 0 <= number <= 127:
        entry = bytes((number,))
    elif number is not None and -4096 <= number <= 4095:
        entry = bytes((0xC0 | (number >> 8) & 0x1F, number & 0xFF))
    elif number is not None:
        for marker, size in ((0xF1, 2), (0xF2, 3), (0xF3, 4), (0xF4, 8)):
            if -(2 ** (8 * size - 1)) <= number < 2 ** (8 * size - 1):
                entry = bytes((marker,)) + number.to_bytes(size, "little", signed=True)
                break
    elif len(value) < 64:
        entry = bytes((0x80 | len(value),)) + value
    elif len(value) < 4096:
        entry = bytes((0xE0 | len(value) >> 8, len(value) & 0xFF)) + value
    else:
        entry = b"\xf0" + struct.pack("<I", len(value)) + value
    return entry + backlen(len(entry))


def backlen(length: int) -> bytes:
    """The entry's length again, in 7-bit groups, most significant first;
    every byte but the first has its top bit set, so that a reader going
    backwards knows where it ends. (Redis's thresholds, one short of each
    power of 128 from the second on.)"""
    size = next(size for size, limit in ((1, 128), (2, 16383), (3, 2097151), (4, 268435455), (5, 2**35))
                if length < limit)
    groups = [(length >> (7 * shift)) & 127 for shift in reversed(range(size))]
    return bytes([groups[0]] + [group | 128 for group in groups[1:]])


def listpack(entries: list[bytes]) -> bytes:
    """Total bytes (32 bits), count (16 bits, 65535 meaning "count them"), entries, 0xFF."""
    body = b"".join(entries)
    return struct.pack("<IH", 6 + len(body) + 1, min(len(entries), 65535)) + body + b"\xff"
# --8<-- [end:listpack]


def score_text(score: float) -> bytes:
    """A score as a listpack holds it (Redis's d2string): whole numbers as integers."""
    if math.isinf(score):
        return b"inf" if score > 0 else b"-inf"
    if score == int(score) and abs(score) < 2**53:
        return b"-0" if score == 0 and math.copysign(1, score) < 0 else b"%d" % score
    return b"%.17g" % score


LIST_NODE_LIMITS = {-1: 4096, -2: 8192, -3: 16384, -4: 32768, -5: 65536}  # list-max-listpack-size < 0


def quicklist_nodes(items: deque, fill: int) -> list[bytes]:
    """Cut a list into listpacks as Redis's quicklist would, pushing at the
    tail: a node takes another element while its estimated size stays under
    the limit (8 KB by default), or, for a positive fill, its count under it."""
    nodes, current, size = [], [], 7
    for item in items:
        entry = listpack_entry(item)
        estimate = size + len(item) + 8
        full = (len(current) + 1 > fill or estimate > 8192) if fill >= 0 else estimate > LIST_NODE_LIMITS[max(fill, -5)]
        if current and full:
            nodes.append(listpack(current))
            current, size = [], 7
        current.append(entry)
        size += len(entry)
    if current:
        nodes.append(listpack(current))
    return nodes


# --8<-- [start:encode_value]
def encode_value(value: object, config: dict[str, bytes]) -> tuple[int, bytes]:
    """A value's type byte and its bytes, in the encoding Redis 7.0 would
    have chosen for it (the thresholds come from CONFIG)."""
    compress = config["rdbcompression"] == b"yes"
    string = lambda data: encode_string(data, compress)
    if isinstance(value, bytes):
        return STRING, string(value)
    if isinstance(value, deque):
        nodes = quicklist_nodes(value, int(config["list-max-listpack-size"]))
        return LIST_QUICKLIST_2, encode_length(len(nodes)) + b"".join(
            encode_length(QUICKLIST_PACKED) + string(node) for node in nodes)
    if isinstance(value, dict):
        limit = int(config["hash-max-listpack-value"])
        if len(value) <= int(config["hash-max-listpack-entries"]) and all(
                len(field) <= limit and len(item) <= limit for field, item in value.items()):
            return HASH_LISTPACK, string(listpack([listpack_entry(word) for pair in value.items() for word in pair]))
        return HASH, encode_length(len(value)) + b"".join(string(f) + string(v) for f, v in value.items())
    if isinstance(value, set):
        numbers = [as_int64(member) for member in value]
        if len(value) <= int(config["set-max-intset-entries"]) and None not in numbers:
            width = next(size for size in (2, 4, 8) if all(-(2 ** (8 * size - 1)) <= n < 2 ** (8 * size - 1)
                                                          for n in numbers))
            body = b"".join(n.to_bytes(width, "little", signed=True) for n in sorted(numbers))
            return SET_INTSET, string(struct.pack("<II", width, len(numbers)) + body)
        return SET, encode_length(len(value)) + b"".join(string(member) for member in value)
    if isinstance(value, SortedSet):
        if value.compact:
            entries = [listpack_entry(word) for member, score in value for word in (member, score_text(score))]
            return ZSET_LISTPACK, string(listpack(entries))
        # Highest score first, as Redis walks its skiplist from the tail.
        items = list(value)[::-1]
        return ZSET_2, encode_length(len(items)) + b"".join(string(m) + struct.pack("<d", s) for m, s in items)
    raise TypeError(f"no RDB encoding for {type(value).__name__}")
# --8<-- [end:encode_value]


# --8<-- [start:write_rdb]
def write_rdb(out: BinaryIO, databases: list[Store], config: dict[str, bytes],
              aux: dict[str, bytes | int] | None = None) -> None:
    """Write a whole RDB file to `out`, its checksum last."""
    crc = 0

    def write(data: bytes) -> None:
        nonlocal crc
        crc = crc64(data, crc)
        out.write(data)

    compress = config["rdbcompression"] == b"yes"
    write(b"REDIS%04d" % RDB_VERSION)
    fields = {"redis-ver": REDIS_VERSION, "redis-bits": 64, "ctime": int(time.time()), "used-mem": 0,
              "aof-base": 0, **(aux or {})}
    for name, text in fields.items():
        text = text if isinstance(text, bytes) else b"%d" % text
        write(bytes((AUX,)) + encode_string(name.encode(), compress) + encode_string(text, compress))
    for index, db in enumerate(databases):
        if not len(db):
            continue
        items = list(db.items())
        expiring = sum(1 for _, _, deadline in items if deadline is not None)
        write(bytes((SELECTDB,)) + encode_length(index))
        write(bytes((RESIZEDB,)) + encode_length(len(items)) + encode_length(expiring))
        for key, value, deadline in items:
            kind, data = encode_value(value, config)
            head = bytes((EXPIRETIME_MS,)) + struct.pack("<q", deadline) if deadline is not None else b""
            write(head + bytes((kind,)) + encode_string(key, compress) + data)
    write(bytes((EOF,)))
    out.write(struct.pack("<Q", crc))
# --8<-- [end:write_rdb]


def dump_payload(value: object, config: dict[str, bytes]) -> bytes:
    """DUMP: the value as an RDB file holds it, the RDB version (2 bytes) and a CRC64 of both."""
    kind, data = encode_value(value, config)
    body = bytes((kind,)) + data + struct.pack("<H", RDB_VERSION)
    return body + struct.pack("<Q", crc64(body))


# --- reading ---------------------------------------------------------------------------

# --8<-- [start:reader]
class Reader:
    """A position in the bytes of a file, and what is read from there.
    Any read past the end is the error a truncated file gets."""

    def __init__(self, data: bytes, position: int = 0) -> None:
        self.data, self.position = data, position

    def take(self, size: int) -> bytes:
        end = self.position + size
        if end > len(self.data):
            raise RdbError(f"Unexpected EOF reading RDB file (at byte {len(self.data)})")
        chunk, self.position = self.data[self.position:end], end
        return chunk

    def byte(self) -> int:
        return self.take(1)[0]

    def length(self) -> tuple[int, bool]:
        """A length, or (with True) the number of an encoding of a string."""
        first = self.byte()
        kind = first >> 6
        if kind == 0:
            return first & 0x3F, False
        if kind == 1:
            return (first & 0x3F) << 8 | self.byte(), False
        if kind == 3:
            return first & 0x3F, True
        if first == 0x80:
            return struct.unpack(">I", self.take(4))[0], False
        if first == 0x81:
            return struct.unpack(">Q", self.take(8))[0], False
        raise RdbError(f"Unknown length encoding {first} in rdbLoadLen() at byte {self.position - 1}")

    def count(self) -> int:
        number, encoded = self.length()
        if encoded:
            raise RdbError(f"Unexpected encoded length at byte {self.position - 1}")
        return number

    def string(self) -> bytes:
        number, encoded = self.length()
        if not encoded:
            return self.take(number)
        if number == ENC_INT8:
            return b"%d" % struct.unpack("<b", self.take(1))
        if number == ENC_INT16:
            return b"%d" % struct.unpack("<h", self.take(2))
        if number == ENC_INT32:
            return b"%d" % struct.unpack("<i", self.take(4))
        if number == ENC_LZF:
            compressed, size = self.count(), self.count()
            return lzf_decompress(self.take(compressed), size)
        raise RdbError(f"Unknown RDB string encoding type {number} at byte {self.position - 1}")

    def old_double(self) -> float:
        """A score of RDB_TYPE_ZSET: a length byte (253-255: nan, inf, -inf), then the number as text."""
        size = self.byte()
        if size >= 253:
            return {253: math.nan, 254: math.inf, 255: -math.inf}[size]
        try:
            return float(self.take(size))
        except ValueError:
            raise RdbError(f"Bad double value at byte {self.position}") from None
# --8<-- [end:reader]


def read_listpack(data: bytes) -> list[bytes]:
    """The entries of a listpack, integers as their decimal strings."""
    if len(data) < 7 or struct.unpack("<I", data[:4])[0] != len(data) or data[-1] != 0xFF:
        raise RdbError("Listpack integrity check failed")
    entries, position, end = [], 6, len(data) - 1
    try:
        while position < end:
            first = data[position]
            if first < 0x80:
                value, size = b"%d" % first, 1
            elif first < 0xC0:
                length = first & 0x3F
                value, size = data[position + 1:position + 1 + length], 1 + length
            elif first < 0xE0:
                number = (first & 0x1F) << 8 | data[position + 1]
                value, size = b"%d" % (number - 8192 if number >= 4096 else number), 2
            elif first < 0xF0:
                length = (first & 0x0F) << 8 | data[position + 1]
                value, size = data[position + 2:position + 2 + length], 2 + length
            elif first == 0xF0:
                length = struct.unpack("<I", data[position + 1:position + 5])[0]
                value, size = data[position + 5:position + 5 + length], 5 + length
            elif first in (0xF1, 0xF2, 0xF3, 0xF4):
                width = {0xF1: 2, 0xF2: 3, 0xF3: 4, 0xF4: 8}[first]
                value = b"%d" % int.from_bytes(data[position + 1:position + 1 + width], "little", signed=True)
                size = 1 + width
            else:
                raise RdbError("Listpack integrity check failed")
            position += size + len(backlen(size))
            if position > end:
                raise RdbError("Listpack integrity check failed")
            entries.append(value)
    except (IndexError, struct.error):
        raise RdbError("Listpack integrity check failed") from None
    return entries


def read_ziplist(data: bytes) -> list[bytes]:
    """The entries of a ziplist, the listpack's predecessor (Redis up to 6.2)."""
    if len(data) < 11 or struct.unpack("<I", data[:4])[0] != len(data) or data[-1] != 0xFF:
        raise RdbError("Ziplist integrity check failed")
    entries, position, end = [], 10, len(data) - 1
    try:
        while position < end:
            position += 5 if data[position] == 0xFE else 1  # the previous entry's length
            first = data[position]
            kind = first >> 6
            if kind == 0:
                length, position = first & 0x3F, position + 1
            elif kind == 1:
                length, position = (first & 0x3F) << 8 | data[position + 1], position + 2
            elif kind == 2:
                length, position = struct.unpack(">I", data[position + 1:position + 5])[0], position + 5
            else:
                widths = {0xC0: ("<h", 2), 0xD0: ("<i", 4), 0xE0: ("<q", 8), 0xFE: ("<b", 1)}
                position += 1
                if first in widths:
                    form, size = widths[first]
                    number = struct.unpack(form, data[position:position + size])[0]
                elif first == 0xF0:
                    size, number = 3, int.from_bytes(data[position:position + 3], "little", signed=True)
                elif 0xF1 <= first <= 0xFD:
                    size, number = 0, (first & 0x0F) - 1
                else:
                    raise RdbError("Ziplist integrity check failed")
                entries.append(b"%d" % number)
                position += size
                continue
            if position + length > end:
                raise RdbError("Ziplist integrity check failed")
            entries.append(data[position:position + length])
            position += length
    except (IndexError, struct.error):
        raise RdbError("Ziplist integrity check failed") from None
    return entries


def read_intset(data: bytes) -> set[bytes]:
    if len(data) < 8:
        raise RdbError("Intset integrity check failed")
    width, count = struct.unpack("<II", data[:8])
    if width not in (2, 4, 8) or len(data) != 8 + width * count:
        raise RdbError("Intset integrity check failed")
    return {b"%d" % int.from_bytes(data[8 + i * width:8 + (i + 1) * width], "little", signed=True)
            for i in range(count)}


def read_zipmap(data: bytes) -> dict[bytes, bytes]:
    """A zipmap, the small hash of Redis before 2.6."""
    pairs, position = {}, 1
    try:
        def length() -> int:
            nonlocal position
            first = data[position]
            if first < 254:
                position += 1
                return first
            if first == 254:
                position += 5
                return struct.unpack("<I", data[position - 4:position])[0]
            raise RdbError("Zipmap integrity check failed")
        while data[position] != 0xFF:
            field_length = length()
            field_name = data[position:position + field_length]
            position += field_length
            value_length = length()
            free = data[position]
            value = data[position + 1:position + 1 + value_length]
            position += 1 + value_length + free
            pairs[field_name] = value
    except IndexError:
        raise RdbError("Zipmap integrity check failed") from None
    return pairs


def pairs_of(entries: list[bytes]) -> list[tuple[bytes, bytes]]:
    if len(entries) % 2:
        raise RdbError("Listpack of a hash or zset with an odd number of entries")
    return list(zip(entries[::2], entries[1::2]))


def score_of(text: bytes) -> float:
    try:
        return float(text)
    except ValueError:
        raise RdbError(f"Bad score {text[:32]!r}") from None


def sorted_set(items: list[tuple[bytes, float]]) -> SortedSet:
    if any(math.isnan(score) for _, score in items):
        raise RdbError("Zset with NAN score detected")
    return SortedSet.from_items(items)


# --8<-- [start:read_value]
def read_value(reader: Reader, kind: int) -> object:
    """A value of type `kind`, as our Python types hold it."""
    if kind == STRING:
        return reader.string()
    if kind == LIST:
        return deque(reader.string() for _ in range(reader.count()))
    if kind == SET:
        return {reader.string() for _ in range(reader.count())}
    if kind == ZSET:
        return sorted_set([(reader.string(), reader.old_double()) for _ in range(reader.count())])
    if kind == ZSET_2:
        return sorted_set([(reader.string(), struct.unpack("<d", reader.take(8))[0]) for _ in range(reader.count())])
    if kind == HASH:
        return {reader.string(): reader.string() for _ in range(reader.count())}
    if kind == HASH_ZIPMAP:
        return read_zipmap(reader.string())
    if kind == LIST_ZIPLIST:
        return deque(read_ziplist(reader.string()))
    if kind == SET_INTSET:
        return read_intset(reader.string())
    if kind in (ZSET_ZIPLIST, ZSET_LISTPACK):
        entries = (read_ziplist if kind == ZSET_ZIPLIST else read_listpack)(reader.string())
        return sorted_set([(member, score_of(score)) for member, score in pairs_of(entries)])
    if kind in (HASH_ZIPLIST, HASH_LISTPACK):
        entries = (read_ziplist if kind == HASH_ZIPLIST else read_listpack)(reader.string())
        return dict(pairs_of(entries))
    if kind == LIST_QUICKLIST:
        return deque(item for _ in range(reader.count()) for item in read_ziplist(reader.string()))
    if kind == LIST_QUICKLIST_2:
        items: deque = deque()
        for _ in range(reader.count()):
            container = reader.count()
            if container == QUICKLIST_PLAIN:
                items.append(reader.string())
            elif container == QUICKLIST_PACKED:
                items.extend(read_listpack(reader.string()))
            else:
                raise RdbError(f"Quicklist integrity check failed: container type {container}")
        return items
    if kind in (STREAM_LISTPACKS, STREAM_LISTPACKS_2):
        raise RdbError("The RDB file holds a stream: streams are not supported by this server")
    if kind in (MODULE, MODULE_2):
        raise RdbError("The RDB file holds a module's value: modules are not supported by this server")
    raise RdbError(f"Unknown RDB encoding type {kind}")
# --8<-- [end:read_value]


def is_empty(value: object) -> bool:
    return not isinstance(value, bytes) and not len(value)


# --8<-- [start:read_rdb]
def read_rdb(data: bytes) -> RdbContents:
    """Everything an RDB file holds, or RdbError saying what is wrong with it."""
    if len(data) < 9 or data[:5] != b"REDIS":
        raise RdbError("Wrong signature trying to load DB from file")
    if not data[5:9].isdigit() or not 1 <= int(data[5:9]) <= RDB_VERSION:
        raise RdbError(f"Can't handle RDB format version {data[5:9].decode(errors='replace')}")
    version = int(data[5:9])
    reader, contents = Reader(data, 9), RdbContents()
    db_index, deadline = 0, None
    while True:
        kind = reader.byte()
        if kind == EOF:
            break
        if kind == SELECTDB:
            db_index = reader.count()
        elif kind == RESIZEDB:
            reader.count(), reader.count()
        elif kind == AUX:
            name = reader.string()
            contents.aux[name] = reader.string()
        elif kind == EXPIRETIME_MS:
            deadline = struct.unpack("<q", reader.take(8))[0]
        elif kind == EXPIRETIME:
            deadline = struct.unpack("<i", reader.take(4))[0] * 1000
        elif kind == IDLE:
            reader.count()  # how long the key was idle: no LRU clock here
        elif kind == FREQ:
            reader.byte()  # its LFU counter, likewise
        elif kind == FUNCTION2:
            reader.string()  # a library's code: there is no scripting here
            contents.functions += 1
        elif kind in (FUNCTION, MODULE_AUX):
            raise RdbError(f"The RDB file holds {'functions' if kind == FUNCTION else 'module data'} in a form "
                           "this server cannot read")
        else:
            key = reader.string()
            value = read_value(reader, kind)
            if not is_empty(value):  # Redis skips empty collections too
                contents.databases.setdefault(db_index, []).append((key, value, deadline))
            deadline = None
    if version >= 5:  # the checksum came with version 5; 0 means it was saved without one
        expected = struct.unpack("<Q", reader.take(8))[0]
        if expected and expected != crc64(data[:reader.position - 8]):
            raise RdbError("Wrong RDB checksum")
    contents.size = reader.position
    return contents
# --8<-- [end:read_rdb]


def restore_payload(payload: bytes) -> object:
    """RESTORE: the value a DUMP payload holds, once its version and checksum check out."""
    if len(payload) < 10:
        raise RdbError("DUMP payload version or checksum are wrong")
    body, footer = payload[:-8], payload[-8:]
    version = struct.unpack("<H", body[-2:])[0]
    if version > RDB_VERSION or struct.unpack("<Q", footer)[0] != crc64(body):
        raise RdbError("DUMP payload version or checksum are wrong")
    reader = Reader(body[:-2])
    try:
        value = read_value(reader, reader.byte())
    except RdbError:
        raise RdbError("Bad data format") from None
    if reader.position != len(body) - 2 or is_empty(value):
        raise RdbError("Bad data format")
    return value
