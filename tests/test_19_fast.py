"""Step 19: the same server, faster and smaller.

Step 19 changes nothing a client may see, so every earlier module runs
against it unchanged. These tests aim at what its changes could break: the
fast path that splits a whole buffer of commands at once must agree with the
careful parser wherever the bytes are cut, whatever they hold; SCAN walks a
table of buckets that grows and shrinks under it; keys lose their TTLs
without an index of positions. Every expectation is Redis 7's own
behaviour, `pytest --step 19 --against-redis` proves it, except in the
tests marked own_steps: our table's sizes, our process's memory.
"""

import random

import pytest

from helpers import rss_bytes, scanned, wait_until


def command(*words: bytes) -> bytes:
    """One command as a client library sends it: an array of bulk strings."""
    return b"*%d\r\n" % len(words) + b"".join(b"$%d\r\n%b\r\n" % (len(word), word) for word in words)


def pipeline(key: str) -> list[tuple[bytes, bytes]]:
    """(request, reply) pairs of every shape the parser meets: plain arrays,
    an inline command, an argument holding "\\r\\n", an empty one, an empty
    array and an empty line, which get no reply."""
    k = key.encode()
    return [
        (command(b"SET", k, b"hello"), b"+OK\r\n"),
        (command(b"GET", k), b"$5\r\nhello\r\n"),
        (b"PING\r\n", b"+PONG\r\n"),
        (command(b"ECHO", b"a\r\nb"), b"$4\r\na\r\nb\r\n"),
        (b"*0\r\n\r\n", b""),
        (command(b"ECHO", b""), b"$0\r\n\r\n"),
        (b"ECHO 'in line'\n", b"$7\r\nin line\r\n"),
        (command(b"STRLEN", k), b":5\r\n"),
    ]


# --- the fast path and the careful parser agree ----------------------------------------------


def test_a_pipeline_of_every_shape_in_one_send_is_answered_in_order(raw, key):
    requests, replies = zip(*pipeline(key))
    connection = raw()
    connection.send(b"".join(requests) * 50)
    connection.expect(b"".join(replies) * 50)


def test_a_pipeline_cut_at_every_byte_is_answered_the_same(raw, key):
    # Whatever a read ends with, half a header, half an argument, the "\r"
    # without its "\n", the commands are the same and so are the replies.
    parts = pipeline(key)
    data = b"".join(request for request, _ in parts)
    connection = raw()
    for cut in range(1, len(data)):
        connection.send(data[:cut])
        # Wait for the replies to the commands that were whole: the server has then read the cut.
        done, whole = b"", 0
        for request, reply in parts:
            whole += len(request)
            if whole > cut:
                break
            done += reply
        assert connection.read_exactly(len(done)) == done, cut
        connection.send(data[cut:])
        rest = b"".join(reply for _, reply in parts)[len(done):]
        assert connection.read_exactly(len(rest)) == rest, cut


def test_many_small_commands_in_one_send_all_run(raw, key):
    connection = raw()
    connection.send(command(b"INCR", key.encode()) * 5000 + command(b"GET", key.encode()))
    connection.expect(b"".join(b":%d\r\n" % n for n in range(1, 5001)) + b"$4\r\n5000\r\n")


def test_a_bulk_length_one_too_long_takes_one_more_byte(raw):
    # The length is what counts: "hello\r" is read, the next two bytes are
    # skipped unread, and the stream goes on from there.
    connection = raw()
    connection.send(b"*2\r\n$4\r\nECHO\r\n$6\r\nhello\r\n\n" + command(b"PING"))
    connection.expect(b"$6\r\nhello\r\r\n+PONG\r\n")


def test_a_bulk_length_one_too_short_leaves_a_byte_for_the_next_command(raw):
    connection = raw()
    connection.send(b"*2\r\n$4\r\nECHO\r\n$4\r\nhello\r\n" + command(b"PING"))
    connection.expect(b"$4\r\nhell\r\n+PONG\r\n")


def test_inline_and_array_commands_alternate_in_one_send(raw, key):
    connection = raw()
    connection.send((b"INCR %b\r\n" % key.encode() + command(b"INCR", key.encode())) * 100)
    connection.expect(b"".join(b":%d\r\n" % n for n in range(1, 201)))


def test_a_length_with_a_leading_zero_is_a_protocol_error_after_the_commands_before_it(raw):
    # A client library never writes "$04"; Redis refuses it as it refuses "$x".
    connection = raw()
    connection.send(command(b"PING") * 3 + b"*1\r\n$04\r\nPING\r\n" + command(b"PING"))
    assert connection.read_until_closed() == b"+PONG\r\n" * 3 + b"-ERR Protocol error: invalid bulk length\r\n"


def test_a_protocol_error_in_a_pipeline_answers_what_came_before_and_runs_nothing_after(raw, key):
    k = key.encode()
    connection = raw()
    connection.send(command(b"INCR", k) * 10 + b"*1\r\n$x\r\n" + command(b"SET", k, b"after"))
    expected = b"".join(b":%d\r\n" % n for n in range(1, 11)) + b"-ERR Protocol error: invalid bulk length\r\n"
    assert connection.read_until_closed() == expected
    assert raw().call("GET", key) == b"10"


def test_an_array_header_with_a_plus_sign_is_a_protocol_error(raw):
    connection = raw()
    connection.send(command(b"PING") + b"*+1\r\n$4\r\nPING\r\n")
    assert connection.read_until_closed() == b"+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n"


def test_an_array_header_of_thousands_of_digits_is_a_protocol_error(raw):
    connection = raw()
    connection.send(command(b"PING") + b"*" + b"1" * 5000 + b"\r\n" + command(b"PING"))
    assert connection.read_until_closed() == b"+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n"


def test_commands_after_a_blocked_one_wait_in_the_query_buffer(raw, key):
    # The fast path splits them at once, but they are not run, nor counted
    # out of the buffer, before their turn: CLIENT LIST still shows them,
    # with what the client sends while it waits.
    k = key.encode()
    blocked, other = raw(), raw()
    blocked.send(command(b"CLIENT", b"SETNAME", b"waiting") + command(b"BLPOP", k, b"0") + command(b"ECHO", b"1"))
    assert blocked.read_line() == b"+OK\r\n"

    def query_buffer() -> str:
        line = next(line for line in other.call("CLIENT", "LIST").decode().splitlines() if "name=waiting" in line)
        return next(field for field in line.split() if field.startswith("qbuf="))

    assert query_buffer() == f"qbuf={len(command(b'ECHO', b'1'))}"
    blocked.send(command(b"ECHO", b"2"))
    assert wait_until(lambda: query_buffer() == f"qbuf={2 * len(command(b'ECHO', b'1'))}")
    other.call("RPUSH", key, "x")
    assert blocked.read_reply() == [k, b"x"]
    blocked.expect(b"$1\r\n1\r\n$1\r\n2\r\n")


# --- SCAN over a table that grows and shrinks ------------------------------------------------


def test_a_key_present_for_the_whole_scan_is_returned_while_the_database_grows_tenfold(raw, r, key):
    stable = {f"{key}:{i}".encode() for i in range(200)}
    r.mset({name: "v" for name in stable})
    added = 0

    def grow() -> None:
        nonlocal added
        if added < 1800:  # to ten times the keys, then no more: a scan must be able to catch up
            r.mset({f"{key}:new:{added + i}": "v" for i in range(100)})
            added += 100

    found, _ = scanned(raw().call, "SCAN", "0", "COUNT", 10, between=grow)
    assert stable <= set(found)


def test_a_key_present_for_the_whole_scan_is_returned_while_the_database_shrinks_to_a_tenth(raw, r, key):
    names = [f"{key}:{i}".encode() for i in range(2000)]
    r.mset({name: "v" for name in names})
    stable, doomed = set(names[::10]), [name for i, name in enumerate(names) if i % 10]
    random.Random(19).shuffle(doomed)

    def shrink() -> None:
        if doomed:
            r.delete(*[doomed.pop() for _ in range(min(100, len(doomed)))])

    found, _ = scanned(raw().call, "SCAN", "0", "COUNT", 10, between=shrink)
    assert stable <= set(found)


@pytest.mark.own_steps("how far our table has resized depends on its sizes; Redis's may differ")
def test_a_scan_while_the_table_is_being_resized_returns_every_key_exactly_once(raw, r, key):
    # 1,030 keys: the table doubled to 2,048 buckets at the 1,025th, and
    # the adds since have moved only a few of the old 1,024 over: most
    # keys are still in the old table, some in the new.
    names = {f"{key}:{i}".encode() for i in range(1030)}
    r.mset({name: "v" for name in names})
    found, _ = scanned(raw().call, "SCAN", "0", "COUNT", 7)
    assert len(found) == len(set(found)) == 1030 and set(found) == names


def test_randomkey_finds_a_key_among_many_deleted_ones(r, key):
    r.mset({f"{key}:{i}": "v" for i in range(1000)})
    r.delete(*[f"{key}:{i}" for i in range(1, 1000)])
    assert {r.randomkey() for _ in range(20)} == {f"{key}:0".encode()}


# --- deadlines without an index of positions -------------------------------------------------


def test_info_counts_the_keys_with_a_ttl_after_most_lost_it(r, key):
    names = [f"{key}:{i}" for i in range(1000)]
    r.mset({name: "v" for name in names})
    for name in names:
        r.expire(name, 1000)
    for name in names[100:]:
        r.persist(name)
    assert r.info("keyspace")["db0"]["expires"] == 100


def test_a_key_that_lost_its_ttl_outlives_the_keys_that_kept_theirs(r, key):
    # The active cycle samples the keys with a TTL; those that lost theirs,
    # still in its list until a sweep, must never be taken for them.
    names = [f"{key}:{i}" for i in range(300)]
    r.mset({name: "v" for name in names})
    for name in names:
        r.pexpire(name, 100)
    for name in names[::3]:
        r.persist(name)
    kept = {name.encode() for name in names[::3]}
    assert wait_until(lambda: r.dbsize() == len(kept))  # the active cycle deleted the others
    assert set(r.keys(f"{key}:*")) == kept


# --- memory -----------------------------------------------------------------------------------


@pytest.mark.own_steps("reads our server process's memory from /proc")
def test_a_key_with_a_short_string_value_takes_under_280_bytes(server, raw):
    # Step 18 took about 340 bytes for each of these, 90 of them in the
    # three index entries per key of SCAN's order; step 19 about 240.
    # Redis takes about 100.
    connection = raw()
    before = rss_bytes(server.process.pid)
    count = 200_000
    batch = 10_000
    for start in range(0, count, batch):
        connection.send(b"".join(command(b"SET", b"mem:%08d" % i, b"%010d" % i)
                                 for i in range(start, start + batch)))
        assert connection.read_exactly(5 * batch) == b"+OK\r\n" * batch
    assert (rss_bytes(server.process.pid) - before) / count < 280
