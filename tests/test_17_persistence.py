"""Step 17, RDB snapshots: a file our step writes loads in a real Redis 7.0,
and a file Redis writes loads in our step, key for key, type for type,
value for value and deadline for deadline, whatever encoding Redis chose
for each value; and a damaged file stops the start without being touched.

Every test starts servers of its own: `spawn` for the server under test,
`redis_on` for a real redis-server on the same directory.
"""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import pytest

from clients import RawConnection
from conftest import ServerProcess, start_redis
from helpers import dataset

# Values that make Redis 7.0 choose each of its encodings, with the
# thresholds at their defaults: (command, ...) lists, run in order.
ENCODINGS = [
    # strings: integers of each width, long compressible text, bytes, empty
    ["SET", "int8", "-100"], ["SET", "int16", "30000"], ["SET", "int32", "-2000000000"],
    ["SET", "int64", "9223372036854775807"], ["SET", "not an int", "0123"], ["SET", "float", "3.14"],
    ["SET", "compressible", "abc" * 100], ["SET", "binary", b"\x00\xff\r\n\x80"], ["SET", "empty", ""],
    ["SET", "incompressible", bytes(range(256)) * 2],
    # lists: one listpack node, and many nodes of 8 KB
    ["RPUSH", "small list", "a", "1", "-300", "70000", "-9000000000", "x" * 100],
    ["RPUSH", "big list", *[f"element {n}" * 3 for n in range(2000)]],
    # hashes: a listpack, a hashtable by count, a hashtable by value size
    ["HSET", "small hash", "f", "v", "n", "12", "neg", "-5000"],
    ["HSET", "many fields", *[word for n in range(600) for word in (f"field{n}", n)]],
    ["HSET", "long value", "f", "v" * 65],
    # sets: an intset of each width, a hashtable of numbers, one of strings
    ["SADD", "int16 set", 1, 2, -5], ["SADD", "int32 set", 1, 100000], ["SADD", "int64 set", 1, 2**40],
    ["SADD", "big int set", *range(600)], ["SADD", "string set", "a", "b", "c"],
    # sorted sets: a listpack (whole and fractional scores), a skiplist by count, by member size
    ["ZADD", "small zset", 1, "one", 1.5, "one and a half", -2, "minus two", "inf", "top", "-inf", "bottom",
     1e-300, "tiny"],
    ["ZADD", "big zset", *[word for n in range(200) for word in (n / 7, f"member{n}")]],
    ["ZADD", "long member", 1, "m" * 65],
    # deadlines, and another database
    ["SET", "expiring", "value", "PX", 500000], ["PEXPIRE", "small hash", 600000],
    ["SELECT", 5], ["SET", "in db 5", "value"], ["RPUSH", "list in db 5", "a"], ["SELECT", 0],
]


def connect(process: ServerProcess) -> RawConnection:
    return RawConnection(process.host, process.port)


def fill(process: ServerProcess, commands: list[list] = ENCODINGS) -> dict:
    connection = connect(process)
    for words in commands:
        reply = connection.call(*words)
        assert not isinstance(reply, str) or reply in ("OK",), (words, reply)
    held = dataset(connection)
    assert connection.call("SAVE") == "OK"
    connection.close()
    return held


@pytest.fixture
def redis_on(target):
    """redis_on(directory, *config) starts a real redis-server on a directory.
    Against Redis itself these tests would compare Redis with Redis: skip."""
    if target.kind == "redis":
        pytest.skip("compares the server with a real redis-server")
    started = []

    def start(directory: str, *config: str) -> ServerProcess:
        process = start_redis("--dir", directory, *config)
        process.directory = directory
        started.append(process)
        return process

    start.started = started
    yield start
    for process in started:
        process.stop()


def copy_dump(source: ServerProcess, directory: str) -> Path:
    destination = Path(directory) / "dump.rdb"
    shutil.copy(Path(source.directory) / "dump.rdb", destination)
    return destination


# --- both ways ---------------------------------------------------------------------------

@pytest.mark.parametrize("config", [(), ("--rdbcompression", "no"), ("--list-max-listpack-size", "4")],
                         ids=["defaults", "uncompressed", "small list nodes"])
def test_a_file_real_redis_wrote_loads_key_for_key(spawn, redis_on, config, tmp_path):
    (tmp_path / "redis").mkdir()
    held = fill(redis_on(str(tmp_path / "redis"), *config))
    copy_dump(redis_on.started[-1], str(tmp_path))
    assert dataset(connect(spawn(directory=str(tmp_path)))) == held


@pytest.mark.parametrize("config", [(), ("--rdbcompression", "no"), ("--list-max-listpack-size", "4")],
                         ids=["defaults", "uncompressed", "small list nodes"])
def test_a_file_we_wrote_loads_in_real_redis_key_for_key(spawn, redis_on, config):
    ours = spawn(*config)
    held = fill(ours)
    ours.stop()
    assert dataset(connect(redis_on(ours.directory))) == held


def test_what_real_redis_writes_of_our_file_loads_back_the_same(spawn, redis_on):
    ours = spawn()
    held = fill(ours)
    ours.stop()
    theirs = redis_on(ours.directory)
    assert connect(theirs).call("SAVE") == "OK"
    theirs.stop()
    assert dataset(connect(spawn(directory=ours.directory))) == held


def test_keys_past_their_deadline_are_not_loaded(spawn, redis_on, tmp_path):
    (tmp_path / "redis").mkdir()
    theirs = redis_on(str(tmp_path / "redis"))
    connection = connect(theirs)
    connection.call("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    connection.call("SET", "gone", "value", "PX", 1)
    connection.call("SET", "kept", "value")
    connection.call("SAVE")
    copy_dump(theirs, str(tmp_path))
    assert connect(spawn(directory=str(tmp_path))).call("KEYS", "*") == [b"kept"]


# --- files of older Redis versions -------------------------------------------------------

def ziplist(entries: list[bytes]) -> bytes:
    """A ziplist of short strings, as Redis up to 6.2 wrote small lists, hashes and zsets."""
    body, previous = b"", 0
    for entry in entries:
        item = bytes((previous, len(entry))) + entry  # prevlen < 254, 6-bit string length
        body += item
        previous = len(item)
    return struct.pack("<IIH", 10 + len(body) + 1, 10 + len(body) - previous, len(entries)) + body + b"\xff"


def zipmap(pairs: list[tuple[bytes, bytes]]) -> bytes:
    """A zipmap, as Redis before 2.6 wrote small hashes."""
    body = b"".join(bytes((len(f),)) + f + bytes((len(v), 0)) + v for f, v in pairs)
    return bytes((len(pairs),)) + body + b"\xff"


def string(data: bytes) -> bytes:
    assert len(data) < 64
    return bytes((len(data),)) + data


def old_rdb() -> bytes:
    """An RDB version 9 file with the encodings Redis 7.0 no longer writes
    but still reads: a ziplist list, quicklist of ziplists, hash and zset
    ziplists, and a zipmap; checksum 0, "saved without one"."""
    keys = [
        (10, b"ziplist list", string(ziplist([b"a", b"b", b"c"]))),
        (14, b"quicklist", b"\x02" + string(ziplist([b"1", b"2"])) + string(ziplist([b"3"]))),
        (13, b"ziplist hash", string(ziplist([b"f", b"v", b"g", b"w"]))),
        (12, b"ziplist zset", string(ziplist([b"n", b"-2", b"m", b"1.5"]))),  # in score order
        (9, b"zipmap", string(zipmap([(b"f", b"v"), (b"field", b"value")]))),
    ]
    body = b"REDIS0009\xfe\x00" + b"".join(bytes((kind,)) + string(key) + value for kind, key, value in keys)
    return body + b"\xff" + b"\x00" * 8


def test_a_file_with_the_encodings_of_older_redis_versions_loads_as_real_redis_loads_it(spawn, redis_on,
                                                                                         tmp_path):
    for name in ("ours", "redis"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "dump.rdb").write_bytes(old_rdb())
    theirs = dataset(connect(redis_on(str(tmp_path / "redis"))))
    assert len(theirs) == 5
    assert dataset(connect(spawn(directory=str(tmp_path / "ours")))) == theirs


# --- damaged files -----------------------------------------------------------------------

@pytest.mark.parametrize("damage", ["truncated", "a flipped byte", "not an rdb file"])
def test_a_damaged_file_stops_the_start_and_is_left_as_it_was(spawn, damage):
    ours = spawn()
    fill(ours, ENCODINGS[:12])
    ours.stop()
    path = Path(ours.directory) / "dump.rdb"
    data = path.read_bytes()
    damaged = {"truncated": data[:len(data) // 2],
               "a flipped byte": data[:100] + bytes((data[100] ^ 1,)) + data[101:],
               "not an rdb file": b"hello, world\n"}[damage]
    path.write_bytes(damaged)
    with pytest.raises(RuntimeError):
        spawn(directory=ours.directory)
    assert path.read_bytes() == damaged


@pytest.mark.own_steps("the wording of the reason is ours")
def test_the_server_says_what_is_wrong_with_a_damaged_file(spawn):
    ours = spawn()
    fill(ours, ENCODINGS[:3])
    ours.stop()
    path = Path(ours.directory) / "dump.rdb"
    data = path.read_bytes()
    path.write_bytes(data[:-1] + bytes((data[-1] ^ 1,)))
    with pytest.raises(RuntimeError, match="Wrong RDB checksum"):
        spawn(directory=ours.directory)
