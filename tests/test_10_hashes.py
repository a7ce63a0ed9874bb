"""Step 10: hashes. A key holds fields, each with a value: HSET and HGET, the
whole hash at once, counters per field, random fields, and HSCAN.

Every expectation here is Redis 7's own behaviour unless marked own_steps:
`pytest --against-redis` runs this file against a real redis-server to prove
it. The differential test at the end sends thousands of random hash commands
to the server under test and to a real redis-server side by side, and
compares every reply.
"""

import itertools
import random

import pytest

from clients import RawConnection, command_docs, redis_cli_help
from helpers import (INT64_MAX, INT64_MIN, NOT_A_FLOAT, NOT_AN_INTEGER, SYNTAX_ERROR, WRONGTYPE, differential_run,
                     expire_now, follow_scan, random_float, random_integer, random_value, scanned,
                     with_wrong_arity_now_and_then)


def pairs(flat: list) -> list[tuple]:
    """HGETALL's field, value, field, value, ... as sorted (field, value) pairs."""
    return sorted(zip(flat[::2], flat[1::2]))


# --- HSET, HMSET, HSETNX, HGET -------------------------------------------------------------------


def test_hset_sets_fields_and_replies_with_how_many_are_new(call, key):
    assert call("HSET", key, "name", "Ada", "born", "1815") == 2
    assert call("HGET", key, "name") == b"Ada"
    assert call("HGET", key, "born") == b"1815"


def test_hset_overwrites_a_field_without_counting_it_as_new(call, key):
    call("HSET", key, "name", "Ada")
    assert call("HSET", key, "name", "Grace", "born", "1906") == 1
    assert call("HGET", key, "name") == b"Grace"


def test_hset_with_a_field_named_twice_keeps_the_last_value_and_counts_it_once(call, key):
    assert call("HSET", key, "f", "first", "f", "last") == 1
    assert call("HGET", key, "f") == b"last"


@pytest.mark.parametrize("command", ["HSET", "HMSET"])
@pytest.mark.parametrize("words", [["f"], ["f", "v", "g"]], ids=["one-word", "three-words"])
def test_hset_and_hmset_with_a_field_without_value_are_an_arity_error(call, key, command, words):
    assert call(command, key, *words) == f"ERR wrong number of arguments for '{command.lower()}' command"
    assert call("EXISTS", key) == 0


def test_hset_arity_error_comes_before_the_type_check(call, key):
    call("SET", key, "a string")
    assert call("HSET", key, "f", "v", "g") == "ERR wrong number of arguments for 'hset' command"


def test_hmset_sets_every_pair_and_replies_ok(call, key):
    assert call("HMSET", key, "a", "1", "b", "2") == "OK"
    assert call("HMGET", key, "a", "b") == [b"1", b"2"]


def test_hsetnx_sets_a_field_only_if_it_is_missing(call, key):
    assert call("HSETNX", key, "f", "first") == 1
    assert call("HSETNX", key, "f", "second") == 0
    assert call("HGET", key, "f") == b"first"


def test_hsetnx_creates_the_hash(call, key):
    assert call("HSETNX", key, "f", "v") == 1
    assert call("TYPE", key) == "hash"


def test_hget_of_a_missing_field_or_key_is_null(call, key):
    call("HSET", key, "f", "v")
    assert call("HGET", key, "other") is None
    assert call("HGET", key + "missing", "f") is None


def test_fields_and_values_are_binary_safe(call, key):
    call("HSET", key, b"\x00\r\n\xff", b"v\x00\r\n", b"", b"")
    assert call("HGET", key, b"\x00\r\n\xff") == b"v\x00\r\n"
    assert call("HGET", key, b"") == b""
    assert call("HEXISTS", key, b"") == 1


# --- HMGET, HEXISTS, HSTRLEN, HLEN ---------------------------------------------------------------


def test_hmget_replies_with_a_value_or_null_for_each_field_in_order(call, key):
    call("HSET", key, "a", "1", "c", "3")
    assert call("HMGET", key, "c", "b", "a", "c") == [b"3", None, b"1", b"3"]


def test_hmget_of_a_missing_key_replies_with_a_null_per_field(call, key):
    assert call("HMGET", key, "a", "b") == [None, None]


def test_hexists_says_whether_a_field_exists(call, key):
    call("HSET", key, "f", "")
    assert call("HEXISTS", key, "f") == 1  # even with an empty value
    assert call("HEXISTS", key, "g") == 0
    assert call("HEXISTS", key + "missing", "f") == 0


def test_hstrlen_is_the_length_of_a_value_in_bytes(call, key):
    call("HSET", key, "word", "héllo", "number", "-12345")
    assert call("HSTRLEN", key, "word") == 6
    assert call("HSTRLEN", key, "number") == 6
    assert call("HSTRLEN", key, "missing") == 0
    assert call("HSTRLEN", key + "missing", "word") == 0


def test_hlen_counts_the_fields(call, key):
    assert call("HLEN", key) == 0
    call("HSET", key, "a", "1", "b", "2", "c", "3")
    assert call("HLEN", key) == 3


# --- HDEL, and the empty hash that is not there ------------------------------------------------


def test_hdel_deletes_fields_and_counts_those_that_existed(call, key):
    call("HSET", key, "a", "1", "b", "2", "c", "3")
    assert call("HDEL", key, "a", "missing", "c", "a") == 2
    assert call("HKEYS", key) == [b"b"]


def test_hdel_of_the_last_field_deletes_the_key(call, key):
    call("HSET", key, "a", "1", "b", "2")
    assert call("HDEL", key, "a", "b") == 2
    assert call("EXISTS", key) == 0
    assert call("TYPE", key) == "none"
    assert call("HLEN", key) == 0


def test_an_emptied_hash_is_gone_for_good(call, key):
    call("HSET", key, "a", "1")
    call("EXPIRE", key, 100)
    call("HDEL", key, "a")
    call("HSET", key, "b", "2")  # a new hash: no old fields, no old TTL
    assert call("HGETALL", key) == [b"b", b"2"]
    assert call("TTL", key) == -1


def test_hdel_of_a_missing_key_replies_0(call, key):
    assert call("HDEL", key, "a") == 0
    assert call("EXISTS", key) == 0


# --- HKEYS, HVALS, HGETALL -----------------------------------------------------------------------


def test_hgetall_replies_with_a_flat_array_of_fields_and_values(raw, call, key):
    call("HSET", key, "f", "v")
    connection = raw()
    connection.send(b"*2\r\n$7\r\nHGETALL\r\n$%d\r\n%b\r\n" % (len(key), key.encode()))
    connection.expect(b"*2\r\n$1\r\nf\r\n$1\r\nv\r\n")


def test_hkeys_hvals_and_hgetall_agree_with_each_other(call, key):
    call("HSET", key, "a", "1", "b", "2", "c", "3")
    everything = call("HGETALL", key)
    assert pairs(everything) == [(b"a", b"1"), (b"b", b"2"), (b"c", b"3")]
    assert call("HKEYS", key) == everything[::2]
    assert call("HVALS", key) == everything[1::2]


@pytest.mark.parametrize("command", ["HKEYS", "HVALS", "HGETALL"])
def test_the_whole_of_a_missing_hash_is_an_empty_array(call, key, command):
    assert call(command, key) == []


def test_a_small_hash_keeps_its_fields_in_the_order_they_were_added(call, key):
    # Not a promise Redis makes, but what both servers do for a small hash:
    # a listpack, like a dict, appends new fields and updates in place.
    call("HSET", key, "c", "1", "a", "2", "b", "3")
    call("HSET", key, "a", "new")
    call("HDEL", key, "c")
    call("HSET", key, "c", "again")
    assert call("HGETALL", key) == [b"a", b"new", b"b", b"3", b"c", b"again"]


# --- HINCRBY -----------------------------------------------------------------------------------


def test_hincrby_adds_to_a_field_and_replies_with_the_sum(call, key):
    call("HSET", key, "visits", "10")
    assert call("HINCRBY", key, "visits", 5) == 15
    assert call("HINCRBY", key, "visits", -20) == -5
    assert call("HGET", key, "visits") == b"-5"


def test_hincrby_starts_a_missing_field_or_key_from_zero(call, key):
    assert call("HINCRBY", key, "a", 7) == 7
    assert call("HINCRBY", key, "b", -3) == -3
    assert pairs(call("HGETALL", key)) == [(b"a", b"7"), (b"b", b"-3")]


@pytest.mark.parametrize("increment", ["x", "1.5", "", " 1", "01", "+1", str(2**63), str(-(2**63) - 1)])
def test_hincrby_refuses_an_increment_that_is_not_a_64_bit_integer(call, key, increment):
    assert call("HINCRBY", key, "f", increment) == NOT_AN_INTEGER
    assert call("EXISTS", key) == 0


@pytest.mark.parametrize("value", ["abc", "1.5", "", " 1", "01", "-0", str(2**63)])
def test_hincrby_refuses_a_value_that_is_not_a_64_bit_integer(call, key, value):
    call("HSET", key, "f", value)
    assert call("HINCRBY", key, "f", 1) == "ERR hash value is not an integer"
    assert call("HGET", key, "f") == value.encode()


@pytest.mark.parametrize("start, increment", [(INT64_MAX, 1), (INT64_MIN, -1), (1, INT64_MAX), (-2, INT64_MIN)])
def test_hincrby_refuses_to_overflow_and_leaves_the_value_alone(call, key, start, increment):
    call("HSET", key, "f", start)
    assert call("HINCRBY", key, "f", increment) == "ERR increment or decrement would overflow"
    assert call("HGET", key, "f") == str(start).encode()


def test_hincrby_reaches_both_ends_of_64_bits(call, key):
    assert call("HINCRBY", key, "f", INT64_MAX) == INT64_MAX
    assert call("HINCRBY", key, "g", INT64_MIN) == INT64_MIN
    assert call("HINCRBY", key, "g", INT64_MAX) == -1


def test_hincrby_reads_the_increment_before_the_key(call, key):
    call("SET", key, "a string")
    assert call("HINCRBY", key, "f", "x") == NOT_AN_INTEGER
    assert call("HINCRBY", key, "f", "1") == WRONGTYPE


# --- HINCRBYFLOAT --------------------------------------------------------------------------------


@pytest.mark.parametrize("start, increment, expected", [
    (None, "10.5", "10.5"),
    ("10.5", "0.1", "10.6"),  # a long double sum: in doubles this would print 10.59999999999999964
    ("5.0e3", "2.0e2", "5200"),
    ("3", "-1.5", "1.5"),
    ("0.1", "-0.1", "0"),
    ("1e20", "1", "100000000000000000000"),
    ("10", "0x10", "26"),
    (str(INT64_MAX), "1", "9223372036854775808"),
], ids=lambda value: str(value))
def test_hincrbyfloat_replies_with_the_long_double_sum_printed_like_incrbyfloat(call, key, start, increment, expected):
    if start is not None:
        call("HSET", key, "f", start)
    assert call("HINCRBYFLOAT", key, "f", increment) == expected.encode()
    assert call("HGET", key, "f") == expected.encode()


def test_hincrbyfloat_and_hincrby_see_each_others_results(call, key):
    assert call("HINCRBY", key, "f", 3) == 3
    assert call("HINCRBYFLOAT", key, "f", "0.5") == b"3.5"
    assert call("HINCRBY", key, "f", 1) == "ERR hash value is not an integer"
    assert call("HINCRBYFLOAT", key, "f", "0.5") == b"4"
    assert call("HINCRBY", key, "f", 1) == 5


@pytest.mark.parametrize("increment", ["x", "", " 1", "1 ", "1e", "nan", "1e5000", "1e-5000"])
def test_hincrbyfloat_refuses_an_increment_that_is_not_a_float(call, key, increment):
    assert call("HINCRBYFLOAT", key, "f", increment) == NOT_A_FLOAT


@pytest.mark.parametrize("increment", ["inf", "-inf", "Infinity"])
def test_hincrbyfloat_refuses_an_infinite_increment(call, key, increment):
    assert call("HINCRBYFLOAT", key, "f", increment) == "ERR value is NaN or Infinity"
    assert call("EXISTS", key) == 0


@pytest.mark.parametrize("value", ["abc", "", " 1", "1.5.5", "nan"])
def test_hincrbyfloat_refuses_a_value_that_is_not_a_float(call, key, value):
    call("HSET", key, "f", value)
    assert call("HINCRBYFLOAT", key, "f", "1") == "ERR hash value is not a float"


def test_hincrbyfloat_refuses_a_sum_that_is_infinite(call, key):
    call("HSET", key, "f", "inf", "big", "1e4932")
    assert call("HINCRBYFLOAT", key, "f", "1") == "ERR increment would produce NaN or Infinity"
    assert call("HINCRBYFLOAT", key, "big", "1e4932") == "ERR increment would produce NaN or Infinity"
    assert call("HGET", key, "f") == b"inf"


def test_hincrbyfloat_checks_the_increment_then_the_type_then_the_value(call, key):
    call("SET", key, "a string")
    assert call("HINCRBYFLOAT", key, "f", "x") == NOT_A_FLOAT
    assert call("HINCRBYFLOAT", key, "f", "inf") == "ERR value is NaN or Infinity"
    assert call("HINCRBYFLOAT", key, "f", "1") == WRONGTYPE


# --- HRANDFIELD ----------------------------------------------------------------------------------

FIELDS = {f"field{n}".encode(): f"value{n}".encode() for n in range(10)}


@pytest.fixture
def ten_fields(call, key):
    call("HSET", key, *[word for pair in FIELDS.items() for word in pair])
    return key


def test_hrandfield_without_count_replies_with_one_field(call, ten_fields):
    assert call("HRANDFIELD", ten_fields) in FIELDS


def test_hrandfield_without_count_of_a_missing_key_is_null(call, key):
    assert call("HRANDFIELD", key) is None


def test_hrandfield_returns_every_field_sooner_or_later(call, key):
    call("HSET", key, "a", "1", "b", "2", "c", "3")
    assert {call("HRANDFIELD", key) for _ in range(200)} == {b"a", b"b", b"c"}


def test_hrandfield_with_a_positive_count_replies_with_distinct_fields(call, ten_fields):
    reply = call("HRANDFIELD", ten_fields, 5)
    assert len(reply) == len(set(reply)) == 5
    assert set(reply) <= set(FIELDS)


def test_hrandfield_with_a_count_above_the_size_replies_with_the_whole_hash(call, ten_fields):
    assert sorted(call("HRANDFIELD", ten_fields, 100)) == sorted(FIELDS)


def test_hrandfield_with_a_negative_count_replies_with_that_many_fields_repeats_allowed(call, ten_fields):
    reply = call("HRANDFIELD", ten_fields, -30)
    assert len(reply) == 30
    assert set(reply) <= set(FIELDS)


@pytest.mark.parametrize("count, length", [(4, 4), (100, 10), (-30, 30)])
def test_hrandfield_withvalues_replies_with_pairs_from_the_hash(call, ten_fields, count, length):
    reply = call("HRANDFIELD", ten_fields, count, "WithValues")
    assert len(reply) == 2 * length
    assert all(FIELDS[field] == value for field, value in zip(reply[::2], reply[1::2]))


@pytest.mark.parametrize("words", [["0"], ["0", "WITHVALUES"]])
def test_hrandfield_with_count_0_is_an_empty_array(call, ten_fields, words):
    assert call("HRANDFIELD", ten_fields, *words) == []


@pytest.mark.parametrize("words", [["1"], ["-5"], ["3", "WITHVALUES"]])
def test_hrandfield_with_count_of_a_missing_key_is_an_empty_array(call, key, words):
    assert call("HRANDFIELD", key, *words) == []


@pytest.mark.parametrize("words, message", [
    (["x"], NOT_AN_INTEGER),
    (["1.5"], NOT_AN_INTEGER),
    ([str(2**63)], NOT_AN_INTEGER),
    # Redis reads the count between -(2**63 - 1) and 2**63 - 1, so that it can negate it.
    ([str(INT64_MIN)], "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"),
    (["1", "WITHVALUE"], SYNTAX_ERROR),
    (["1", "WITHVALUES", "x"], SYNTAX_ERROR),
    # With values the reply has 2 * count items, and that must stay below 2**63.
    (["4611686018427387904", "WITHVALUES"], "ERR value is out of range"),
    (["-4611686018427387904", "WITHVALUES"], "ERR value is out of range"),
], ids=lambda value: " ".join(value) if isinstance(value, list) else None)
def test_hrandfield_refuses_a_bad_count_or_option_before_looking_at_the_key(call, key, words, message):
    call("SET", key, "a string")
    assert call("HRANDFIELD", key, *words) == message


def test_hrandfield_withvalues_takes_counts_up_to_half_of_64_bits(call, ten_fields):
    # Only a positive one: a negative count this large would really be
    # served, one pick at a time, until the server runs out of memory.
    assert len(call("HRANDFIELD", ten_fields, "4611686018427387903", "WITHVALUES")) == 20


def test_hrandfield_of_count_0_on_a_string_is_still_wrongtype(call, key):
    call("SET", key, "a string")
    assert call("HRANDFIELD", key, 0) == WRONGTYPE


# --- HSCAN ---------------------------------------------------------------------------------------


def full_hscan(connection, key: str, *options) -> tuple[list[tuple[bytes, bytes]], int]:
    """Every (field, value) one HSCAN iteration returns, duplicates kept, and how many calls it took."""
    found, calls = scanned(connection.call, "HSCAN", key, "0", *options)
    return list(zip(found[::2], found[1::2])), calls


def fill_hash(call, key: str, count: int) -> dict[bytes, bytes]:
    fields = {f"field:{n}".encode(): f"value:{n}".encode() for n in range(count)}
    call("HSET", key, *[word for pair in fields.items() for word in pair])
    return fields


def test_hscan_of_a_small_hash_replies_with_everything_and_cursor_0(call, key):
    call("HSET", key, "a", "1", "b", "2")
    cursor, page = call("HSCAN", key, 0, "COUNT", 1)
    assert cursor == b"0"
    assert pairs(page) == [(b"a", b"1"), (b"b", b"2")]


def test_hscan_of_a_small_hash_ignores_the_cursor(call, key):
    # Redis keeps a small hash in a listpack, which has no buckets to resume
    # from: whatever the cursor, the whole hash comes back.
    call("HSET", key, "a", "1")
    assert call("HSCAN", key, 12345) == [b"0", [b"a", b"1"]]


def test_hscan_of_a_missing_key_ends_at_once_without_reading_the_options(call, key):
    assert call("HSCAN", key, 0) == [b"0", []]
    assert call("HSCAN", key, 0, "COUNT", 0, "NONSENSE") == [b"0", []]


@pytest.mark.parametrize("count, value_size, whole", [
    (512, 1, True), (513, 1, False), (100, 64, True), (100, 65, False),
], ids=["512 fields", "513 fields", "a 64-byte value", "a 65-byte value"])
def test_hscan_comes_in_pages_once_redis_would_keep_the_hash_in_a_hash_table(call, key, count, value_size, whole):
    # Redis's defaults: a listpack up to 512 fields (hash-max-listpack-entries)
    # and values of up to 64 bytes (hash-max-listpack-value).
    call("HSET", key, *[word for n in range(count) for word in (f"field:{n}", "v")])
    call("HSET", key, "field:0", "x" * value_size)
    cursor, page = call("HSCAN", key, 0)
    assert (cursor == b"0") == whole
    assert (len(page) == 2 * count) == whole


def test_hscan_match_keeps_the_fields_that_match_whatever_their_values(call, key):
    call("HSET", key, "name", "Ada", "nickname", "A", "age", "36", "other", "name")
    cursor, page = call("HSCAN", key, 0, "MATCH", "*name")
    assert cursor == b"0"
    assert pairs(page) == [(b"name", b"Ada"), (b"nickname", b"A")]


def test_a_full_hscan_of_a_big_hash_returns_every_field_with_its_value(raw, call, key):
    fields = fill_hash(call, key, 1000)
    found, calls = full_hscan(raw(), key)
    assert set(found) == set(fields.items())
    assert calls > 1


def test_hscan_count_is_a_hint_for_the_page_size(raw, call, key):
    fields = fill_hash(call, key, 1000)
    found, calls = full_hscan(raw(), key, "COUNT", 1)
    assert set(found) == set(fields.items()) and calls > 10
    found, calls = full_hscan(raw(), key, "COUNT", 5000)
    assert set(found) == set(fields.items()) and calls == 1


def test_hscan_of_a_big_hash_matches_each_page_after_taking_it(raw, call, key):
    fields = fill_hash(call, key, 1000)
    found, _ = full_hscan(raw(), key, "MATCH", "field:1?", "COUNT", 20)
    assert set(found) == {(field, value) for field, value in fields.items()
                          if len(field) == 8 and field.startswith(b"field:1")}


def test_a_hash_with_a_long_value_is_scanned_whole(raw, call, key):
    # One value over 64 bytes and Redis leaves the listpack for a hash table.
    call("HSET", key, "short", "v", "long", "x" * 100)
    found, _ = full_hscan(raw(), key)
    assert sorted(set(found)) == [(b"long", b"x" * 100), (b"short", b"v")]


@pytest.mark.own_steps("ours walks slices of hash values and never revisits one; Redis may while its table rehashes")
def test_a_full_hscan_returns_every_field_exactly_once(raw, call, key):
    fill_hash(call, key, 1000)
    found, _ = full_hscan(raw(), key, "COUNT", 7)
    assert len(found) == len(set(found)) == 1000


@pytest.mark.own_steps("our pages are at least a sixteenth of the hash; Redis's follow COUNT")
def test_a_full_hscan_of_a_big_hash_takes_about_16_calls_whatever_the_count(raw, call, key):
    fill_hash(call, key, 10_000)
    _, calls = full_hscan(raw(), key, "COUNT", 1)
    assert 16 <= calls <= 17


def test_a_field_present_for_the_whole_hscan_is_returned_while_others_come_and_go(raw, call, key):
    rng = random.Random(10)
    stable = fill_hash(call, key, 600)
    passing: list[str] = []
    names = (f"passing:{n}" for n in itertools.count())

    def come_and_go():
        # Between two calls, five fields arrive and up to fifteen of the newcomers go.
        arriving = [next(names) for _ in range(5)]
        passing.extend(arriving)
        call("HSET", key, *[word for name in arriving for word in (name, "v")])
        gone = rng.sample(passing, min(len(passing), rng.randint(0, 15)))
        if gone:
            call("HDEL", key, *gone)
            passing[:] = [name for name in passing if name not in gone]

    found, _ = scanned(raw().call, "HSCAN", key, "0", "COUNT", 10, between=come_and_go)
    assert set(stable) <= set(found[::2])


@pytest.mark.parametrize("cursor", ["x", "1.5", "-", "18446744073709551616"])
def test_hscan_refuses_an_invalid_cursor_before_looking_at_the_key(call, key, cursor):
    call("SET", key, "a string")
    assert call("HSCAN", key, cursor) == "ERR invalid cursor"
    assert call("HSCAN", key + "missing", cursor) == "ERR invalid cursor"


@pytest.mark.parametrize("options, message", [
    (["COUNT"], SYNTAX_ERROR),
    (["COUNT", "0"], SYNTAX_ERROR),
    (["COUNT", "-1"], SYNTAX_ERROR),
    (["COUNT", "x"], NOT_AN_INTEGER),
    (["MATCH"], SYNTAX_ERROR),
    (["TYPE", "string"], SYNTAX_ERROR),  # SCAN's TYPE is for keys only
    (["NOVALUES"], SYNTAX_ERROR),  # an option of Redis 7.4, not 7.0
    (["COUNT", "x", "NONSENSE"], NOT_AN_INTEGER),  # options are read in order
    (["NONSENSE", "1", "COUNT", "x"], SYNTAX_ERROR),
], ids=lambda value: " ".join(value) if isinstance(value, list) else None)
def test_hscan_option_errors(call, key, options, message):
    call("HSET", key, "a", "1")
    assert call("HSCAN", key, 0, *options) == message


def test_hscan_options_may_repeat_and_the_last_one_counts(call, key):
    call("HSET", key, "a", "1", "b", "2")
    assert call("HSCAN", key, 0, "MATCH", "a", "COUNT", 5, "match", "b") == [b"0", [b"b", b"2"]]


def test_hscan_of_a_string_is_wrongtype_before_the_options_are_read(call, key):
    call("SET", key, "a string")
    assert call("HSCAN", key, 0, "COUNT", 0) == WRONGTYPE


# --- WRONGTYPE, both ways ------------------------------------------------------------------------

HASH_COMMANDS = [
    ["HSET", "f", "v"], ["HMSET", "f", "v"], ["HSETNX", "f", "v"], ["HGET", "f"], ["HMGET", "f"],
    ["HDEL", "f"], ["HLEN"], ["HEXISTS", "f"], ["HSTRLEN", "f"], ["HKEYS"], ["HVALS"], ["HGETALL"],
    ["HINCRBY", "f", "1"], ["HINCRBYFLOAT", "f", "1"], ["HRANDFIELD"], ["HRANDFIELD", "2", "WITHVALUES"],
    ["HSCAN", "0"],
]


@pytest.mark.parametrize("words", HASH_COMMANDS, ids=lambda words: " ".join(words))
def test_hash_commands_on_a_string_are_wrongtype_and_change_nothing(call, key, words):
    call("SET", key, "a string")
    assert call(words[0], key, *words[1:]) == WRONGTYPE
    assert call("GET", key) == b"a string"


STRING_COMMANDS = [
    ["GET"], ["GETDEL"], ["GETEX", "PERSIST"], ["GETSET", "v"], ["SET", "v", "GET"], ["APPEND", "x"],
    ["STRLEN"], ["GETRANGE", "0", "-1"], ["SETRANGE", "0", "x"], ["INCR"], ["DECRBY", "2"],
    ["INCRBYFLOAT", "1.5"],
]


@pytest.mark.parametrize("words", STRING_COMMANDS, ids=lambda words: " ".join(words))
def test_string_commands_on_a_hash_are_wrongtype_and_change_nothing(call, key, words):
    call("HSET", key, "f", "v")
    assert call(words[0], key, *words[1:]) == WRONGTYPE
    assert call("HGETALL", key) == [b"f", b"v"]


def test_set_replaces_a_hash_with_a_string(call, key):
    call("HSET", key, "f", "v")
    assert call("SET", key, "now a string") == "OK"
    assert call("TYPE", key) == "string"


def test_mget_reads_a_hash_as_null(call, key):
    call("HSET", key, "f", "v")
    call("SET", key + "s", "s")
    assert call("MGET", key, key + "s") == [None, b"s"]


def test_setnx_and_msetnx_see_a_hash_as_an_existing_key(call, key):
    call("HSET", key, "f", "v")
    assert call("SETNX", key, "x") == 0
    assert call("MSETNX", key, "x", key + "other", "y") == 0
    assert call("TYPE", key) == "hash"


# --- a hash in the keyspace: TYPE, SCAN, RENAME, COPY, MOVE, TTL, FLUSHALL -----------------------


def test_type_of_a_hash_is_hash(call, key):
    call("HSET", key, "f", "v")
    assert call("TYPE", key) == "hash"


def test_scan_type_hash_finds_the_hashes(raw, call, key):
    call("HSET", key + ":h1", "f", "v")
    call("HSET", key + ":h2", "f", "v")
    call("SET", key + ":s", "v")
    found, _ = scanned(raw().call, "SCAN", "0", "TYPE", "hash")
    assert set(found) == {f"{key}:h1".encode(), f"{key}:h2".encode()}


def test_rename_moves_a_hash_with_its_ttl(call, key):
    call("HSET", key, "f", "v")
    call("PEXPIRE", key, 100_000)
    assert call("RENAME", key, key + "new") == "OK"
    assert call("HGETALL", key + "new") == [b"f", b"v"]
    assert 99_000 <= call("PTTL", key + "new") <= 100_000
    assert call("EXISTS", key) == 0


def test_rename_of_a_string_over_a_hash_replaces_it(call, key):
    call("SET", key, "string")
    call("HSET", key + "new", "f", "v")
    call("RENAME", key, key + "new")
    assert call("TYPE", key + "new") == "string"


def test_copy_of_a_hash_is_independent_of_the_source(call, key):
    call("HSET", key, "a", "1", "b", "2")
    assert call("COPY", key, key + "copy") == 1
    call("HSET", key + "copy", "a", "changed", "c", "3")
    call("HDEL", key + "copy", "b")
    call("HINCRBY", key, "b", 10)
    assert pairs(call("HGETALL", key)) == [(b"a", b"1"), (b"b", b"12")]
    assert pairs(call("HGETALL", key + "copy")) == [(b"a", b"changed"), (b"c", b"3")]


def test_copy_of_a_hash_into_another_database(call, key, on_db):
    call("HSET", key, "f", "v")
    assert call("COPY", key, key, "DB", 3) == 1
    other = on_db(3)
    other.call("HSET", key, "f", "theirs")
    assert call("HGET", key, "f") == b"v"


def test_move_takes_a_hash_to_another_database(call, key, on_db):
    call("HSET", key, "f", "v")
    assert call("MOVE", key, 4) == 1
    assert call("EXISTS", key) == 0
    assert on_db(4).call("HGETALL", key) == [b"f", b"v"]


@pytest.mark.parametrize("words", [
    ["HSET", "f", "new"], ["HSET", "g", "new"], ["HSETNX", "g", "new"], ["HMSET", "g", "new"],
    ["HDEL", "f"], ["HINCRBY", "n", "1"], ["HINCRBYFLOAT", "n", "1.5"],
], ids=lambda words: " ".join(words))
def test_changing_a_hash_keeps_its_ttl(call, key, words):
    call("HSET", key, "f", "v", "n", "1", "other", "x")
    call("PEXPIRE", key, 100_000)
    call(words[0], key, *words[1:])
    assert 99_000 <= call("PTTL", key) <= 100_000


def test_an_expired_hash_is_gone(call, key, no_active_expiry):
    call("HSET", key, "f", "v")
    expire_now(call, key)
    assert call("HGET", key, "f") is None
    assert call("HLEN", key) == 0
    assert call("HSET", key, "g", "w") == 1
    assert call("HGETALL", key) == [b"g", b"w"]
    assert call("TTL", key) == -1


def test_flushall_deletes_hashes_in_every_database(call, key, on_db):
    call("HSET", key, "f", "v")
    on_db(7).call("HSET", key, "f", "v")
    assert call("FLUSHALL") == "OK"
    assert call("EXISTS", key) == 0
    assert on_db(7).call("EXISTS", key) == 0


def test_del_deletes_a_hash(call, key):
    call("HSET", key, "f", "v")
    assert call("DEL", key) == 1
    assert call("HGETALL", key) == []


# --- arity and COMMAND ---------------------------------------------------------------------------


@pytest.mark.parametrize("words", [
    ["HSET", "k", "f"], ["HSETNX", "k", "f"], ["HSETNX", "k", "f", "v", "x"], ["HGET", "k"],
    ["HGET", "k", "f", "g"], ["HMGET", "k"], ["HMSET", "k", "f"], ["HDEL", "k"], ["HLEN"], ["HLEN", "k", "x"],
    ["HEXISTS", "k"], ["HSTRLEN", "k"], ["HKEYS"], ["HVALS", "k", "x"], ["HGETALL"], ["HINCRBY", "k", "f"],
    ["HINCRBYFLOAT", "k", "f", "1", "2"], ["HRANDFIELD"], ["HSCAN", "k"],
], ids=lambda words: "-".join(words))
def test_hash_commands_with_the_wrong_number_of_arguments_are_refused(call, words):
    assert call(*words) == f"ERR wrong number of arguments for '{words[0].lower()}' command"


@pytest.mark.parametrize("name, arity, flags", [
    ("hset", -4, ["write", "denyoom", "fast"]),
    ("hsetnx", 4, ["write", "denyoom", "fast"]),
    ("hget", 3, ["readonly", "fast"]),
    ("hmget", -3, ["readonly", "fast"]),
    ("hmset", -4, ["write", "denyoom", "fast"]),
    ("hdel", -3, ["write", "fast"]),
    ("hlen", 2, ["readonly", "fast"]),
    ("hexists", 3, ["readonly", "fast"]),
    ("hstrlen", 3, ["readonly", "fast"]),
    ("hkeys", 2, ["readonly"]),
    ("hvals", 2, ["readonly"]),
    ("hgetall", 2, ["readonly"]),
    ("hincrby", 4, ["write", "denyoom", "fast"]),
    ("hincrbyfloat", 4, ["write", "denyoom", "fast"]),
    ("hrandfield", -2, ["readonly"]),
    ("hscan", -3, ["readonly"]),
])
def test_command_info_describes_the_hash_commands_as_redis_does(call, name, arity, flags):
    [info] = call("COMMAND", "INFO", name)
    assert info[:6] == [name.encode(), arity, flags, 1, 1, 1]


@pytest.mark.parametrize("name, since, summary", [
    ("hset", "2.0.0", "Set the string value of a hash field"),
    ("hsetnx", "2.0.0", "Set the value of a hash field, only if the field does not exist"),
    ("hmset", "2.0.0", "Set multiple hash fields to multiple values"),
    ("hgetall", "2.0.0", "Get all the fields and values in a hash"),
    ("hincrbyfloat", "2.6.0", "Increment the float value of a hash field by the given amount"),
    ("hstrlen", "3.2.0", "Get the length of the value of a hash field"),
    ("hrandfield", "6.2.0", "Get one or multiple random fields from a hash"),
    ("hscan", "2.8.0", "Incrementally iterate hash fields and associated values"),
])
def test_command_docs_gives_the_summary_and_version_of_the_hash_commands(call, name, since, summary):
    docs = command_docs(call, name)
    assert (docs[b"summary"], docs[b"since"], docs[b"group"]) == (summary.encode(), since.encode(), b"hash")


@pytest.mark.parametrize("command, syntax", [
    ("HSET", "HSET key field value [field value ...]"),
    ("HRANDFIELD", "HRANDFIELD key [count [WITHVALUES]]"),
    ("HSCAN", "HSCAN key cursor [MATCH pattern] [COUNT count]"),
])
def test_redis_cli_help_shows_the_syntax_of_hash_commands(server, command, syntax):
    assert f"  {syntax}\n" in redis_cli_help(server.port, command)


# --- differential: random hash commands, compared with a real redis-server ------------------------

COMMANDS_PER_RUN = 3000
FIELD_POOL = ["a", "b", "c", "d", "e", "", "1", "-1", "f\x00", "long" * 20]


# Mostly hash commands; a few on keys, and SET now and then to give the hash
# commands a string to refuse (it stays a string until DEL or RENAME).
COMMAND_WEIGHTS = {
    "HSET": 60, "HMSET": 10, "HSETNX": 20, "HGET": 30, "HMGET": 20, "HDEL": 40, "HLEN": 10, "HEXISTS": 10,
    "HSTRLEN": 10, "HKEYS": 10, "HVALS": 10, "HGETALL": 20, "HINCRBY": 40, "HINCRBYFLOAT": 40, "HRANDFIELD": 40,
    "HSCAN": 30, "BIGHSET": 3, "SET": 2, "GET": 5, "TYPE": 5, "EXISTS": 5, "DEL": 15, "RENAME": 5, "COPY": 5,
}


def random_fields(rng: random.Random, most: int) -> list[str]:
    return rng.choices(FIELD_POOL, k=rng.randint(1, most))


def random_hrandfield_count(rng: random.Random, with_values: bool) -> str:
    # Never a large negative count that passes the checks: Redis would serve it
    # one pick at a time until it ran out of memory.
    if rng.random() < 0.7:
        return str(rng.randint(-12, 12))
    choices = ["0", "600", "-600", str(INT64_MAX), str(INT64_MIN), "x", "1.5", "-0"]
    if with_values:
        choices += ["4611686018427387903", "4611686018427387904", "-4611686018427387904"]
    return rng.choice(choices)


def random_command(rng: random.Random, keys: list[str]) -> list:
    key = rng.choice(keys)
    [name] = rng.choices(list(COMMAND_WEIGHTS), weights=list(COMMAND_WEIGHTS.values()))
    if name in ("HSET", "HMSET"):
        words = [name, key]
        for field in random_fields(rng, 4):
            words += [field, random_value(rng)]
        if rng.random() < 0.05:
            words.pop()  # a field without its value
    elif name == "BIGHSET":  # past 512 fields, Redis leaves the listpack too
        count = rng.randint(450, 600)
        words = ["HSET", key, *[word for n in range(count) for word in (f"many:{n}", f"{n}")]]
    elif name == "HSETNX":
        words = [name, key, rng.choice(FIELD_POOL), random_value(rng)]
    elif name in ("HGET", "HEXISTS", "HSTRLEN"):
        words = [name, key, rng.choice(FIELD_POOL)]
    elif name in ("HMGET", "HDEL"):
        words = [name, key, *random_fields(rng, 4)]
    elif name == "HINCRBY":
        words = [name, key, rng.choice(FIELD_POOL), random_integer(rng)]
    elif name == "HINCRBYFLOAT":
        words = [name, key, rng.choice(FIELD_POOL), random_float(rng)]
    elif name == "HRANDFIELD":
        words = [name, key]
        if rng.random() < 0.8:
            with_values = rng.random() < 0.4
            words.append(random_hrandfield_count(rng, with_values))
            if with_values:
                words.append(rng.choice(["WITHVALUES", "withvalues", "WITHVALUES", "WITHVALUE"]))
            elif rng.random() < 0.03:
                words += ["WITHVALUES", "extra"]
    elif name == "HSCAN":
        words = [name, key, "0" if rng.random() < 0.85 else rng.choice(["x", "-", "1.5", "18446744073709551616"])]
        for _ in range(rng.randint(0, 2)):
            words += rng.choice([["MATCH", rng.choice(["*", "a*", "*1", "[a-c]", "many:1*", "?"])],
                                 ["COUNT", rng.choice(["1", "5", "10", "1000", "0", "-1", "x"])],
                                 ["TYPE", "hash"], ["COUNT"], ["NOVALUES"]])
    elif name == "SET":
        words = [name, key, random_value(rng)]
    elif name in ("RENAME", "COPY"):
        words = [name, key, rng.choice(keys)]
    else:  # GET, TYPE, EXISTS, DEL
        words = [name, key]
    # The wrong number of arguments, now and then. Not for HRANDFIELD: without
    # its WITHVALUES, -4611686018427387904 would be one of those large counts.
    return words if words[0] == "HRANDFIELD" else with_wrong_arity_now_and_then(rng, words)


def comparable(words: list, reply: object) -> object:
    """What two correct servers must agree on: the order of a hash's fields is not promised."""
    if not isinstance(reply, list):
        return reply
    if words[0] in ("HKEYS", "HVALS"):
        return sorted(reply)
    if words[0] == "HGETALL":
        return pairs(reply)
    return reply


def hscan_all(connection: RawConnection, words: list) -> object:
    """An HSCAN started at cursor 0 becomes a whole iteration: its pages differ
    between servers, but the set of (field, value) pairs they add up to does not."""
    pages = follow_scan(connection.call, *words)
    if not isinstance(pages, list):
        return pages  # an error, the same on both or the test fails
    return sorted({pair for _, page in pages for pair in zip(page[::2], page[1::2])})


def check_hrandfield(words: list, ours: object, theirs: object, hash_now: dict) -> None:
    """HRANDFIELD picks at random: compare what is not left to chance."""
    if theirs is None or isinstance(theirs, str):  # no such key, or an error
        assert ours == theirs
        return
    if isinstance(theirs, bytes):  # no count: one field
        assert ours in hash_now
        return
    assert isinstance(ours, list)
    with_values = len(words) == 4
    assert len(ours) == len(theirs)
    fields = ours[::2] if with_values else ours
    if with_values:
        assert all(hash_now.get(field) == value for field, value in zip(ours[::2], ours[1::2]))
    assert set(fields) <= set(hash_now)
    if int(words[2]) > 0:
        assert len(set(fields)) == len(fields)  # a positive count never repeats a field


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_differential_random_hash_commands_reply_exactly_as_real_redis(server, reference_redis, key, seed):
    rng = random.Random(seed)
    keys = [f"{key}:{n}" for n in range(4)]

    def compare(ours, theirs, words):
        if words[0] == "HSCAN" and len(words) >= 3 and words[2] == "0":
            assert hscan_all(ours, words) == hscan_all(theirs, words)
        elif words[0] == "HRANDFIELD" and len(words) > 1:
            expected, got = theirs.call(*words), ours.call(*words)
            everything = theirs.call("HGETALL", words[1])
            hash_now = dict(zip(everything[::2], everything[1::2])) if isinstance(everything, list) else {}
            check_hrandfield(words, got, expected, hash_now)
        else:
            expected = comparable(words, theirs.call(*words))
            assert comparable(words, ours.call(*words)) == expected

    def same_hashes(ours, theirs):
        for name in keys:
            expected = comparable(["HGETALL"], theirs.call("HGETALL", name))
            assert comparable(["HGETALL"], ours.call("HGETALL", name)) == expected, name

    differential_run(server, reference_redis, (random_command(rng, keys) for _ in range(COMMANDS_PER_RUN)),
                     compare, at_the_end=same_hashes)
