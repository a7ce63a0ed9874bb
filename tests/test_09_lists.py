"""Step 09: lists. A second type of value, WRONGTYPE between the types, and
the list commands of Redis 7.0 apart from the blocking ones (BLPOP, ...).

Every expectation here is Redis 7's own behaviour: `pytest --against-redis`
runs this file against a real redis-server to prove it. The differential test
goes further: it sends thousands of random list commands, good and bad, to the
server under test and to a real redis-server side by side, and compares every
reply.
"""

import random
import re
import subprocess

import pytest

from clients import command_docs, redis_cli_help
from helpers import (INT64_MAX, INT64_MIN, NOT_AN_INTEGER, SYNTAX_ERROR, WRONGTYPE, differential_run, expire_now,
                     same_reply, with_wrong_arity_now_and_then)

MUST_BE_POSITIVE = "ERR value is out of range, must be positive"
RANK_ZERO = ("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
             "or use negative to start from the end of the list")


def items(call, key) -> list[bytes]:
    return call("LRANGE", key, 0, -1)


# === the list type ================================================================================


def test_type_of_a_list_is_list(call, key):
    call("RPUSH", key, "a")
    assert call("TYPE", key) == "list"


def test_scan_type_list_finds_the_lists_only(call, key):
    call("RPUSH", key + ":list", "a")
    call("SET", key + ":string", "a")
    assert call("SCAN", 0, "TYPE", "list", "COUNT", 100) == [b"0", [(key + ":list").encode()]]
    assert call("SCAN", 0, "TYPE", "string", "COUNT", 100) == [b"0", [(key + ":string").encode()]]


STRING_COMMANDS = [
    ["GET"], ["GETDEL"], ["GETEX", "PERSIST"], ["GETSET", "v"], ["SET", "v", "GET"], ["STRLEN"],
    ["APPEND", "x"], ["GETRANGE", "0", "-1"], ["SETRANGE", "0", "x"], ["INCR"], ["DECR"],
    ["INCRBY", "1"], ["DECRBY", "1"], ["INCRBYFLOAT", "1.5"],
]


@pytest.mark.parametrize("words", STRING_COMMANDS, ids=lambda words: words[0])
def test_string_commands_refuse_a_list(call, key, words):
    call("RPUSH", key, "a")
    assert call(words[0], key, *words[1:]) == WRONGTYPE
    assert items(call, key) == [b"a"]  # and leave it as it was


def test_lcs_refuses_a_list_with_an_error_of_its_own(call, key):
    call("RPUSH", key, "a")
    call("SET", key + ":string", "a")
    assert call("LCS", key + ":string", key) == "ERR The specified keys must contain string values"
    assert call("SUBSTR", key, 0, 1) == WRONGTYPE


LIST_COMMANDS = [
    ["LPUSH", "x"], ["RPUSH", "x"], ["LPUSHX", "x"], ["RPUSHX", "x"], ["LPOP"], ["RPOP"], ["LPOP", "0"],
    ["RPOP", "2"], ["LLEN"], ["LRANGE", "0", "-1"], ["LINDEX", "0"], ["LSET", "0", "x"],
    ["LINSERT", "BEFORE", "v", "x"], ["LREM", "0", "v"], ["LTRIM", "0", "-1"], ["LPOS", "v"],
    ["LPOS", "v", "COUNT", "0"], ["LMOVE", "{other}", "LEFT", "RIGHT"], ["RPOPLPUSH", "{other}"],
]


@pytest.mark.parametrize("words", LIST_COMMANDS, ids=lambda words: "-".join(words[:2]))
def test_list_commands_refuse_a_string(call, key, words):
    call("SET", key, "v")
    arguments = [word.replace("{other}", key + ":other") for word in words[1:]]
    assert call(words[0], key, *arguments) == WRONGTYPE
    assert call("GET", key) == b"v"
    assert call("EXISTS", key + ":other") == 0


def test_mget_reads_a_list_as_null(call, key):
    call("RPUSH", key, "a")
    call("SET", key + ":s", "v")
    assert call("MGET", key, key + ":s") == [None, b"v"]


def test_set_replaces_a_list_with_a_string(call, key):
    call("RPUSH", key, "a")
    assert call("SET", key, "v") == "OK"
    assert call("TYPE", key) == "string"


def test_a_push_keeps_the_ttl_of_the_list(call, key):
    call("RPUSH", key, "a")
    call("EXPIRE", key, 100)
    call("RPUSH", key, "b")
    call("LPOP", key)
    assert 99 <= call("TTL", key) <= 100


def test_a_list_with_a_ttl_expires(call, key, no_active_expiry):
    call("RPUSH", key, "a", "b")
    expire_now(call, key)
    assert call("LLEN", key) == 0
    assert call("LPUSHX", key, "c") == 0
    assert call("EXISTS", key) == 0


EMPTYING = {
    "LPOP": (["a"], [["LPOP", "{key}"]]),
    "RPOP": (["a"], [["RPOP", "{key}"]]),
    "LPOP count": (["a", "b"], [["LPOP", "{key}", "5"]]),
    "RPOP count": (["a", "b"], [["RPOP", "{key}", "2"]]),
    "LREM 0": (["a", "a"], [["LREM", "{key}", "0", "a"]]),
    "LREM -2": (["a", "a"], [["LREM", "{key}", "-2", "a"]]),
    "LTRIM past the end": (["a", "b"], [["LTRIM", "{key}", "5", "10"]]),
    "LTRIM backwards": (["a", "b"], [["LTRIM", "{key}", "1", "0"]]),
    "LMOVE": (["a"], [["LMOVE", "{key}", "{key}:other", "LEFT", "LEFT"]]),
    "RPOPLPUSH": (["a", "b"], [["RPOPLPUSH", "{key}", "{key}:other"]] * 2),
    "LMPOP": (["a", "b"], [["LMPOP", "1", "{key}", "LEFT", "COUNT", "2"]]),
}


@pytest.mark.parametrize("initial, commands", EMPTYING.values(), ids=EMPTYING.keys())
def test_a_list_is_deleted_with_its_last_element(call, key, initial, commands):
    call("RPUSH", key, *initial)
    call("EXPIRE", key, 100)
    for words in commands:
        call(*(word.replace("{key}", key) for word in words))
    assert call("EXISTS", key) == 0
    # A list made again under the same name is a new key, without the old TTL.
    call("RPUSH", key, "b")
    assert call("TTL", key) == -1


def test_flushall_removes_lists(call, key):
    call("RPUSH", key, "a")
    call("FLUSHALL")
    assert call("LLEN", key) == 0 and call("TYPE", key) == "none"


def test_copy_of_a_list_is_a_list_of_its_own(call, key):
    call("RPUSH", key, "a", "b")
    assert call("COPY", key, key + ":copy") == 1
    call("RPUSH", key + ":copy", "c")
    call("LSET", key, 0, "z")
    assert items(call, key) == [b"z", b"b"]
    assert items(call, key + ":copy") == [b"a", b"b", b"c"]


def test_rename_and_move_carry_a_list(call, raw, key):
    call("RPUSH", key, "a", "b")
    call("RENAME", key, key + ":new")
    assert items(call, key + ":new") == [b"a", b"b"]
    assert call("MOVE", key + ":new", 5) == 1
    other = raw()
    other.call("SELECT", 5)
    assert other.call("LRANGE", key + ":new", 0, -1) == [b"a", b"b"]
    assert other.call("TYPE", key + ":new") == "list"


# === pushing ======================================================================================


def test_lpush_puts_each_element_at_the_head_in_turn(call, key):
    assert call("LPUSH", key, "a", "b", "c") == 3
    assert items(call, key) == [b"c", b"b", b"a"]
    assert call("LPUSH", key, "d") == 4
    assert items(call, key) == [b"d", b"c", b"b", b"a"]


def test_rpush_appends_in_order(call, key):
    assert call("RPUSH", key, "a", "b") == 2
    assert call("RPUSH", key, "c") == 3
    assert items(call, key) == [b"a", b"b", b"c"]


def test_lists_are_binary_safe_and_keep_duplicates(call, key):
    values = [b"", b"\x00\r\n", b"\xff", b"", b"123", b"0123", b"-0"]
    call("RPUSH", key, *values)
    assert items(call, key) == values


@pytest.mark.parametrize("command", ["LPUSHX", "RPUSHX"])
def test_pushx_does_nothing_to_a_missing_key(call, key, command):
    assert call(command, key, "a", "b") == 0
    assert call("EXISTS", key) == 0


def test_pushx_pushes_onto_an_existing_list(call, key):
    call("RPUSH", key, "m")
    assert call("LPUSHX", key, "b", "a") == 3
    assert call("RPUSHX", key, "y", "z") == 5
    assert items(call, key) == [b"a", b"b", b"m", b"y", b"z"]


# === popping ======================================================================================


def test_lpop_and_rpop_take_one_element_from_each_end(call, key):
    call("RPUSH", key, "a", "b", "c")
    assert call("LPOP", key) == b"a"
    assert call("RPOP", key) == b"c"
    assert items(call, key) == [b"b"]


@pytest.mark.parametrize("command", ["LPOP", "RPOP"])
def test_pop_of_a_missing_key_is_the_null_bulk_string(raw, key, command):
    connection = raw()
    connection.send(b"*2\r\n$4\r\n%b\r\n$%d\r\n%b\r\n" % (command.encode(), len(key), key.encode()))
    connection.expect(b"$-1\r\n")


def test_pop_with_a_count_replies_with_an_array_in_the_order_popped(call, key):
    call("RPUSH", key, "a", "b", "c", "d", "e")
    assert call("LPOP", key, 2) == [b"a", b"b"]
    assert call("RPOP", key, 2) == [b"e", b"d"]
    assert call("LPOP", key, 1) == [b"c"]  # an array, even of one
    assert call("EXISTS", key) == 0


def test_pop_with_a_count_beyond_the_length_takes_everything(call, key):
    call("RPUSH", key, "a", "b")
    assert call("RPOP", key, INT64_MAX) == [b"b", b"a"]
    assert call("EXISTS", key) == 0


def test_pop_with_count_0_replies_with_an_empty_array_and_leaves_the_list(call, key):
    call("RPUSH", key, "a")
    assert call("LPOP", key, 0) == []
    assert items(call, key) == [b"a"]


@pytest.mark.parametrize("count", ["0", "1", "5"])
@pytest.mark.parametrize("command", ["LPOP", "RPOP"])
def test_pop_with_a_count_of_a_missing_key_is_the_null_array(raw, key, command, count):
    # Not an empty array, and not the null bulk string: RESP2's other null, "*-1".
    connection = raw()
    connection.send(b"*3\r\n$4\r\n%b\r\n$%d\r\n%b\r\n$%d\r\n%b\r\n" % (
        command.encode(), len(key), key.encode(), len(count), count.encode()))
    connection.expect(b"*-1\r\n")


@pytest.mark.parametrize("count", ["-1", str(INT64_MIN), "x", "1.5", "", str(2**63)])
def test_pop_refuses_a_count_that_is_not_a_positive_integer(call, key, count):
    call("RPUSH", key, "a")
    assert call("LPOP", key, count) == MUST_BE_POSITIVE
    assert call("RPOP", key, count) == MUST_BE_POSITIVE
    # ...checked before the key: a missing key or a string gets the same error.
    assert call("LPOP", key + ":missing", count) == MUST_BE_POSITIVE
    call("SET", key + ":string", "v")
    assert call("RPOP", key + ":string", count) == MUST_BE_POSITIVE


@pytest.mark.parametrize("command", ["LPOP", "RPOP"])
def test_pop_with_more_than_a_count_is_an_arity_error(call, key, command):
    call("RPUSH", key, "a")
    assert call(command, key, 1, 1) == f"ERR wrong number of arguments for '{command.lower()}' command"


def test_llen_counts_the_elements_and_a_missing_key_has_none(call, key):
    assert call("LLEN", key) == 0
    call("RPUSH", key, "a", "b", "a")
    assert call("LLEN", key) == 3


# --- LMPOP -----------------------------------------------------------------------------------------


def test_lmpop_pops_from_the_first_key_that_holds_a_list(call, key):
    call("RPUSH", key + ":2", "a", "b", "c")
    call("RPUSH", key + ":3", "x")
    reply = call("LMPOP", 3, key + ":1", key + ":2", key + ":3", "LEFT")
    assert reply == [(key + ":2").encode(), [b"a"]]
    assert call("LMPOP", 2, key + ":2", key + ":3", "right", "COUNT", 5) == [(key + ":2").encode(), [b"c", b"b"]]
    assert call("EXISTS", key + ":2") == 0
    assert items(call, key + ":3") == [b"x"]


def test_lmpop_of_missing_keys_is_the_null_array(raw, key):
    connection = raw()
    connection.send(b"*4\r\n$5\r\nLMPOP\r\n$1\r\n1\r\n$%d\r\n%b\r\n$4\r\nLEFT\r\n" % (len(key), key.encode()))
    connection.expect(b"*-1\r\n")


def test_lmpop_reports_a_key_of_another_type_only_before_the_first_list(call, key):
    call("SET", key + ":string", "v")
    call("RPUSH", key + ":list", "a", "b")
    assert call("LMPOP", 2, key + ":string", key + ":list", "LEFT") == WRONGTYPE
    assert call("LMPOP", 2, key + ":list", key + ":string", "LEFT") == [(key + ":list").encode(), [b"a"]]


LMPOP_ERRORS = [
    (["0", "k", "LEFT"], "ERR numkeys should be greater than 0"),
    (["-1", "k", "LEFT"], "ERR numkeys should be greater than 0"),
    (["x", "k", "LEFT"], "ERR numkeys should be greater than 0"),
    (["2", "k", "LEFT"], SYNTAX_ERROR),  # LEFT is taken for a key: no side left
    (["9223372036854775807", "k", "LEFT"], SYNTAX_ERROR),
    (["1", "k", "MIDDLE"], SYNTAX_ERROR),
    (["1", "k", "LEFT", "COUNT"], SYNTAX_ERROR),
    (["1", "k", "LEFT", "COUNT", "0"], "ERR count should be greater than 0"),
    (["1", "k", "LEFT", "COUNT", "-3"], "ERR count should be greater than 0"),
    (["1", "k", "LEFT", "COUNT", "x"], "ERR count should be greater than 0"),
    (["1", "k", "LEFT", "COUNT", "1", "COUNT", "1"], SYNTAX_ERROR),
    (["1", "k", "LEFT", "LIMIT", "1"], SYNTAX_ERROR),
    (["1", "k"], "ERR wrong number of arguments for 'lmpop' command"),
]


@pytest.mark.parametrize("args, message", LMPOP_ERRORS, ids=[" ".join(words) for words, _ in LMPOP_ERRORS])
def test_lmpop_errors(call, key, args, message):
    call("RPUSH", key, "a")
    assert call("LMPOP", *(key if word == "k" else word for word in args)) == message
    assert call("LLEN", key) == 1


# === by index =====================================================================================


@pytest.mark.parametrize("index, expected", [
    (0, b"a"), (2, b"c"), (-1, b"c"), (-3, b"a"), (3, None), (-4, None), (INT64_MAX, None), (INT64_MIN, None),
])
def test_lindex_reads_by_index_from_either_end(call, key, index, expected):
    call("RPUSH", key, "a", "b", "c")
    assert call("LINDEX", key, index) == expected


def test_lindex_of_a_missing_key_is_null_even_with_a_bad_index(call, key):
    assert call("LINDEX", key, "x") is None


def test_lindex_refuses_an_index_that_is_not_an_integer(call, key):
    call("RPUSH", key, "a")
    assert call("LINDEX", key, "x") == NOT_AN_INTEGER


def test_lset_replaces_an_element(call, key):
    call("RPUSH", key, "a", "b", "c")
    assert call("LSET", key, 1, "B") == "OK"
    assert call("LSET", key, -1, b"\x00") == "OK"
    assert items(call, key) == [b"a", b"B", b"\x00"]


@pytest.mark.parametrize("index, message", [
    ("3", "ERR index out of range"), ("-4", "ERR index out of range"), (str(INT64_MIN), "ERR index out of range"),
    ("x", NOT_AN_INTEGER),
])
def test_lset_errors(call, key, index, message):
    call("RPUSH", key, "a", "b", "c")
    assert call("LSET", key, index, "z") == message
    assert items(call, key) == [b"a", b"b", b"c"]


def test_lset_of_a_missing_key_is_no_such_key_even_with_a_bad_index(call, key):
    assert call("LSET", key, "x", "v") == "ERR no such key"
    assert call("EXISTS", key) == 0


LETTERS = [b"a", b"b", b"c", b"d", b"e"]


@pytest.mark.parametrize("start, stop, expected", [
    (0, -1, LETTERS),
    (1, 2, [b"b", b"c"]),
    (-2, -1, [b"d", b"e"]),  # negative indexes count from the end
    (3, 100, [b"d", b"e"]),  # a stop past the end stops at the last element
    (-100, 1, [b"a", b"b"]),  # a start before the beginning starts at the first
    (-100, -50, []),  # all before the beginning
    (5, 10, []),  # all past the end
    (2, 1, []),  # backwards
    (-1, -2, []),
    (0, 0, [b"a"]),
    (INT64_MIN, INT64_MAX, LETTERS),
])
def test_lrange_replies_with_the_elements_from_start_to_stop_inclusive(call, key, start, stop, expected):
    call("RPUSH", key, *LETTERS)
    assert call("LRANGE", key, start, stop) == expected


def test_lrange_of_a_missing_key_is_an_empty_array(call, key):
    assert call("LRANGE", key, 0, -1) == []


@pytest.mark.parametrize("start, stop", [("x", "1"), ("0", "1.5"), ("0", str(2**63))])
def test_lrange_checks_its_indexes_before_the_key(call, key, start, stop):
    assert call("LRANGE", key, start, stop) == NOT_AN_INTEGER
    call("SET", key, "v")
    assert call("LRANGE", key, start, stop) == NOT_AN_INTEGER


def test_lrange_of_a_long_list_from_both_ends(call, key):
    numbers = [str(n).encode() for n in range(1000)]
    call("RPUSH", key, *numbers)
    assert call("LRANGE", key, 10, 19) == numbers[10:20]
    assert call("LRANGE", key, -20, -11) == numbers[-20:-10]
    assert call("LRANGE", key, 400, 700) == numbers[400:701]


@pytest.mark.parametrize("start, stop, expected", [
    (1, 2, [b"b", b"c"]),
    (0, -1, LETTERS),
    (-2, 100, [b"d", b"e"]),
    (-100, 0, [b"a"]),
])
def test_ltrim_keeps_only_the_range(call, key, start, stop, expected):
    call("RPUSH", key, *LETTERS)
    assert call("LTRIM", key, start, stop) == "OK"
    assert items(call, key) == expected


def test_ltrim_as_a_capped_list(call, key):
    for n in range(10):
        call("LPUSH", key, n)
        call("LTRIM", key, 0, 2)
    assert items(call, key) == [b"9", b"8", b"7"]


def test_ltrim_of_a_missing_key_is_ok(call, key):
    assert call("LTRIM", key, 0, 1) == "OK"
    assert call("EXISTS", key) == 0


def test_ltrim_checks_its_indexes_before_the_key(call, key):
    assert call("LTRIM", key, 0, "x") == NOT_AN_INTEGER
    call("SET", key, "v")
    assert call("LTRIM", key, "x", 0) == NOT_AN_INTEGER


# === by value =====================================================================================


def test_linsert_inserts_before_or_after_the_first_pivot(call, key):
    call("RPUSH", key, "a", "b", "a")
    assert call("LINSERT", key, "BEFORE", "a", "x") == 4
    assert call("LINSERT", key, "after", "a", "y") == 5
    assert items(call, key) == [b"x", b"a", b"y", b"b", b"a"]


def test_linsert_replies_minus_1_without_the_pivot_and_0_without_the_key(call, key):
    call("RPUSH", key, "a")
    assert call("LINSERT", key, "BEFORE", "z", "x") == -1
    assert items(call, key) == [b"a"]
    assert call("LINSERT", key + ":missing", "BEFORE", "a", "x") == 0
    assert call("EXISTS", key + ":missing") == 0


def test_linsert_checks_before_or_after_first(call, key):
    assert call("LINSERT", key, "MIDDLE", "a", "x") == SYNTAX_ERROR
    call("SET", key, "v")
    assert call("LINSERT", key, "MIDDLE", "a", "x") == SYNTAX_ERROR


@pytest.mark.parametrize("count, removed, left", [
    (0, 3, [b"b", b"c"]),  # 0: every match
    (2, 2, [b"b", b"c", b"a"]),  # the first two, from the head
    (-2, 2, [b"a", b"b", b"c"]),  # the last two, from the tail
    (10, 3, [b"b", b"c"]),
    (INT64_MIN, 3, [b"b", b"c"]),
])
def test_lrem_removes_matches_from_the_head_or_the_tail(call, key, count, removed, left):
    call("RPUSH", key, "a", "b", "a", "c", "a")
    assert call("LREM", key, count, "a") == removed
    assert items(call, key) == left


def test_lrem_without_a_match_or_a_key_removes_nothing(call, key):
    call("RPUSH", key, "a")
    assert call("LREM", key, 0, "z") == 0
    assert call("LREM", key + ":missing", 0, "a") == 0


def test_lrem_checks_its_count_before_the_key(call, key):
    assert call("LREM", key, "x", "a") == NOT_AN_INTEGER


# --- LPOS ------------------------------------------------------------------------------------------

LPOS_LIST = ["a", "b", "c", "1", "2", "3", "c", "c"]

LPOS_CASES = [
    (["c"], 2),
    (["z"], None),
    (["c", "RANK", "2"], 6),
    (["c", "RANK", "-1"], 7),  # negative: search from the tail; indexes still count from the head
    (["c", "RANK", "-3"], 2),
    (["c", "RANK", "4"], None),
    (["c", "COUNT", "2"], [2, 6]),
    (["c", "COUNT", "0"], [2, 6, 7]),  # 0: every match
    (["c", "COUNT", "0", "RANK", "-1"], [7, 6, 2]),
    (["c", "RANK", "2", "COUNT", "0"], [6, 7]),
    (["z", "COUNT", "1"], []),
    (["c", "MAXLEN", "3"], 2),
    (["c", "MAXLEN", "2"], None),  # only the first two elements are looked at
    (["c", "COUNT", "0", "MAXLEN", "7"], [2, 6]),
    (["c", "COUNT", "0", "RANK", "-1", "MAXLEN", "2"], [7, 6]),
    (["c", "rank", "1", "RANK", "2"], 6),  # the last of a repeated option counts
    (["c", "RANK", str(INT64_MAX)], None),
]


@pytest.mark.parametrize("args, expected", LPOS_CASES, ids=[" ".join(words) for words, _ in LPOS_CASES])
def test_lpos_finds_the_indexes_of_matches(call, key, args, expected):
    call("RPUSH", key, *LPOS_LIST)
    assert call("LPOS", key, *args) == expected


def test_lpos_of_a_missing_key_is_null_or_an_empty_array_with_count(call, key):
    assert call("LPOS", key, "a") is None
    assert call("LPOS", key, "a", "COUNT", 0) == []


def test_lpos_rank_of_the_smallest_integer_is_rank_minus_1_with_no_count_limit(call, key):
    # Redis 7.0 negates that rank in a C long and overflows back to where it
    # started. (Redis 7.2 refuses it: "value is out of range".)
    call("RPUSH", key, *LPOS_LIST)
    assert call("LPOS", key, "c", "RANK", INT64_MIN) == 7
    assert call("LPOS", key, "c", "RANK", INT64_MIN, "COUNT", 1) == [7, 6, 2]


LPOS_ERRORS = [
    (["RANK", "0"], RANK_ZERO),
    (["RANK", "x"], NOT_AN_INTEGER),
    (["COUNT", "-1"], "ERR COUNT can't be negative"),
    (["COUNT", "x"], "ERR COUNT can't be negative"),
    (["MAXLEN", "-1"], "ERR MAXLEN can't be negative"),
    (["MAXLEN", "1.5"], "ERR MAXLEN can't be negative"),
    (["RANK"], SYNTAX_ERROR),
    (["LIMIT", "1"], SYNTAX_ERROR),
    (["COUNT", "1", "RANK"], SYNTAX_ERROR),
    # In the order given: the first bad option is the one reported.
    (["RANK", "0", "COUNT", "-1"], RANK_ZERO),
    (["COUNT", "-1", "RANK", "0"], "ERR COUNT can't be negative"),
]


@pytest.mark.parametrize("args, message", LPOS_ERRORS, ids=[" ".join(words) for words, _ in LPOS_ERRORS])
def test_lpos_errors_come_before_the_key_is_looked_up(call, key, args, message):
    assert call("LPOS", key, "a", *args) == message
    call("SET", key, "v")
    assert call("LPOS", key, "a", *args) == message


# === from one list to another =====================================================================


@pytest.mark.parametrize("wherefrom, whereto, moved, source, destination", [
    ("LEFT", "LEFT", b"a", [b"b", b"c"], [b"a", b"x"]),
    ("LEFT", "RIGHT", b"a", [b"b", b"c"], [b"x", b"a"]),
    ("RIGHT", "LEFT", b"c", [b"a", b"b"], [b"c", b"x"]),
    ("right", "right", b"c", [b"a", b"b"], [b"x", b"c"]),
])
def test_lmove_moves_an_element_between_any_two_ends(call, key, wherefrom, whereto, moved, source, destination):
    call("RPUSH", key, "a", "b", "c")
    call("RPUSH", key + ":dst", "x")
    assert call("LMOVE", key, key + ":dst", wherefrom, whereto) == moved
    assert items(call, key) == source
    assert items(call, key + ":dst") == destination


def test_lmove_onto_the_same_list_rotates_it(call, key):
    call("RPUSH", key, "a", "b", "c")
    assert call("LMOVE", key, key, "LEFT", "RIGHT") == b"a"
    assert items(call, key) == [b"b", b"c", b"a"]
    assert call("LMOVE", key, key, "RIGHT", "LEFT") == b"a"
    assert items(call, key) == [b"a", b"b", b"c"]


def test_lmove_of_a_single_element_onto_itself_keeps_the_key(call, key):
    call("RPUSH", key, "a")
    call("EXPIRE", key, 100)
    assert call("LMOVE", key, key, "LEFT", "LEFT") == b"a"
    assert items(call, key) == [b"a"]
    assert 99 <= call("TTL", key) <= 100


def test_lmove_creates_the_destination(call, key):
    call("RPUSH", key, "a")
    assert call("LMOVE", key, key + ":dst", "LEFT", "LEFT") == b"a"
    assert call("EXISTS", key) == 0
    assert items(call, key + ":dst") == [b"a"]


def test_lmove_of_a_missing_source_is_null_and_creates_nothing(call, key):
    assert call("LMOVE", key, key + ":dst", "LEFT", "RIGHT") is None
    assert call("EXISTS", key + ":dst") == 0


def test_lmove_to_a_string_moves_nothing(call, key):
    call("RPUSH", key, "a")
    call("SET", key + ":dst", "v")
    assert call("LMOVE", key, key + ":dst", "LEFT", "RIGHT") == WRONGTYPE
    assert items(call, key) == [b"a"]


def test_lmove_checks_both_sides_before_the_keys(call, key):
    call("SET", key, "v")
    assert call("LMOVE", key, key + ":dst", "UP", "LEFT") == SYNTAX_ERROR
    assert call("LMOVE", key, key + ":dst", "LEFT", "DOWN") == SYNTAX_ERROR


def test_rpoplpush_is_lmove_right_left(call, key):
    call("RPUSH", key, "a", "b", "c")
    assert call("RPOPLPUSH", key, key + ":dst") == b"c"
    assert call("RPOPLPUSH", key, key + ":dst") == b"b"
    assert items(call, key + ":dst") == [b"b", b"c"]
    assert call("RPOPLPUSH", key, key) == b"a"  # a one-element rotation
    assert call("RPOPLPUSH", key + ":missing", key) is None


# === arity and COMMAND ============================================================================


@pytest.mark.parametrize("words", [
    ["LPUSH", "k"], ["RPUSH", "k"], ["LPUSHX", "k"], ["RPUSHX", "k"], ["LPOP"], ["RPOP"], ["LLEN"],
    ["LLEN", "k", "k"], ["LRANGE", "k", "0"], ["LINDEX", "k"], ["LSET", "k", "0"], ["LINSERT", "k", "BEFORE", "a"],
    ["LREM", "k", "0"], ["LTRIM", "k", "0"], ["LPOS", "k"], ["LMOVE", "a", "b", "LEFT"], ["RPOPLPUSH", "a"],
    ["LMPOP", "1", "k"],
], ids=lambda words: "-".join(words))
def test_list_commands_with_the_wrong_number_of_arguments_are_refused(call, words):
    assert call(*words) == f"ERR wrong number of arguments for '{words[0].lower()}' command"


LIST_COMMAND_INFO = [
    ("lpush", -3, ["write", "denyoom", "fast"], [1, 1, 1]),
    ("rpush", -3, ["write", "denyoom", "fast"], [1, 1, 1]),
    ("lpushx", -3, ["write", "denyoom", "fast"], [1, 1, 1]),
    ("rpushx", -3, ["write", "denyoom", "fast"], [1, 1, 1]),
    ("lpop", -2, ["write", "fast"], [1, 1, 1]),
    ("rpop", -2, ["write", "fast"], [1, 1, 1]),
    ("llen", 2, ["readonly", "fast"], [1, 1, 1]),
    ("lrange", 4, ["readonly"], [1, 1, 1]),
    ("lindex", 3, ["readonly"], [1, 1, 1]),
    ("lset", 4, ["write", "denyoom"], [1, 1, 1]),
    ("linsert", 5, ["write", "denyoom"], [1, 1, 1]),
    ("lrem", 4, ["write"], [1, 1, 1]),
    ("ltrim", 4, ["write"], [1, 1, 1]),
    ("lpos", -3, ["readonly"], [1, 1, 1]),
    ("lmove", 5, ["write", "denyoom"], [1, 2, 1]),
    ("rpoplpush", 3, ["write", "denyoom"], [1, 2, 1]),
    ("lmpop", -4, ["write", "movablekeys"], [0, 0, 0]),  # the keys' place depends on numkeys
]


@pytest.mark.parametrize("name, arity, flags, keys", LIST_COMMAND_INFO, ids=[info[0] for info in LIST_COMMAND_INFO])
def test_command_info_describes_the_list_commands_as_redis_does(call, name, arity, flags, keys):
    [info] = call("COMMAND", "INFO", name)
    assert info[:6] == [name.encode(), arity, flags, *keys]


@pytest.mark.parametrize("name, since, summary", [
    ("lpush", "1.0.0", "Prepend one or multiple elements to a list"),
    ("rpushx", "2.2.0", "Append an element to a list, only if the list exists"),
    ("lpop", "1.0.0", "Remove and get the first elements in a list"),
    ("lindex", "1.0.0", "Get an element from a list by its index"),
    ("linsert", "2.2.0", "Insert an element before or after another element in a list"),
    ("lpos", "6.0.6", "Return the index of matching elements on a list"),
    ("lmove", "6.2.0", "Pop an element from a list, push it to another list and return it"),
    ("rpoplpush", "1.2.0", "Remove the last element in a list, prepend it to another list and return it"),
    ("lmpop", "7.0.0", "Pop elements from a list"),
])
def test_command_docs_gives_the_summary_and_version_of_the_list_commands(call, name, since, summary):
    docs = command_docs(call, name)
    assert (docs[b"summary"], docs[b"since"], docs[b"group"]) == (summary.encode(), since.encode(), b"list")


@pytest.mark.parametrize("command, syntax", [
    ("LINSERT", "LINSERT key BEFORE|AFTER pivot element"),
    ("LMOVE", "LMOVE source destination LEFT|RIGHT LEFT|RIGHT"),
    ("LMPOP", "LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]"),
    ("LPOS", "LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]"),
    ("LPOP", "LPOP key [count]"),
])
def test_redis_cli_help_shows_the_syntax_of_list_commands(server, command, syntax):
    # A required choice, such as BEFORE|AFTER, is a oneof without the optional flag.
    text = redis_cli_help(server.port, command)
    assert f"  {syntax}\n" in text
    assert "  group: list\n" in text


def test_redis_benchmark_runs_its_list_tests(server):
    result = subprocess.run(
        ["redis-benchmark", "-p", str(server.port), "-t", "lpush,rpush,lpop,rpop,lrange", "-P", "16",
         "-n", "2000", "-q"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    rates = dict(re.findall(r"(\w+)(?: \([^)]*\))?: ([\d.]+) requests per second", result.stdout))
    assert {"LPUSH", "RPUSH", "LPOP", "RPOP", "LRANGE_100", "LRANGE_600"} <= set(rates)


# === differential: random list commands, compared with a real redis-server ========================

COMMANDS_PER_RUN = 4000
ELEMENTS = ["a", "b", "c", "", "1", "\x00\r\n"]


def random_index(rng: random.Random) -> str:
    if rng.random() < 0.08:
        return rng.choice([str(INT64_MIN), str(INT64_MAX), "x", "1.5", "", str(2**63), "+1", "-0"])
    return str(rng.randint(-12, 12))


def random_count(rng: random.Random) -> str:
    if rng.random() < 0.1:
        return rng.choice(["-1", "x", "", str(INT64_MIN), str(INT64_MAX), "01"])
    return str(rng.randint(0, 6))


def random_list_command(rng: random.Random, keys: list[str]) -> list:
    key = rng.choice(keys)
    element = rng.choice(ELEMENTS)
    side = lambda: rng.choice(["LEFT", "RIGHT", "left", "Right"] * 8 + ["UP"])
    # Now and then a key becomes a string, for WRONGTYPE, and DEL makes it free again.
    name = rng.choices(["LPUSH", "RPUSH", "LPUSHX", "RPUSHX", "LPOP", "RPOP", "LLEN", "LRANGE", "LINDEX",
                        "LSET", "LINSERT", "LREM", "LTRIM", "LPOS", "LMOVE", "RPOPLPUSH", "LMPOP",
                        "SET", "DEL", "TYPE", "GET"],
                       weights=[4, 4, 1, 1, 2, 2, 1, 3, 2, 2, 2, 2, 2, 4, 2, 1, 2, 0.3, 1.5, 0.5, 0.5])[0]
    if name in ("LPUSH", "RPUSH", "LPUSHX", "RPUSHX"):
        words = [name, key, *rng.choices(ELEMENTS, k=rng.randint(1, 5))]
    elif name in ("LPOP", "RPOP"):
        words = [name, key] + ([random_count(rng)] if rng.random() < 0.5 else [])
    elif name in ("LLEN", "DEL", "TYPE", "GET"):
        words = [name, key]
    elif name in ("LRANGE", "LTRIM"):
        words = [name, key, random_index(rng), random_index(rng)]
    elif name == "LINDEX":
        words = [name, key, random_index(rng)]
    elif name == "LSET":
        words = [name, key, random_index(rng), element]
    elif name == "LINSERT":
        words = [name, key, rng.choice(["BEFORE", "AFTER", "after"] * 3 + ["NEAR"]), rng.choice(ELEMENTS), element]
    elif name == "LREM":
        words = [name, key, rng.choice([random_index(rng), "0", "0"]), element]
    elif name == "LPOS":
        words = [name, key, element]
        for _ in range(rng.randint(0, 3)):
            option = rng.choice(["RANK", "COUNT", "MAXLEN"] * 5 + ["NOPE"])
            value = random_index(rng) if option == "RANK" else random_count(rng)
            words += [option, value] if rng.random() < 0.97 else [option]
    elif name == "LMOVE":
        words = [name, key, rng.choice(keys), side(), side()]
    elif name == "RPOPLPUSH":
        words = [name, key, rng.choice(keys)]
    elif name == "LMPOP":
        chosen = rng.sample(keys, rng.randint(1, 3))
        numkeys = str(len(chosen)) if rng.random() < 0.9 else rng.choice(["0", "-1", "x", "4", "9"])
        words = [name, numkeys, *chosen, side()]
        if rng.random() < 0.5:
            words += ["COUNT", rng.choice([str(rng.randint(1, 5))] * 6 + ["0", "-2", "x"])]
    else:  # SET: a string now and then, for WRONGTYPE
        words = [name, key, element]
    return with_wrong_arity_now_and_then(rng, words)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_differential_random_list_commands_reply_exactly_as_real_redis(server, reference_redis, key, seed):
    rng = random.Random(seed)
    keys = [f"{key}:{n}" for n in range(4)]

    def same_lists(ours, theirs):
        # The keys hold the same lists, or the same strings, in the end.
        for name in keys:
            assert ours.call("TYPE", name) == theirs.call("TYPE", name)
            if theirs.call("TYPE", name) == "list":
                assert ours.call("LRANGE", name, 0, -1) == theirs.call("LRANGE", name, 0, -1)

    differential_run(server, reference_redis, (random_list_command(rng, keys) for _ in range(COMMANDS_PER_RUN)),
                     same_reply, at_the_end=same_lists)
