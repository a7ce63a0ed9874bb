"""Step 12: sorted sets.

Every expectation here is Redis 7.0's own behaviour: `pytest --against-redis`
runs this file against a real redis-server to prove it. Replies are compared
exactly, through `call`, because redis-py turns scores into floats and would
hide how they are printed.

Besides one test per behaviour, three tests go wide: one loads 10,000
members with random scores and checks ranks and ranges against a sorted
Python list; one scans a big set while it changes; and a differential test
sends thousands of random sorted-set commands, good and bad, to the server
under test and to a real redis-server side by side, and compares every reply.
"""

import random

import pytest

from clients import RawConnection, command_docs
from helpers import (INT64_MAX, INT64_MIN, NOT_A_FLOAT, NOT_AN_INTEGER, SYNTAX_ERROR, WRONGTYPE, differential_run,
                     expire_now, follow_scan, random_index, same_command_table_entries, scanned)

SCORE_RANGE_ERROR = "ERR min or max is not a float"
LEX_RANGE_ERROR = "ERR min or max not valid string range item"


@pytest.fixture
def zset(call, key):
    """zset(*score_member_pairs): fill the test's key with ZADD."""
    def fill(*pairs):
        assert isinstance(call("ZADD", key, *pairs), int)
    return fill


def pairs_of(reply: list) -> list[tuple[bytes, bytes]]:
    """A flat WITHSCORES reply as (member, score) pairs."""
    return list(zip(reply[::2], reply[1::2]))


# --- ZADD ------------------------------------------------------------------------------------


def test_zadd_replies_with_the_number_of_new_members(call, key):
    assert call("ZADD", key, 1, "a", 2, "b") == 2
    assert call("ZADD", key, 3, "b", 4, "c") == 1  # b was there: its score changes, it is not counted


def test_zadd_updates_the_score_of_a_member_and_moves_it(call, key, zset):
    zset(1, "a", 2, "b", 3, "c")
    call("ZADD", key, 10, "a")
    assert call("ZRANGE", key, 0, -1, "WITHSCORES") == [b"b", b"2", b"c", b"3", b"a", b"10"]


def test_zadd_of_the_same_member_twice_in_one_command_keeps_the_last_score(call, key):
    assert call("ZADD", key, 1, "a", 2, "a") == 1
    assert call("ZSCORE", key, "a") == b"2"


def test_zadd_ch_counts_changed_scores_too(call, key, zset):
    zset(1, "a", 2, "b")
    assert call("ZADD", key, "CH", 1, "a", 5, "b", 3, "c") == 2  # b changed, c is new, a is as it was


def test_zadd_nx_only_adds_new_members(call, key, zset):
    zset(1, "a")
    assert call("ZADD", key, "NX", 5, "a", 2, "b") == 1
    assert call("ZRANGE", key, 0, -1, "WITHSCORES") == [b"a", b"1", b"b", b"2"]


def test_zadd_xx_only_updates_members_that_exist(call, key, zset):
    zset(1, "a")
    assert call("ZADD", key, "XX", "CH", 5, "a", 2, "b") == 1
    assert call("ZRANGE", key, 0, -1, "WITHSCORES") == [b"a", b"5"]


def test_zadd_xx_on_a_missing_key_creates_nothing(call, key):
    assert call("ZADD", key, "XX", 1, "a") == 0
    assert call("EXISTS", key) == 0


def test_zadd_gt_only_raises_a_score_and_lt_only_lowers_it(call, key, zset):
    zset(5, "a", 5, "b")
    assert call("ZADD", key, "GT", "CH", 3, "a", 7, "b") == 1
    assert call("ZADD", key, "LT", "CH", 4, "a", 9, "b") == 1
    assert call("ZRANGE", key, 0, -1, "WITHSCORES") == [b"a", b"4", b"b", b"7"]


def test_zadd_gt_and_lt_still_add_new_members(call, key, zset):
    zset(5, "a")
    assert call("ZADD", key, "GT", 1, "new") == 1
    assert call("ZADD", key, "XX", "GT", 1, "other") == 0  # with XX, nothing new


def test_zadd_options_are_case_insensitive(call, key, zset):
    zset(1, "a")
    assert call("ZADD", key, "xx", "ch", "gt", 2, "a") == 1


def test_zadd_incr_adds_to_the_score_and_replies_with_it(call, key, zset):
    zset(1.5, "a")
    assert call("ZADD", key, "INCR", 2, "a") == b"3.5"
    assert call("ZADD", key, "INCR", 2, "new") == b"2"  # a new member starts from 0


@pytest.mark.parametrize("options, member", [
    (["NX"], "a"),  # a exists
    (["XX"], "new"),  # new does not
    (["GT"], "a"),  # 1 + -1 is not greater than 1
])
def test_zadd_incr_that_does_nothing_replies_null(call, key, zset, options, member):
    zset(1, "a")
    assert call("ZADD", key, *options, "INCR", -1, member) is None


def test_zadd_incr_with_xx_on_a_missing_key_replies_null(call, key):
    assert call("ZADD", key, "XX", "INCR", 1, "a") is None
    assert call("EXISTS", key) == 0


@pytest.mark.parametrize("options, message", [
    (["NX", "XX"], "ERR XX and NX options at the same time are not compatible"),
    (["NX", "GT"], "ERR GT, LT, and/or NX options at the same time are not compatible"),
    (["LT", "NX"], "ERR GT, LT, and/or NX options at the same time are not compatible"),
    (["GT", "LT"], "ERR GT, LT, and/or NX options at the same time are not compatible"),
    (["INCR", 1, "a"], "ERR INCR option supports a single increment-element pair"),
    ([1], SYNTAX_ERROR),  # a score without a member
    (["NX", "XX", 1], SYNTAX_ERROR),  # counting the pairs comes first
], ids=lambda value: " ".join(map(str, value)) if isinstance(value, list) else None)
def test_zadd_option_errors(call, key, options, message):
    assert call("ZADD", key, *options, 2, "b") == message
    assert call("EXISTS", key) == 0


def test_zadd_with_options_and_no_pairs_is_a_syntax_error(call, key):
    assert call("ZADD", key, "NX", "CH") == SYNTAX_ERROR


@pytest.mark.parametrize("score", ["", " 1", "1 ", "abc", "1e", "0x", "1,5", "nan", "NaN", "-nan", "1e400", "-1e400",
                                   "1e-400", "infinit", "1\x002", "٣"])
def test_zadd_refuses_a_score_that_is_not_a_float(call, key, score):
    assert call("ZADD", key, score, "a") == NOT_A_FLOAT


def test_zadd_checks_every_score_before_adding_any(call, key):
    assert call("ZADD", key, 1, "a", "x", "b") == NOT_A_FLOAT
    assert call("EXISTS", key) == 0


@pytest.mark.parametrize("score, stored", [
    ("1", b"1"), ("-2.5", b"-2.5"), ("+5", b"5"), (".5", b"0.5"), ("5.", b"5"), ("1e3", b"1000"),
    ("1E-3", b"0.001"), ("inf", b"inf"), ("+inf", b"inf"), ("-inf", b"-inf"), ("Infinity", b"inf"),
    ("-INF", b"-inf"), ("0x10", b"16"), ("0x1p-2", b"0.25"), ("1e-320", b"9.9998886718268301e-321"),
    ("0.1", b"0.10000000000000001"), ("1.1", b"1.1000000000000001"), ("3.0", b"3"), ("1e20", b"1e+20"),
    ("123456789012345678", b"1.2345678901234568e+17"), ("1e17", b"1e+17"), ("0.00001", b"1.0000000000000001e-05"),
    ("-0", b"0"),  # in a small set: see test_minus_zero_survives_only_in_a_big_set
])
def test_scores_are_read_like_strtod_and_printed_with_17_digits(call, key, score, stored):
    call("ZADD", key, score, "a")
    assert call("ZSCORE", key, "a") == stored


def test_zadd_creates_a_key_of_type_zset(call, key):
    call("ZADD", key, 1, "a")
    assert call("TYPE", key) == "zset"


# --- ZINCRBY ---------------------------------------------------------------------------------


def test_zincrby_adds_to_a_score_and_replies_with_the_new_one(call, key, zset):
    zset(1, "a")
    assert call("ZINCRBY", key, "2.5", "a") == b"3.5"
    assert call("ZINCRBY", key, -10, "a") == b"-6.5"


def test_zincrby_of_a_missing_member_or_key_starts_from_0(call, key):
    assert call("ZINCRBY", key, 5, "a") == b"5"
    assert call("ZINCRBY", key, "0.1", "b") == b"0.10000000000000001"


def test_zincrby_that_makes_nan_is_refused(call, key, zset):
    zset("inf", "a")
    assert call("ZINCRBY", key, "-inf", "a") == "ERR resulting score is not a number (NaN)"
    assert call("ZSCORE", key, "a") == b"inf"


def test_zincrby_refuses_an_increment_that_is_not_a_float(call, key):
    assert call("ZINCRBY", key, "one", "a") == NOT_A_FLOAT


def test_zincrby_reads_zadd_options_where_its_increment_goes(call, key):
    # Redis runs ZADD's code for ZINCRBY, option loop and all.
    assert call("ZINCRBY", key, "NX", "a") == SYNTAX_ERROR
    assert call("ZINCRBY", key, 1, "nx") == b"1"  # as a member, a word is just a member


def test_minus_zero_survives_only_in_a_big_set(call, key):
    # A small sorted set is a listpack in Redis, which stores a whole-number
    # score as an integer: -0 becomes 0. The reply of ZINCRBY is the score
    # computed, before it is stored.
    assert call("ZINCRBY", key, "-0", "a") == b"-0"
    assert call("ZSCORE", key, "a") == b"0"
    call("ZADD", key, *[part for i in range(200) for part in (i, f"m{i}")])  # now a skiplist
    call("ZADD", key, "-0", "b")
    assert call("ZSCORE", key, "b") == b"-0"


# --- reading one member ----------------------------------------------------------------------


def test_zscore_of_a_missing_member_or_key_is_null(call, key, zset):
    zset(1, "a")
    assert call("ZSCORE", key, "b") is None
    assert call("ZSCORE", key + "missing", "a") is None


def test_zmscore_replies_with_a_score_or_null_for_each_member(call, key, zset):
    zset(1, "a", 2, "b")
    assert call("ZMSCORE", key, "b", "x", "a") == [b"2", None, b"1"]
    assert call("ZMSCORE", key + "missing", "a", "b") == [None, None]


def test_zcard_counts_members_and_a_missing_key_has_none(call, key, zset):
    zset(1, "a", 2, "b")
    assert call("ZCARD", key) == 2
    assert call("ZCARD", key + "missing") == 0


def test_zrank_and_zrevrank_count_from_each_end(call, key, zset):
    zset(1, "a", 2, "b", 3, "c")
    assert [call("ZRANK", key, member) for member in "abc"] == [0, 1, 2]
    assert [call("ZREVRANK", key, member) for member in "abc"] == [2, 1, 0]


def test_zrank_of_a_missing_member_or_key_is_null(call, key, zset):
    zset(1, "a")
    assert call("ZRANK", key, "x") is None
    assert call("ZREVRANK", key + "missing", "a") is None


def test_zrank_has_no_withscore_option_in_redis_7_0(call, key, zset):
    zset(1, "a")
    assert call("ZRANK", key, "a", "WITHSCORE") == "ERR wrong number of arguments for 'zrank' command"


def test_members_with_equal_scores_are_ordered_by_their_bytes(call, key):
    call("ZADD", key, 1, "b", 1, "a", 1, "B", 1, "\x00", 1, b"\xff", 1, "", 1, "ab", 0, "z")
    assert call("ZRANGE", key, 0, -1) == [b"z", b"", b"\x00", b"B", b"a", b"ab", b"b", b"\xff"]


# --- ZRANGE by rank ----------------------------------------------------------------------------


@pytest.mark.parametrize("start, stop, expected", [
    (0, -1, "abcde"), (1, 3, "bcd"), (-2, -1, "de"), (0, 0, "a"), (-100, 1, "ab"), (3, 100, "de"),
    (3, 1, ""), (5, 10, ""), (-1, -2, ""), (-100, -50, ""), (INT64_MIN, INT64_MAX, "abcde"),
])
def test_zrange_by_rank_takes_inclusive_positions_and_counts_negatives_from_the_end(call, key, zset, start, stop,
                                                                                    expected):
    zset(1, "a", 2, "b", 3, "c", 4, "d", 5, "e")
    assert call("ZRANGE", key, start, stop) == [member.encode() for member in expected]


def test_zrevrange_and_zrange_rev_count_from_the_highest_score(call, key, zset):
    zset(1, "a", 2, "b", 3, "c", 4, "d")
    assert call("ZREVRANGE", key, 0, 1) == [b"d", b"c"]
    assert call("ZRANGE", key, 1, -1, "REV") == [b"c", b"b", b"a"]


def test_zrange_withscores_replies_member_score_pairs_flat(raw, key, zset):
    zset("1.5", "a", 2, "b")
    connection = raw()
    connection.send(b"*5\r\n$6\r\nZRANGE\r\n$%d\r\n%b\r\n$1\r\n0\r\n$2\r\n-1\r\n$10\r\nWITHSCORES\r\n"
                    % (len(key), key.encode()))
    connection.expect(b"*4\r\n$1\r\na\r\n$3\r\n1.5\r\n$1\r\nb\r\n$1\r\n2\r\n")


def test_zrange_of_a_missing_key_is_an_empty_list(call, key):
    assert call("ZRANGE", key, 0, -1) == []
    assert call("ZRANGE", key, 0, -1, "BYSCORE") == []


@pytest.mark.parametrize("start, stop", [("x", 1), (0, "1.5"), (0, str(2**63))])
def test_zrange_by_rank_needs_integers(call, key, zset, start, stop):
    zset(1, "a")
    assert call("ZRANGE", key, start, stop) == NOT_AN_INTEGER


# --- ranges by score ---------------------------------------------------------------------------


@pytest.mark.parametrize("low, high, expected", [
    ("2", "4", "bcd"), ("(2", "4", "cd"), ("2", "(4", "bc"), ("(2", "(4", "c"), ("-inf", "+inf", "abcde"),
    ("-inf", "(1", ""), ("4", "2", ""), ("(3", "(3", ""), ("3", "3", "c"), ("1e400", "inf", ""),
    ("-1e400", "2", "ab"),  # too large for a double: -inf, accepted here (not by ZADD)
    ("", "2", "ab"),  # an empty bound is 0
    (" 2", "4", "bcd"),  # spaces before the number are skipped
    ("(", "3", "abc"),  # "(" alone is 0, exclusive
    ("0x2", "4", "bcd"), ("2\x00junk", "4", "bcd"),  # a bound ends at a zero byte
])
def test_zrangebyscore_takes_inclusive_or_exclusive_bounds(call, key, zset, low, high, expected):
    zset(1, "a", 2, "b", 3, "c", 4, "d", 5, "e")
    expected = [member.encode() for member in expected]
    assert call("ZRANGEBYSCORE", key, low, high) == expected
    assert call("ZRANGE", key, low, high, "BYSCORE") == expected
    assert call("ZREVRANGEBYSCORE", key, high, low) == expected[::-1]
    assert call("ZRANGE", key, high, low, "BYSCORE", "REV") == expected[::-1]
    assert call("ZCOUNT", key, low, high) == len(expected)


@pytest.mark.parametrize("bound", ["x", "1 ", "((1", "nan", "(nan", "+", "-", " ", "[1"])
def test_score_bounds_that_are_not_floats_are_refused(call, key, zset, bound):
    zset(1, "a")
    assert call("ZRANGEBYSCORE", key, bound, "+inf") == SCORE_RANGE_ERROR
    assert call("ZCOUNT", key, "-inf", bound) == SCORE_RANGE_ERROR
    assert call("ZREMRANGEBYSCORE", key, bound, 1) == SCORE_RANGE_ERROR


@pytest.mark.parametrize("offset, count, forward, backward", [
    (0, 2, "ab", "ed"), (1, 2, "bc", "dc"), (3, 10, "de", "ba"), (5, 1, "", ""), (0, 0, "", ""),
    (1, -1, "bcde", "dcba"),  # a negative count is no limit
    (-1, 2, "", ""),  # a negative offset selects nothing
])
def test_zrangebyscore_limit_takes_an_offset_and_a_count(call, key, zset, offset, count, forward, backward):
    zset(1, "a", 2, "b", 3, "c", 4, "d", 5, "e")
    assert call("ZRANGEBYSCORE", key, "-inf", "+inf", "LIMIT", offset, count) == [m.encode() for m in forward]
    assert call("ZREVRANGEBYSCORE", key, "+inf", "-inf", "LIMIT", offset, count) == [m.encode() for m in backward]


def test_zrangebyscore_options_come_in_any_order(call, key, zset):
    zset(1, "a", 2, "b", 3, "c")
    assert call("ZRANGEBYSCORE", key, 1, 3, "LIMIT", 1, 1, "WITHSCORES") == [b"b", b"2"]
    assert call("ZRANGEBYSCORE", key, 1, 3, "withscores", "limit", 1, 1) == [b"b", b"2"]


# --- ranges by member ----------------------------------------------------------------------------


@pytest.mark.parametrize("low, high, expected", [
    ("-", "+", "abcde"), ("[b", "[d", "bcd"), ("(b", "[d", "cd"), ("[b", "(d", "bc"), ("(b", "(c", ""),
    ("[bb", "+", "cde"), ("-", "[", ""), ("[", "(c", "ab"), ("+", "-", ""), ("[d", "[b", ""),
    ("-", "-", ""), ("+", "+", ""), ("+\x00x", "-", ""),  # "+" and "-" are read as C strings
])
def test_zrangebylex_compares_members_as_bytes(call, key, zset, low, high, expected):
    zset(0, "a", 0, "b", 0, "c", 0, "d", 0, "e")
    expected = [member.encode() for member in expected]
    assert call("ZRANGEBYLEX", key, low, high) == expected
    assert call("ZRANGE", key, low, high, "BYLEX") == expected
    assert call("ZREVRANGEBYLEX", key, high, low) == expected[::-1]
    assert call("ZLEXCOUNT", key, low, high) == len(expected)


@pytest.mark.parametrize("bound", ["a", "", "+a", "-a", "*"])
def test_lex_bounds_need_a_bracket_or_plus_or_minus(call, key, zset, bound):
    zset(0, "a")
    assert call("ZRANGEBYLEX", key, bound, "+") == LEX_RANGE_ERROR
    assert call("ZLEXCOUNT", key, "-", bound) == LEX_RANGE_ERROR
    assert call("ZREMRANGEBYLEX", key, bound, "+") == LEX_RANGE_ERROR


def test_zrangebylex_limit(call, key, zset):
    zset(0, "a", 0, "b", 0, "c", 0, "d")
    assert call("ZRANGEBYLEX", key, "-", "+", "LIMIT", 1, 2) == [b"b", b"c"]
    assert call("ZREVRANGEBYLEX", key, "+", "-", "LIMIT", 1, 2) == [b"c", b"b"]


# --- ZRANGE's options, and what each older command refuses ---------------------------------------


@pytest.mark.parametrize("words, message", [
    (["ZRANGE", 0, 1, "LIMIT", 0, 1], "ERR syntax error, LIMIT is only supported in combination with either "
                                      "BYSCORE or BYLEX"),
    (["ZRANGE", "-", "+", "BYLEX", "WITHSCORES"], "ERR syntax error, WITHSCORES not supported in combination "
                                                  "with BYLEX"),
    (["ZRANGEBYLEX", "-", "+", "WITHSCORES"], "ERR syntax error, WITHSCORES not supported in combination with BYLEX"),
    (["ZREVRANGE", 0, 1, "LIMIT", 0, 1], "ERR syntax error, LIMIT is only supported in combination with either "
                                         "BYSCORE or BYLEX"),
    (["ZRANGE", 0, 1, "REV", "REV"], SYNTAX_ERROR),
    (["ZRANGE", 0, 1, "BYSCORE", "BYLEX"], SYNTAX_ERROR),
    (["ZRANGE", 0, 1, "BYSCORE", "BYSCORE"], SYNTAX_ERROR),
    (["ZREVRANGE", 0, 1, "REV"], SYNTAX_ERROR),
    (["ZRANGEBYSCORE", 0, 1, "BYSCORE"], SYNTAX_ERROR),
    (["ZRANGEBYSCORE", 0, 1, "REV"], SYNTAX_ERROR),
    (["ZRANGEBYLEX", "-", "+", "BYLEX"], SYNTAX_ERROR),
    (["ZRANGE", 0, 1, "LIMIT", 0], SYNTAX_ERROR),  # LIMIT needs two numbers
    (["ZRANGE", 0, 1, "BYSCORE", "LIMIT", "x", 1], NOT_AN_INTEGER),
    (["ZRANGE", 0, 1, "BYSCORE", "LIMIT", 0, "1.0"], NOT_AN_INTEGER),
    (["ZRANGE", 0, 1, "NOSUCH"], SYNTAX_ERROR),
    (["ZRANGE", "x", 1, "NOSUCH"], SYNTAX_ERROR),  # options are read before the range
    (["ZRANGE", "x", 1, "BYSCORE"], SCORE_RANGE_ERROR),
    (["ZRANGE", 0, 1, "BYLEX"], LEX_RANGE_ERROR),
    (["ZREVRANGEBYSCORE", 1, "x"], SCORE_RANGE_ERROR),
], ids=lambda value: " ".join(map(str, value)) if isinstance(value, list) else None)
def test_zrange_option_errors(call, key, zset, words, message):
    zset(1, "a")
    assert call(words[0], key, *words[1:]) == message


def test_zrange_limit_0_minus_1_passes_as_no_limit_even_by_rank(call, key, zset):
    # Redis takes a count of -1 as "no LIMIT given".
    zset(1, "a", 2, "b")
    assert call("ZRANGE", key, 0, -1, "LIMIT", 0, -1) == [b"a", b"b"]


def test_zrange_byscore_rev_takes_max_then_min(call, key, zset):
    zset(1, "a", 2, "b", 3, "c")
    assert call("ZRANGE", key, "(3", 1, "BYSCORE", "REV", "LIMIT", 0, 1, "WITHSCORES") == [b"b", b"2"]


def test_zrange_of_a_string_is_wrongtype_but_a_bad_range_is_found_first(call, key):
    call("SET", key, "v")
    assert call("ZRANGE", key, 0, -1) == WRONGTYPE
    assert call("ZRANGE", key, "x", -1) == NOT_AN_INTEGER


# --- ZRANGESTORE -------------------------------------------------------------------------------


def test_zrangestore_stores_the_range_and_replies_with_its_size(call, key, zset):
    zset(1, "a", 2, "b", 3, "c")
    assert call("ZRANGESTORE", key + "dst", key, "(1", "+inf", "BYSCORE") == 2
    assert call("ZRANGE", key + "dst", 0, -1, "WITHSCORES") == [b"b", b"2", b"c", b"3"]


def test_zrangestore_replaces_any_value_and_its_ttl(call, key, zset):
    zset(1, "a")
    call("SET", key + "dst", "v", "EX", 100)
    assert call("ZRANGESTORE", key + "dst", key, 0, -1) == 1
    assert call("TYPE", key + "dst") == "zset"
    assert call("TTL", key + "dst") == -1


def test_zrangestore_of_an_empty_range_deletes_the_destination(call, key, zset):
    zset(1, "a")
    call("SET", key + "dst", "v")
    assert call("ZRANGESTORE", key + "dst", key, 5, 10) == 0
    assert call("EXISTS", key + "dst") == 0
    call("SET", key + "dst", "v")
    assert call("ZRANGESTORE", key + "dst", key + "missing", 0, -1) == 0
    assert call("EXISTS", key + "dst") == 0


def test_zrangestore_has_no_withscores(call, key, zset):
    zset(1, "a")
    assert call("ZRANGESTORE", key + "dst", key, 0, -1, "WITHSCORES") == SYNTAX_ERROR


def test_zrangestore_rev_and_limit(call, key, zset):
    zset(0, "a", 0, "b", 0, "c", 0, "d")
    assert call("ZRANGESTORE", key + "dst", key, "[c", "-", "BYLEX", "REV", "LIMIT", 1, 5) == 2
    assert call("ZRANGE", key + "dst", 0, -1) == [b"a", b"b"]


# --- ZCOUNT and ZLEXCOUNT ----------------------------------------------------------------------


def test_zcount_and_zlexcount_of_a_missing_key_are_0(call, key):
    assert call("ZCOUNT", key, "-inf", "+inf") == 0
    assert call("ZLEXCOUNT", key, "-", "+") == 0


def test_zcount_checks_the_range_before_the_type(call, key):
    call("SET", key, "v")
    assert call("ZCOUNT", key, "x", 1) == SCORE_RANGE_ERROR
    assert call("ZCOUNT", key, 0, 1) == WRONGTYPE
    assert call("ZLEXCOUNT", key, "x", "+") == LEX_RANGE_ERROR


# --- removing ----------------------------------------------------------------------------------


def test_zrem_removes_members_and_counts_those_that_were_there(call, key, zset):
    zset(1, "a", 2, "b", 3, "c")
    assert call("ZREM", key, "a", "x", "a", "c") == 2
    assert call("ZRANGE", key, 0, -1) == [b"b"]
    assert call("ZREM", key + "missing", "a") == 0


@pytest.mark.parametrize("words", [
    ["ZREM", "a", "b"], ["ZREMRANGEBYRANK", 0, -1], ["ZREMRANGEBYSCORE", "-inf", "+inf"],
    ["ZREMRANGEBYLEX", "-", "+"], ["ZPOPMIN", 5], ["ZPOPMAX", 2],
], ids=lambda words: words[0])
def test_a_command_that_takes_the_last_member_deletes_the_key(call, key, zset, words):
    zset(0, "a", 0, "b")
    call(words[0], key, *words[1:])
    assert call("EXISTS", key) == 0
    assert call("TYPE", key) == "none"


@pytest.mark.parametrize("start, stop, left", [
    (0, 0, "bcde"), (-2, -1, "abc"), (1, 100, "a"), (3, 1, "abcde"), (10, 20, "abcde"), (-100, 0, "bcde"),
])
def test_zremrangebyrank(call, key, zset, start, stop, left):
    zset(1, "a", 2, "b", 3, "c", 4, "d", 5, "e")
    assert call("ZREMRANGEBYRANK", key, start, stop) == 5 - len(left)
    assert call("ZRANGE", key, 0, -1) == [member.encode() for member in left]


def test_zremrangebyscore_and_zremrangebylex(call, key, zset):
    zset(1, "a", 2, "b", 3, "c", 4, "d", 5, "e")
    assert call("ZREMRANGEBYSCORE", key, "(1", 3) == 2
    assert call("ZRANGE", key, 0, -1) == [b"a", b"d", b"e"]
    call("ZADD", key, 0, "a", 0, "d", 0, "e")
    assert call("ZREMRANGEBYLEX", key, "[b", "(e") == 1
    assert call("ZRANGE", key, 0, -1) == [b"a", b"e"]


def test_zremrange_of_a_missing_key_is_0_and_needs_a_good_range(call, key):
    assert call("ZREMRANGEBYRANK", key, 0, -1) == 0
    assert call("ZREMRANGEBYRANK", key, "x", -1) == NOT_AN_INTEGER
    assert call("ZREMRANGEBYSCORE", key, "-inf", "+inf") == 0
    assert call("ZREMRANGEBYLEX", key, "-", "+") == 0


# --- popping -----------------------------------------------------------------------------------


def test_zpopmin_and_zpopmax_take_from_either_end(call, key, zset):
    zset(1, "a", 2, "b", 3, "c", 4, "d")
    assert call("ZPOPMIN", key) == [b"a", b"1"]
    assert call("ZPOPMAX", key, 2) == [b"d", b"4", b"c", b"3"]
    assert call("ZPOPMIN", key, 10) == [b"b", b"2"]


def test_zpopmin_of_a_missing_key_and_a_count_of_0_are_empty(call, key, zset):
    assert call("ZPOPMIN", key) == []
    zset(1, "a")
    assert call("ZPOPMAX", key, 0) == []
    assert call("ZCARD", key) == 1


@pytest.mark.parametrize("count, message", [
    ("-1", "ERR value is out of range, must be positive"),
    ("x", "ERR value is out of range, must be positive"),
    (str(2**63), "ERR value is out of range, must be positive"),
])
def test_zpopmin_count_errors(call, key, count, message):
    assert call("ZPOPMIN", key, count) == message


def test_zpopmin_with_two_counts_is_a_syntax_error(call, key):
    assert call("ZPOPMIN", key, 1, 2) == SYNTAX_ERROR


def test_zmpop_pops_from_the_first_key_that_exists(call, key, zset):
    zset(1, "a", 2, "b", 3, "c")
    assert call("ZMPOP", 2, key + "missing", key, "MAX", "COUNT", 2) == [key.encode(), [[b"c", b"3"], [b"b", b"2"]]]
    assert call("ZMPOP", 1, key, "min") == [key.encode(), [[b"a", b"1"]]]
    assert call("EXISTS", key) == 0


def test_zmpop_with_no_set_to_pop_replies_a_null_array(raw, key):
    connection = raw()
    connection.send(b"*4\r\n$5\r\nZMPOP\r\n$1\r\n1\r\n$%d\r\n%b\r\n$3\r\nMIN\r\n" % (len(key), key.encode()))
    connection.expect(b"*-1\r\n")


def test_zmpop_checks_the_type_of_keys_up_to_the_first_that_exists(call, key, zset):
    zset(1, "a")
    call("SET", key + "string", "v")
    assert call("ZMPOP", 2, key + "string", key, "MIN") == WRONGTYPE
    assert call("ZMPOP", 2, key, key + "string", "MIN") == [key.encode(), [[b"a", b"1"]]]


@pytest.mark.parametrize("words, message", [
    ([0, "k", "MIN"], "ERR numkeys should be greater than 0"),
    (["x", "k", "MIN"], "ERR numkeys should be greater than 0"),
    ([2, "k", "MIN"], SYNTAX_ERROR),  # MIN is taken for a key: no MIN/MAX left
    ([1, "k", "LEFT"], SYNTAX_ERROR),
    ([1, "k", "MIN", "COUNT", 0], "ERR count should be greater than 0"),
    ([1, "k", "MIN", "COUNT", "x"], "ERR count should be greater than 0"),
    ([1, "k", "MIN", "COUNT"], SYNTAX_ERROR),
    ([1, "k", "MIN", "COUNT", 1, "COUNT", 1], SYNTAX_ERROR),
    ([str(INT64_MAX), "k", "MIN"], SYNTAX_ERROR),
], ids=lambda value: " ".join(map(str, value)) if isinstance(value, list) else None)
def test_zmpop_errors(call, words, message):
    assert call("ZMPOP", *words) == message


# --- ZUNION, ZINTER, ZDIFF and their STORE forms -----------------------------------------------


@pytest.fixture
def two_sets(call, key):
    call("ZADD", key + ":a", 1, "x", 2, "y", 3, "z")
    call("ZADD", key + ":b", 10, "y", 20, "z", 30, "w")
    return key + ":a", key + ":b"


def test_zunion_adds_the_scores_of_members_in_several_sets(call, two_sets):
    assert call("ZUNION", 2, *two_sets, "WITHSCORES") == [b"x", b"1", b"y", b"12", b"z", b"23", b"w", b"30"]


def test_zinter_keeps_members_in_every_set(call, two_sets):
    assert call("ZINTER", 2, *two_sets, "WITHSCORES") == [b"y", b"12", b"z", b"23"]


def test_zdiff_keeps_members_of_the_first_set_only_with_their_scores(call, two_sets):
    assert call("ZDIFF", 2, *two_sets, "WITHSCORES") == [b"x", b"1"]
    assert call("ZDIFF", 2, *reversed(two_sets)) == [b"w"]


@pytest.mark.parametrize("options, expected", [
    (["WEIGHTS", 2, "0.5"], [b"x", b"2", b"y", b"9", b"w", b"15", b"z", b"16"]),
    (["AGGREGATE", "MIN"], [b"x", b"1", b"y", b"2", b"z", b"3", b"w", b"30"]),
    (["AGGREGATE", "max", "WEIGHTS", -1, 1], [b"x", b"-1", b"y", b"10", b"z", b"20", b"w", b"30"]),
    (["WEIGHTS", 0, 0, "WEIGHTS", 1, 1], [b"x", b"1", b"y", b"12", b"z", b"23", b"w", b"30"]),  # the last wins
])
def test_zunion_weights_and_aggregate(call, two_sets, options, expected):
    assert call("ZUNION", 2, *two_sets, *options, "WITHSCORES") == expected


def test_infinities_that_cancel_out_in_a_sum_make_0(call, key):
    call("ZADD", key + ":a", "inf", "m")
    call("ZADD", key + ":b", "-inf", "m")
    assert call("ZUNION", 2, key + ":a", key + ":b", "WITHSCORES") == [b"m", b"0"]
    assert call("ZINTER", 2, key + ":a", key + ":b", "WITHSCORES") == [b"m", b"0"]


def test_a_weight_of_0_times_an_infinite_score_is_0(call, key):
    call("ZADD", key, "inf", "m")
    assert call("ZUNION", 1, key, "WEIGHTS", 0, "WITHSCORES") == [b"m", b"0"]


def test_the_smallest_set_is_added_first(call, key):
    # Redis sorts the inputs by size, smallest first. With three or more,
    # that order can show: (inf + -inf) + 5 is 0 + 5, but (inf + 5) + -inf is 0.
    call("ZADD", key + ":small", "inf", "m")
    call("ZADD", key + ":mid", "-inf", "m", 1, "x")
    call("ZADD", key + ":big", 5, "m", 1, "x", 1, "y")
    for order in ([":big", ":mid", ":small"], [":small", ":big", ":mid"]):
        keys = [key + suffix for suffix in order]
        assert call("ZUNION", 3, *keys, "WITHSCORES")[-2:] == [b"m", b"5"]


def test_zunion_with_weight_minus_1_of_a_0_score_replies_minus_0(call, key):
    call("ZADD", key, 0, "m")
    assert call("ZUNION", 1, key, "WEIGHTS", -1, "WITHSCORES") == [b"m", b"-0"]
    assert call("ZUNIONSTORE", key + "dst", 1, key, "WEIGHTS", -1) == 1
    assert call("ZSCORE", key + "dst", "m") == b"0"  # stored in a small set, a listpack


def test_missing_keys_are_empty_sets(call, two_sets, key):
    assert call("ZUNION", 2, two_sets[0], key + "missing") == [b"x", b"y", b"z"]
    assert call("ZINTER", 2, two_sets[0], key + "missing") == []
    assert call("ZDIFF", 2, key + "missing", two_sets[0]) == []


def test_a_key_named_twice_counts_twice(call, two_sets):
    assert call("ZUNION", 2, two_sets[0], two_sets[0], "WITHSCORES") == [b"x", b"2", b"y", b"4", b"z", b"6"]
    assert call("ZDIFF", 2, two_sets[0], two_sets[0]) == []


@pytest.mark.parametrize("name", ["ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"])
def test_store_forms_store_the_result_and_reply_with_its_size(call, two_sets, key, name):
    expected = call(name.removesuffix("STORE"), 2, *two_sets, "WITHSCORES")
    call("SET", key + "dst", "v", "EX", 100)
    assert call(name, key + "dst", 2, *two_sets) == len(expected) // 2
    assert call("ZRANGE", key + "dst", 0, -1, "WITHSCORES") == expected
    assert call("TTL", key + "dst") == -1


@pytest.mark.parametrize("name", ["ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"])
def test_an_empty_result_deletes_the_destination(call, key, name):
    call("SET", key + "dst", "v")
    assert call(name, key + "dst", 1, key + "missing") == 0
    assert call("EXISTS", key + "dst") == 0


def test_the_destination_may_be_one_of_the_inputs(call, two_sets):
    assert call("ZINTERSTORE", two_sets[0], 2, *two_sets, "AGGREGATE", "MAX") == 2
    assert call("ZRANGE", two_sets[0], 0, -1, "WITHSCORES") == [b"y", b"10", b"z", b"20"]


def test_zintercard_counts_the_intersection_up_to_a_limit(call, two_sets):
    assert call("ZINTERCARD", 2, *two_sets) == 2
    assert call("ZINTERCARD", 2, *two_sets, "LIMIT", 1) == 1
    assert call("ZINTERCARD", 2, *two_sets, "LIMIT", 0) == 2  # 0: no limit


@pytest.mark.parametrize("words, message", [
    (["ZUNION", 0, "k"], "ERR at least 1 input key is needed for 'zunion' command"),
    (["ZINTERSTORE", "d", -1, "k"], "ERR at least 1 input key is needed for 'zinterstore' command"),
    (["ZINTERCARD", 0, "k"], "ERR at least 1 input key is needed for 'zintercard' command"),
    (["ZUNION", "x", "k"], NOT_AN_INTEGER),
    (["ZUNION", 3, "k", "k2"], SYNTAX_ERROR),  # fewer keys than numkeys
    (["ZUNION", 2, "k", "k2", "WEIGHTS", 1], SYNTAX_ERROR),  # a weight per key, or WEIGHTS is no option
    (["ZUNION", 2, "k", "k2", "WEIGHTS", 1, "x"], "ERR weight value is not a float"),
    (["ZUNION", 1, "k", "WEIGHTS", "nan"], "ERR weight value is not a float"),
    (["ZUNION", 1, "k", "AGGREGATE", "AVG"], SYNTAX_ERROR),
    (["ZUNION", 1, "k", "AGGREGATE"], SYNTAX_ERROR),
    (["ZUNION", 1, "k", "LIMIT", 1], SYNTAX_ERROR),
    (["ZUNIONSTORE", "d", 1, "k", "WITHSCORES"], SYNTAX_ERROR),
    (["ZDIFF", 1, "k", "WEIGHTS", 1], SYNTAX_ERROR),
    (["ZDIFF", 1, "k", "AGGREGATE", "SUM"], SYNTAX_ERROR),
    (["ZINTERCARD", 1, "k", "WITHSCORES"], SYNTAX_ERROR),
    (["ZINTERCARD", 1, "k", "LIMIT", -1], "ERR LIMIT can't be negative"),
    (["ZINTERCARD", 1, "k", "LIMIT", "x"], "ERR LIMIT can't be negative"),
    (["ZINTERCARD", 1, "k", "LIMIT"], SYNTAX_ERROR),
], ids=lambda value: " ".join(map(str, value)) if isinstance(value, list) else None)
def test_set_operation_errors(call, words, message):
    call("ZADD", "k", 1, "a")
    assert call(*words) == message


def test_a_key_of_the_wrong_type_is_found_before_a_bad_option(call, key):
    call("SET", key, "v")
    assert call("ZUNION", 1, key, "WEIGHTS", "x") == WRONGTYPE
    assert call("ZDIFFSTORE", key + "dst", 1, key) == WRONGTYPE


def test_sets_count_as_sorted_sets_with_every_score_1(call, key):
    call("SADD", key + ":set", "a", "b")
    call("ZADD", key + ":zset", 5, "b", 7, "c")
    assert call("ZUNION", 2, key + ":set", key + ":zset", "WITHSCORES") == [b"a", b"1", b"b", b"6", b"c", b"7"]
    assert call("ZINTER", 2, key + ":zset", key + ":set", "WEIGHTS", 1, 10, "WITHSCORES") == [b"b", b"15"]
    assert call("ZDIFF", 2, key + ":set", key + ":zset", "WITHSCORES") == [b"a", b"1"]
    assert call("ZINTERCARD", 2, key + ":set", key + ":zset") == 1
    assert call("ZUNIONSTORE", key + ":dst", 1, key + ":set") == 2
    assert call("TYPE", key + ":dst") == "zset"


# --- ZRANDMEMBER -------------------------------------------------------------------------------


def test_zrandmember_without_count_replies_one_member(call, key, zset):
    zset(1, "a", 2, "b", 3, "c")
    assert {call("ZRANDMEMBER", key) for _ in range(100)} == {b"a", b"b", b"c"}
    assert call("ZRANDMEMBER", key + "missing") is None


def test_zrandmember_with_a_positive_count_replies_distinct_members(call, key, zset):
    zset(*[part for i in range(20) for part in (i, f"m{i}")])
    reply = call("ZRANDMEMBER", key, 5)
    assert len(reply) == 5 == len(set(reply))


def test_zrandmember_with_a_count_as_large_as_the_set_replies_all_highest_first(call, key, zset):
    zset(1, "a", 2, "b", 3, "c")
    assert call("ZRANDMEMBER", key, 3, "WITHSCORES") == [b"c", b"3", b"b", b"2", b"a", b"1"]
    assert call("ZRANDMEMBER", key, 100) == [b"c", b"b", b"a"]


def test_zrandmember_with_a_negative_count_may_repeat_members(call, key, zset):
    zset(1, "a", 2, "b")
    reply = call("ZRANDMEMBER", key, -50, "WITHSCORES")
    assert len(reply) == 100
    assert set(pairs_of(reply)) == {(b"a", b"1"), (b"b", b"2")}


def test_zrandmember_with_count_of_a_missing_key_or_0_is_empty(call, key, zset):
    assert call("ZRANDMEMBER", key, 5) == []
    zset(1, "a")
    assert call("ZRANDMEMBER", key, 0) == []


@pytest.mark.parametrize("words, message", [
    (["x"], NOT_AN_INTEGER),
    ([str(INT64_MIN)], "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"),
    ([1, "WITHSCORE"], SYNTAX_ERROR),
    ([1, "WITHSCORES", "x"], SYNTAX_ERROR),
    ([str(INT64_MAX // 2 + 1), "WITHSCORES"], "ERR value is out of range"),
    ([str(-(INT64_MAX // 2) - 1), "WITHSCORES"], "ERR value is out of range"),
], ids=lambda value: " ".join(map(str, value)) if isinstance(value, list) else None)
def test_zrandmember_errors(call, key, zset, words, message):
    zset(1, "a")
    assert call("ZRANDMEMBER", key, *words) == message


# --- ZSCAN -------------------------------------------------------------------------------------


def test_zscan_of_a_small_set_returns_it_whole_in_order(call, key, zset):
    zset(3, "c", 1, "a", "2.5", "b")
    assert call("ZSCAN", key, 0) == [b"0", [b"a", b"1", b"b", b"2.5", b"c", b"3"]]
    assert call("ZSCAN", key, 0, "COUNT", 1) == [b"0", [b"a", b"1", b"b", b"2.5", b"c", b"3"]]


def test_zscan_match_filters_members(call, key, zset):
    zset(1, "apple", 2, "banana", 3, "avocado")
    assert call("ZSCAN", key, 0, "MATCH", "a*") == [b"0", [b"apple", b"1", b"avocado", b"3"]]


def test_zscan_of_a_small_set_prints_whole_scores_as_integers(call, key, zset):
    # A listpack holds a whole-number score as an integer, and ZSCAN copies it out.
    zset("1e17", "a", "1e20", "b", "0.5", "c")
    assert call("ZSCAN", key, 0) == [b"0", [b"c", b"0.5", b"a", b"100000000000000000", b"b", b"1e+20"]]
    assert call("ZSCORE", key, "a") == b"1e+17"


def test_zscan_of_a_missing_key_ends_at_once(call, key):
    assert call("ZSCAN", key, 0, "COUNT", 0) == [b"0", []]  # not even the options are read


@pytest.mark.parametrize("words, message", [
    (["x"], "ERR invalid cursor"), ([0, "COUNT", 0], SYNTAX_ERROR), ([0, "COUNT", "x"], NOT_AN_INTEGER),
    ([0, "MATCH"], SYNTAX_ERROR), ([0, "TYPE", "zset"], SYNTAX_ERROR),
], ids=lambda value: " ".join(map(str, value)) if isinstance(value, list) else None)
def test_zscan_errors(call, key, zset, words, message):
    zset(1, "a")
    assert call("ZSCAN", key, *words) == message


def full_zscan(call, key: str, *options) -> list[tuple[bytes, bytes]]:
    return pairs_of(scanned(call, "ZSCAN", key, "0", *options)[0])


def test_zscan_of_a_big_set_returns_every_member_a_page_at_a_time(call, key, zset):
    zset(*[part for i in range(1000) for part in (i, f"m{i}")])
    first_cursor, first_page = call("ZSCAN", key, 0)
    assert first_cursor != b"0" and 0 < len(first_page) < 2000
    found = full_zscan(call, key, "COUNT", 50)
    assert set(found) == {(f"m{i}".encode(), b"%d" % i) for i in range(1000)}


def test_zscan_of_a_big_set_that_changes_still_returns_every_member_that_stays(call, key, zset):
    zset(*[part for i in range(500) for part in (i, f"stay{i}")])
    rng = random.Random(12)
    added = 0

    def come_and_go():
        # Between two calls, five members arrive and up to ten of the newcomers go.
        nonlocal added
        call("ZADD", key, *[part for n in range(added, added + 5) for part in (rng.random(), f"new{n}")])
        added += 5
        call("ZREM", key, *[f"new{rng.randrange(added)}" for _ in range(10)])

    found, _ = scanned(call, "ZSCAN", key, "0", "COUNT", 20, between=come_and_go)
    assert {f"stay{i}".encode() for i in range(500)} <= {member for member, _ in pairs_of(found)}


# --- the skiplist at scale ---------------------------------------------------------------------


def test_ten_thousand_members_keep_their_order_ranks_and_ranges(r, call, key):
    rng = random.Random(2024)
    scores = {f"m{i}".encode(): rng.choice([rng.uniform(-1000, 1000), float(rng.randint(-50, 50))])
              for i in range(10_000)}
    pipe = r.pipeline(transaction=False)
    for member, score in scores.items():
        pipe.execute_command("ZADD", key, repr(score), member)
    pipe.execute()
    # Then half of them change score, and a quarter go.
    for member in rng.sample(sorted(scores), 5_000):
        scores[member] = rng.uniform(-1000, 1000)
        pipe.execute_command("ZADD", key, repr(scores[member]), member)
    for member in rng.sample(sorted(scores), 2_500):
        del scores[member]
        pipe.execute_command("ZREM", key, member)
    pipe.execute()
    expected = sorted(scores, key=lambda member: (scores[member], member))
    assert call("ZCARD", key) == len(expected)
    assert call("ZRANGE", key, 0, -1) == expected
    assert call("ZREVRANGE", key, 0, -1) == expected[::-1]
    for member in rng.sample(expected, 200):
        rank = expected.index(member)
        assert call("ZRANK", key, member) == rank
        assert call("ZREVRANK", key, member) == len(expected) - 1 - rank
    for _ in range(100):
        start = rng.randrange(len(expected))
        assert call("ZRANGE", key, start, start + 9) == expected[start:start + 10]
        low, high = sorted(rng.uniform(-1100, 1100) for _ in range(2))
        inside = [member for member in expected if low <= scores[member] <= high]
        assert call("ZCOUNT", key, repr(low), repr(high)) == len(inside)
        assert call("ZRANGEBYSCORE", key, repr(low), repr(high), "LIMIT", 0, 20) == inside[:20]
        assert call("ZREVRANGEBYSCORE", key, repr(high), repr(low), "LIMIT", 3, 20) == inside[::-1][3:23]
    assert call("ZREMRANGEBYRANK", key, 100, 199) == 100
    assert call("ZRANGE", key, 95, 104) == expected[95:100] + expected[200:205]
    assert call("ZPOPMAX", key, 3)[::2] == expected[:-4:-1]


# --- sorted sets among the other types ---------------------------------------------------------


ZSET_COMMANDS = [
    ["ZADD", 1, "a"], ["ZINCRBY", 1, "a"], ["ZSCORE", "a"], ["ZMSCORE", "a"], ["ZCARD"], ["ZRANK", "a"],
    ["ZREVRANK", "a"], ["ZRANGE", 0, -1], ["ZREVRANGE", 0, -1], ["ZRANGEBYSCORE", 0, 1], ["ZREVRANGEBYSCORE", 1, 0],
    ["ZRANGEBYLEX", "-", "+"], ["ZREVRANGEBYLEX", "+", "-"], ["ZCOUNT", 0, 1], ["ZLEXCOUNT", "-", "+"],
    ["ZREM", "a"], ["ZREMRANGEBYRANK", 0, 1], ["ZREMRANGEBYSCORE", 0, 1], ["ZREMRANGEBYLEX", "-", "+"],
    ["ZPOPMIN"], ["ZPOPMAX"], ["ZRANDMEMBER"], ["ZRANDMEMBER", 2], ["ZSCAN", 0],
]


@pytest.mark.parametrize("words", ZSET_COMMANDS, ids=lambda words: " ".join(map(str, words)))
def test_sorted_set_commands_on_a_string_are_wrongtype(call, key, words):
    call("SET", key, "v")
    assert call(words[0], key, *words[1:]) == WRONGTYPE
    assert call("GET", key) == b"v"


@pytest.mark.parametrize("words", [
    ["ZMPOP", 1, "{key}", "MIN"], ["ZUNION", 1, "{key}"], ["ZINTER", 1, "{key}"], ["ZDIFF", 1, "{key}"],
    ["ZINTERCARD", 1, "{key}"], ["ZUNIONSTORE", "dst", 1, "{key}"], ["ZRANGESTORE", "dst", "{key}", 0, -1],
], ids=lambda words: words[0])
def test_commands_on_several_keys_check_their_type_too(call, key, words):
    call("SET", key, "v")
    assert call(*[word.format(key=key) if isinstance(word, str) else word for word in words]) == WRONGTYPE


@pytest.mark.parametrize("words", [
    ["GET"], ["APPEND", "x"], ["INCR"], ["INCRBYFLOAT", "1"], ["STRLEN"], ["GETRANGE", 0, 1], ["SETRANGE", 0, "x"],
    ["GETDEL"], ["GETEX"], ["GETSET", "x"], ["SET", "x", "GET"],
], ids=lambda words: " ".join(map(str, words)))
def test_string_commands_on_a_sorted_set_are_wrongtype(call, key, zset, words):
    zset(1, "a")
    assert call(words[0], key, *words[1:]) == WRONGTYPE
    assert call("ZCARD", key) == 1


def test_mget_reads_a_sorted_set_as_null_and_set_replaces_it(call, key, zset):
    zset(1, "a")
    assert call("MGET", key) == [None]
    assert call("SET", key, "v") == "OK"
    assert call("GET", key) == b"v"


def test_scan_type_zset_finds_only_sorted_sets(call, key, zset):
    zset(1, "a")
    call("SET", key + "string", "v")
    cursor, keys = call("SCAN", 0, "TYPE", "zset", "COUNT", 100)
    assert keys == [key.encode()]


def test_rename_moves_a_sorted_set(call, key, zset):
    zset(1, "a", 2, "b")
    assert call("RENAME", key, key + "new") == "OK"
    assert call("ZRANGE", key + "new", 0, -1, "WITHSCORES") == [b"a", b"1", b"b", b"2"]
    assert call("EXISTS", key) == 0


def test_copy_of_a_sorted_set_is_independent(call, key, zset):
    zset(1, "a", 2, "b")
    assert call("COPY", key, key + "copy") == 1
    call("ZADD", key + "copy", 5, "a", 3, "c")
    call("ZREM", key, "b")
    assert call("ZRANGE", key, 0, -1, "WITHSCORES") == [b"a", b"1"]
    assert call("ZRANGE", key + "copy", 0, -1, "WITHSCORES") == [b"b", b"2", b"c", b"3", b"a", b"5"]


def test_copy_of_a_big_sorted_set_is_independent_and_in_order(call, key, zset):
    zset(*[part for i in range(300) for part in (i % 7, f"m{i}")])
    call("COPY", key, key + "copy")
    assert call("ZRANGE", key + "copy", 0, -1, "WITHSCORES") == call("ZRANGE", key, 0, -1, "WITHSCORES")
    call("ZREMRANGEBYRANK", key + "copy", 0, 99)
    assert call("ZCARD", key) == 300 and call("ZCARD", key + "copy") == 200
    assert call("ZRANK", key + "copy", "m299") == call("ZRANK", key, "m299") - 100


def test_move_takes_a_sorted_set_to_another_database(call, raw, key, zset):
    zset(1, "a")
    assert call("MOVE", key, 2) == 1
    other = raw()
    other.call("SELECT", 2)
    assert other.call("ZRANGE", key, 0, -1, "WITHSCORES") == [b"a", b"1"]
    assert call("EXISTS", key) == 0


def test_a_sorted_set_expires_and_changes_keep_its_ttl(call, key, zset):
    zset(1, "a")
    assert call("EXPIRE", key, 100) == 1
    call("ZADD", key, 2, "b")
    call("ZREM", key, "a")
    call("ZINCRBY", key, 1, "b")
    assert 99 <= call("TTL", key) <= 100
    expire_now(call, key)
    assert call("ZCARD", key) == 0
    assert call("EXISTS", key) == 0


def test_flushall_removes_sorted_sets(call, key, zset):
    zset(1, "a")
    assert call("FLUSHALL") == "OK"
    assert call("ZCARD", key) == 0


# --- arity, COMMAND INFO, COMMAND DOCS -------------------------------------------------------------


@pytest.mark.parametrize("words", [
    ["ZADD", "k", 1], ["ZINCRBY", "k", 1], ["ZSCORE", "k"], ["ZMSCORE", "k"], ["ZCARD"], ["ZRANK", "k"],
    ["ZREVRANK", "k", "a", "b"], ["ZRANGE", "k", 0], ["ZRANGESTORE", "d", "k", 0], ["ZREVRANGE", "k", 0],
    ["ZRANGEBYSCORE", "k", 0], ["ZREVRANGEBYSCORE", "k", 0], ["ZRANGEBYLEX", "k", "-"], ["ZREVRANGEBYLEX", "k"],
    ["ZCOUNT", "k", 0], ["ZLEXCOUNT", "k", "-", "+", "x"], ["ZREM", "k"], ["ZREMRANGEBYRANK", "k", 0],
    ["ZREMRANGEBYSCORE", "k"], ["ZREMRANGEBYLEX", "k", "-"], ["ZPOPMIN"], ["ZPOPMAX"], ["ZMPOP", 1, "k"],
    ["ZUNION", 1], ["ZINTER", 1], ["ZDIFF"], ["ZUNIONSTORE", "d", 1], ["ZINTERSTORE", "d"], ["ZDIFFSTORE", "d", 1],
    ["ZINTERCARD", 1], ["ZRANDMEMBER"], ["ZSCAN", "k"],
], ids=lambda words: " ".join(map(str, words)))
def test_sorted_set_commands_with_the_wrong_number_of_arguments_are_refused(call, words):
    assert call(*words) == f"ERR wrong number of arguments for '{words[0].lower()}' command"


COMMAND_TABLE = [
    # name, arity, flags, first key, last key, step, since, summary
    ("zadd", -4, ["write", "denyoom", "fast"], 1, 1, 1, "1.2.0",
     "Add one or more members to a sorted set, or update its score if it already exists"),
    ("zincrby", 4, ["write", "denyoom", "fast"], 1, 1, 1, "1.2.0", "Increment the score of a member in a sorted set"),
    ("zscore", 3, ["readonly", "fast"], 1, 1, 1, "1.2.0",
     "Get the score associated with the given member in a sorted set"),
    ("zmscore", -3, ["readonly", "fast"], 1, 1, 1, "6.2.0",
     "Get the score associated with the given members in a sorted set"),
    ("zcard", 2, ["readonly", "fast"], 1, 1, 1, "1.2.0", "Get the number of members in a sorted set"),
    ("zrank", 3, ["readonly", "fast"], 1, 1, 1, "2.0.0", "Determine the index of a member in a sorted set"),
    ("zrevrank", 3, ["readonly", "fast"], 1, 1, 1, "2.0.0",
     "Determine the index of a member in a sorted set, with scores ordered from high to low"),
    ("zrange", -4, ["readonly"], 1, 1, 1, "1.2.0", "Return a range of members in a sorted set"),
    ("zrangestore", -5, ["write", "denyoom"], 1, 2, 1, "6.2.0",
     "Store a range of members from sorted set into another key"),
    ("zrevrange", -4, ["readonly"], 1, 1, 1, "1.2.0",
     "Return a range of members in a sorted set, by index, with scores ordered from high to low"),
    ("zrangebyscore", -4, ["readonly"], 1, 1, 1, "1.0.5", "Return a range of members in a sorted set, by score"),
    ("zrevrangebyscore", -4, ["readonly"], 1, 1, 1, "2.2.0",
     "Return a range of members in a sorted set, by score, with scores ordered from high to low"),
    ("zrangebylex", -4, ["readonly"], 1, 1, 1, "2.8.9",
     "Return a range of members in a sorted set, by lexicographical range"),
    ("zrevrangebylex", -4, ["readonly"], 1, 1, 1, "2.8.9",
     "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings."),
    ("zcount", 4, ["readonly", "fast"], 1, 1, 1, "2.0.0",
     "Count the members in a sorted set with scores within the given values"),
    ("zlexcount", 4, ["readonly", "fast"], 1, 1, 1, "2.8.9",
     "Count the number of members in a sorted set between a given lexicographical range"),
    ("zrem", -3, ["write", "fast"], 1, 1, 1, "1.2.0", "Remove one or more members from a sorted set"),
    ("zremrangebyrank", 4, ["write"], 1, 1, 1, "2.0.0", "Remove all members in a sorted set within the given indexes"),
    ("zremrangebyscore", 4, ["write"], 1, 1, 1, "1.2.0", "Remove all members in a sorted set within the given scores"),
    ("zremrangebylex", 4, ["write"], 1, 1, 1, "2.8.9",
     "Remove all members in a sorted set between the given lexicographical range"),
    ("zpopmin", -2, ["write", "fast"], 1, 1, 1, "5.0.0",
     "Remove and return members with the lowest scores in a sorted set"),
    ("zpopmax", -2, ["write", "fast"], 1, 1, 1, "5.0.0",
     "Remove and return members with the highest scores in a sorted set"),
    ("zmpop", -4, ["write", "movablekeys"], 0, 0, 0, "7.0.0", "Remove and return members with scores in a sorted set"),
    ("zunion", -3, ["readonly", "movablekeys"], 0, 0, 0, "6.2.0", "Add multiple sorted sets"),
    ("zinter", -3, ["readonly", "movablekeys"], 0, 0, 0, "6.2.0", "Intersect multiple sorted sets"),
    ("zdiff", -3, ["readonly", "movablekeys"], 0, 0, 0, "6.2.0", "Subtract multiple sorted sets"),
    ("zunionstore", -4, ["write", "denyoom", "movablekeys"], 1, 1, 1, "2.0.0",
     "Add multiple sorted sets and store the resulting sorted set in a new key"),
    ("zinterstore", -4, ["write", "denyoom", "movablekeys"], 1, 1, 1, "2.0.0",
     "Intersect multiple sorted sets and store the resulting sorted set in a new key"),
    ("zdiffstore", -4, ["write", "denyoom", "movablekeys"], 1, 1, 1, "6.2.0",
     "Subtract multiple sorted sets and store the resulting sorted set in a new key"),
    ("zintercard", -3, ["readonly", "movablekeys"], 0, 0, 0, "7.0.0",
     "Intersect multiple sorted sets and return the cardinality of the result"),
    ("zrandmember", -2, ["readonly"], 1, 1, 1, "6.2.0", "Get one or multiple random elements from a sorted set"),
    ("zscan", -3, ["readonly"], 1, 1, 1, "2.8.0", "Incrementally iterate sorted sets elements and associated scores"),
]


@pytest.mark.parametrize("name, arity, flags, first, last, step, since, summary", COMMAND_TABLE,
                         ids=[row[0] for row in COMMAND_TABLE])
def test_command_info_and_docs_describe_the_sorted_set_commands_as_redis_does(call, name, arity, flags, first, last,
                                                                              step, since, summary):
    [info] = call("COMMAND", "INFO", name)
    assert info[:6] == [name.encode(), arity, flags, first, last, step]
    docs = command_docs(call, name)
    assert (docs[b"summary"], docs[b"since"], docs[b"group"]) == (summary.encode(), since.encode(), b"sorted-set")


# --- differential: random sorted-set commands, compared with a real redis-server -----------------

COMMANDS_PER_RUN = 3000
MEMBERS = [bytes([letter]) for letter in b"abcdefghijklmnopqrstuvwxyz"] + [
    b"aa", b"ab", b"", b"\x00", b"\xff", b"A", b"Z", b"-", b"+", b"(a", b"[a"]
LONG_MEMBER = b"L" * 70  # longer than a listpack member may be: the set becomes a skiplist in Redis


def random_score(rng: random.Random) -> str:
    kind = rng.randrange(12)
    if kind <= 3:
        return str(rng.randint(-5, 5))
    if kind == 4:
        return rng.choice(["0.1", "1.1", "-2.5", "1e17", "1e20", "123456789012345678", "1e-5", "0.5", "3.0", "-0",
                           "-0.0", "+0", "2.5e-3", "0x10", "0x1p-3", "1e-320"])
    if kind == 5:
        return rng.choice(["inf", "-inf", "+inf", "INF", "Infinity", "-infinity"])
    if kind == 6:  # not floats, or out of range
        return rng.choice(["", "x", " 1", "1 ", "nan", "1e400", "-1e400", "1e-400", "1e", "0x", "١", "1\x00"])
    if kind == 7:
        return repr(rng.uniform(-100, 100))
    return str(rng.choice([1, 2, 3]))  # few distinct scores: many ties, ordered by member


def random_score_bound(rng: random.Random) -> str:
    if rng.random() < 0.1:
        return rng.choice(["", "(", " 2", "x", "[1", "nan", "(nan", "1e400", "(-1e400", "2\x00x", "+", "-"])
    return rng.choice(["", "", "(", "("]) + rng.choice(["-inf", "+inf", "inf", "0", "1", "2", "3", "-1", "0.5",
                                                       "2.5", "4", "-5", "5", "1e-320", "-0"])


def random_lex_bound(rng: random.Random) -> bytes:
    if rng.random() < 0.1:
        return rng.choice([b"a", b"", b"+a", b"-x", b"*", b"+\x00z"])
    if rng.random() < 0.3:
        return rng.choice([b"-", b"+"])
    return rng.choice([b"[", b"("]) + rng.choice(MEMBERS + [b"ab", b"c\x00", b"z"])


def random_rank(rng: random.Random) -> str:
    """A rank or LIMIT argument: small, and now and then extreme or malformed."""
    return random_index(rng, 8, odd=0.05)


def random_count(rng: random.Random) -> str:
    if rng.random() < 0.1:
        return rng.choice(["-1", "0", "x", "-5", str(INT64_MAX), str(2**63), "1.0"])
    return str(rng.randint(1, 6))


def random_member(rng: random.Random) -> bytes:
    return LONG_MEMBER if rng.random() < 0.005 else rng.choice(MEMBERS)


def range_options(rng: random.Random, words: list, allowed: list[str]) -> list:
    """Options in a random order, now and then repeated or unknown."""
    for _ in range(rng.choice([0, 0, 1, 1, 1, 2])):
        option = rng.choice(allowed + ["NOSUCH"] if rng.random() < 0.05 else allowed)
        if option == "LIMIT":
            words += ["LIMIT", random_rank(rng), random_rank(rng)]
        else:
            words.append(option if rng.random() < 0.8 else option.lower())
    return words


# How often each command comes up, in thousandths or so. Writes to strings
# are rare, so that most keys hold sorted sets of some size.
COMMAND_WEIGHTS = {
    "ZADD": 120, "ZINCRBY": 30, "ZREM": 20, "ZSCORE": 20, "ZMSCORE": 10, "ZCARD": 10, "ZRANK": 20, "ZREVRANK": 10,
    "ZRANGE": 60, "ZREVRANGE": 20, "ZRANGEBYSCORE": 30, "ZREVRANGEBYSCORE": 20, "ZRANGEBYLEX": 20,
    "ZREVRANGEBYLEX": 20, "ZRANGESTORE": 20, "ZCOUNT": 20, "ZLEXCOUNT": 20, "ZREMRANGEBYRANK": 8,
    "ZREMRANGEBYSCORE": 8, "ZREMRANGEBYLEX": 8, "ZPOPMIN": 8, "ZPOPMAX": 8, "ZMPOP": 8, "ZUNION": 20, "ZINTER": 20,
    "ZDIFF": 10, "ZUNIONSTORE": 8, "ZINTERSTORE": 8, "ZDIFFSTORE": 8, "ZINTERCARD": 10, "ZRANDMEMBER": 20,
    "ZSCAN": 10, "DEL": 3, "SET": 3, "TYPE": 3, "EXISTS": 3,
}


def random_command(rng: random.Random, keys: list[str]) -> list:
    """One command on keys[:-1]; keys[-1] is for lex ranges, and its members
    mostly share the score 0 (see lex_source)."""
    name = rng.choices(list(COMMAND_WEIGHTS), weights=list(COMMAND_WEIGHTS.values()))[0]
    lex_key = keys[-1]
    key = lex_key if "LEX" in name and rng.random() < 0.7 else rng.choice(keys)
    if name == "ZADD":
        words = [name, key]
        options = rng.sample(["NX", "XX", "GT", "LT", "CH", "INCR"], k=rng.choice([0, 0, 0, 1, 1, 2]))
        words += [option.lower() if rng.random() < 0.2 else option for option in options]
        for _ in range(1 if "INCR" in options and rng.random() < 0.9 else rng.randint(1, 4)):
            words += ["0" if key == lex_key and rng.random() < 0.95 else random_score(rng), random_member(rng)]
        if rng.random() < 0.01:  # past 128 members: a skiplist in Redis
            words += [part for n in range(rng.randint(100, 140)) for part in (rng.choice(["1", "2", "-0"]), f"n{n}")]
    elif name == "ZINCRBY":
        words = [name, key, random_score(rng), random_member(rng)]
    elif name in ("ZREM", "ZMSCORE"):
        words = [name, key, *(random_member(rng) for _ in range(rng.randint(1, 4)))]
    elif name in ("ZSCORE", "ZRANK", "ZREVRANK"):
        words = [name, key, random_member(rng)]
    elif name in ("ZCARD", "DEL", "TYPE", "EXISTS"):
        words = [name, key]
    elif name == "SET":
        words = [name, key, "v"]
    elif name in ("ZRANGE", "ZRANGESTORE"):
        kind = rng.choice(["rank", "score", "lex"])
        if kind == "lex" and rng.random() < 0.7:
            key = lex_key
        words = [name, key] if name == "ZRANGE" else [name, rng.choice(keys[:-1]), key]
        if kind == "rank":
            words += [random_rank(rng), random_rank(rng)]
        elif kind == "score":
            words += [random_score_bound(rng), random_score_bound(rng), "BYSCORE"]
        else:
            words += [random_lex_bound(rng), random_lex_bound(rng), "BYLEX"]
        range_options(rng, words, ["REV", "REV", "LIMIT", "LIMIT"] + (["WITHSCORES"] * 2 if name == "ZRANGE" else [])
                      + (["BYSCORE", "BYLEX"] if rng.random() < 0.1 else []))
    elif name == "ZREVRANGE":
        words = range_options(rng, [name, key, random_rank(rng), random_rank(rng)], ["WITHSCORES"])
    elif name in ("ZRANGEBYSCORE", "ZREVRANGEBYSCORE"):
        words = range_options(rng, [name, key, random_score_bound(rng), random_score_bound(rng)],
                              ["WITHSCORES", "LIMIT"])
    elif name in ("ZRANGEBYLEX", "ZREVRANGEBYLEX"):
        words = range_options(rng, [name, key, random_lex_bound(rng), random_lex_bound(rng)], ["LIMIT"])
    elif name in ("ZCOUNT", "ZREMRANGEBYSCORE"):
        words = [name, key, random_score_bound(rng), random_score_bound(rng)]
    elif name in ("ZLEXCOUNT", "ZREMRANGEBYLEX"):
        words = [name, key, random_lex_bound(rng), random_lex_bound(rng)]
    elif name == "ZREMRANGEBYRANK":
        words = [name, key, random_rank(rng), random_rank(rng)]
    elif name in ("ZPOPMIN", "ZPOPMAX"):
        words = [name, key] + ([random_count(rng)] if rng.random() < 0.7 else [])
    elif name == "ZMPOP":
        chosen = rng.sample(keys, k=rng.randint(1, 3))
        words = [name, str(len(chosen)) if rng.random() < 0.95 else random_count(rng), *chosen,
                 rng.choice(["MIN", "MAX", "min", "max", "LEFT"])]
        if rng.random() < 0.5:
            words += ["COUNT", random_count(rng)]
    elif name == "ZRANDMEMBER":
        words = [name, key]
        if rng.random() < 0.8:
            words.append(rng.choice([random_count(rng), str(-rng.randint(1, 6)), "0", "100"]))
            if rng.random() < 0.5:
                words.append(rng.choice(["WITHSCORES", "withscores", "WITHSCORE"]))
    elif name == "ZSCAN":
        # Only cursor 0: a cursor of Redis's own means another place in ours.
        words = [name, key, rng.choice(["0", "0", "0", "x"])]
        if rng.random() < 0.3:
            words += ["MATCH", rng.choice(["*", "a*", "?", "[a-c]", "*a"])]
        if rng.random() < 0.3:
            words += ["COUNT", random_count(rng)]
    else:  # ZUNION, ZINTER, ZDIFF, their STORE forms, ZINTERCARD
        chosen = [rng.choice(keys) for _ in range(rng.randint(1, 3))]
        numkeys = str(len(chosen)) if rng.random() < 0.9 else rng.choice(["0", "-1", "x", str(len(chosen) + 1)])
        words = [name] + ([rng.choice(keys)] if name.endswith("STORE") else []) + [numkeys, *chosen]
        for _ in range(rng.choice([0, 1, 1, 2])):
            option = rng.choice(["WEIGHTS", "AGGREGATE", "WITHSCORES", "LIMIT"])
            if option == "WEIGHTS":
                words += ["WEIGHTS", *(random_score(rng) for _ in range(len(chosen) if rng.random() < 0.9 else 1))]
            elif option == "AGGREGATE":
                words += ["AGGREGATE", rng.choice(["SUM", "MIN", "MAX", "min", "AVG"])]
            elif option == "LIMIT":
                words += ["LIMIT", random_count(rng)]
            else:
                words.append(option)
    if rng.random() < 0.02:  # the wrong number of arguments
        words = words[:2] if rng.random() < 0.5 else words + ["extra"]
    return words


LEX_COMMANDS = {"ZRANGEBYLEX", "ZREVRANGEBYLEX", "ZLEXCOUNT", "ZREMRANGEBYLEX"}


def lex_source(words: list) -> str | None:
    """The key a command reads by lex range, if it does."""
    if words[0] in LEX_COMMANDS:
        return words[1]
    if words[0] in ("ZRANGE", "ZRANGESTORE") and "BYLEX" in [str(word).upper() for word in words]:
        return words[1] if words[0] == "ZRANGE" else words[2]
    return None


def members_with_scores(connection: RawConnection, key: str) -> list | None:
    reply = connection.call("ZRANGE", key, 0, -1, "WITHSCORES")
    return pairs_of(reply) if isinstance(reply, list) else None


def run_and_compare(ours: RawConnection, theirs: RawConnection, words: list) -> None:
    """Send one command to both servers and check the replies agree, as far
    as Redis promises anything: exactly, except where it picks at random."""
    name = words[0]
    if name == "ZSCAN" and len(words) >= 3:
        # A big set (a hash table in Redis) comes back in an order that is
        # Redis's own: compare whole iterations, as sets of pairs.
        assert whole_iteration(ours, words) == whole_iteration(theirs, words)
    elif name == "ZRANDMEMBER" and len(words) >= 3:
        members = dict(members_with_scores(theirs, words[1]) or [])
        expected, got = theirs.call(*words), ours.call(*words)
        if not isinstance(expected, list) or not expected or int(words[2]) >= len(members):
            assert got == expected  # errors, empty replies and the whole set are deterministic
            return
        assert isinstance(got, list) and len(got) == len(expected)
        withscores = len(words) == 4
        picked = pairs_of(got) if withscores else [(member, members.get(member)) for member in got]
        assert all(members.get(member) == score for member, score in picked)
        if int(words[2]) > 0:
            assert len(set(picked)) == len(picked)  # distinct
    elif name == "ZRANDMEMBER":
        members = dict(members_with_scores(theirs, words[1]) or [])
        expected, got = theirs.call(*words), ours.call(*words)
        assert (got in members) if isinstance(expected, bytes) else (got == expected)
    else:
        assert ours.call(*words) == theirs.call(*words)


def whole_iteration(connection: RawConnection, words: list) -> object:
    """The (member, score) pairs of a whole ZSCAN iteration, or the error of its first call."""
    pages = follow_scan(connection.call, *words)
    return sorted({pair for _, page in pages for pair in pairs_of(page)}) if isinstance(pages, list) else pages


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_differential_random_sorted_set_commands_reply_exactly_as_real_redis(server, reference_redis, key, seed):
    rng = random.Random(seed)
    # A set among the keys: the set operations take sets as well.
    keys = [f"{key}:set"] + [f"{key}:{n}" for n in range(4)]

    def with_a_set(ours, theirs):
        for connection in (ours, theirs):
            connection.call("SADD", keys[0], "a", "b", "c", "")

    def compare(ours, theirs, words):
        # Redis orders a range by member only among equal scores; with mixed
        # scores what a lex range returns is not specified: such a command is
        # not sent.
        source = lex_source(words)
        if source is None or len({score for _, score in members_with_scores(theirs, source) or []}) <= 1:
            run_and_compare(ours, theirs, words)

    def same_sorted_sets(ours, theirs):
        for name in keys:
            assert members_with_scores(ours, name) == members_with_scores(theirs, name), name

    differential_run(server, reference_redis, (random_command(rng, keys) for _ in range(COMMANDS_PER_RUN)),
                     compare, at_the_end=same_sorted_sets, before=with_a_set)


# --- SORT and SORT_RO: every collection, in order ------------------------------------------------

@pytest.fixture
def users(call):
    """Three ids in a list, a weight_<id> string and a user:<id> hash for each."""
    call("RPUSH", "ids", 2, 3, 1)
    for user_id, weight, age, name in [(1, 30, 41, "ann"), (2, 10, 25, "bob"), (3, 20, 33, "cy")]:
        call("SET", f"weight_{user_id}", weight)
        call("HSET", f"user:{user_id}", "age", age, "name", name)


def test_sort_sorts_a_list_as_numbers(call):
    call("RPUSH", "numbers", 3, 10, -4, 1.5, "1e2", 2)
    assert call("SORT", "numbers") == [b"-4", b"1.5", b"2", b"3", b"10", b"1e2"]
    assert call("LRANGE", "numbers", 0, 0) == [b"3"]  # the list itself is left as it was


def test_sort_desc_and_limit(call):
    call("RPUSH", "numbers", 3, 10, -4, 1.5, 2)
    assert call("SORT", "numbers", "DESC", "LIMIT", 1, 2) == [b"3", b"2"]
    assert call("SORT", "numbers", "LIMIT", -5, 2) == [b"-4", b"1.5"]  # a negative offset is 0
    assert call("SORT", "numbers", "LIMIT", 3, -1) == [b"3", b"10"]  # a negative count: to the end


def test_sort_alpha_sorts_as_strings_and_without_it_words_are_an_error(call):
    call("RPUSH", "words", "banana", "apple", "cherry", "10", "9")
    assert call("SORT", "words", "ALPHA") == [b"10", b"9", b"apple", b"banana", b"cherry"]
    assert call("SORT", "words") == "ERR One or more scores can't be converted into double"


def test_sort_sorts_sets_and_sorted_sets_too(call):
    call("SADD", "set", 5, 3, 9, 1)
    call("ZADD", "zset", 3, "c", 1, "b", 2, "a")
    assert call("SORT", "set", "DESC") == [b"9", b"5", b"3", b"1"]
    assert call("SORT", "zset", "ALPHA") == [b"a", b"b", b"c"]


def test_sort_by_a_constant_keeps_the_lists_or_sorted_sets_own_order(call):
    call("RPUSH", "list", "b", "c", "a")
    call("ZADD", "zset", 3, "c", 1, "b", 2, "a")
    assert call("SORT", "list", "BY", "nosort", "DESC") == [b"a", b"c", b"b"]
    assert call("SORT", "zset", "BY", "nosort", "LIMIT", 1, 5) == [b"a", b"c"]


def test_sort_by_the_values_of_other_keys(call, users):
    assert call("SORT", "ids", "BY", "weight_*") == [b"2", b"3", b"1"]


def test_sort_by_a_field_of_other_hashes(call, users):
    assert call("SORT", "ids", "BY", "user:*->age", "DESC") == [b"1", b"3", b"2"]


def test_sort_get_replies_with_other_keys_values_and_nil_where_there_is_none(call, users):
    assert call("SORT", "ids", "GET", "#", "GET", "user:*->name", "GET", "missing_*") == [
        b"1", b"ann", None, b"2", b"bob", None, b"3", b"cy", None]


def test_sort_store_keeps_the_result_as_a_list_and_replies_with_its_length(call, users):
    call("SET", "sorted", "a string, replaced")
    assert call("SORT", "ids", "BY", "weight_*", "GET", "user:*->name", "GET", "missing_*", "STORE", "sorted") == 6
    assert call("LRANGE", "sorted", 0, -1) == [b"bob", b"", b"cy", b"", b"ann", b""]


def test_sort_store_of_nothing_deletes_the_destination(call):
    call("SET", "sorted", "x")
    assert call("SORT", "missing", "STORE", "sorted") == 0
    assert call("EXISTS", "sorted") == 0


def test_sort_of_a_missing_key_is_empty_and_of_a_string_wrongtype(call):
    call("SET", "string", "x")
    assert call("SORT", "missing") == []
    assert call("SORT", "string") == WRONGTYPE


@pytest.mark.parametrize("words, error", [
    (["LIMIT", "x", "1"], NOT_AN_INTEGER),
    (["LIMIT", "1"], SYNTAX_ERROR),
    (["STORE"], SYNTAX_ERROR),
    (["UPWARDS"], SYNTAX_ERROR),
])
def test_sort_errors(call, words, error):
    call("RPUSH", "list", 1)
    assert call("SORT", "list", *words) == error


def test_sort_ro_sorts_but_cannot_store(call):
    call("RPUSH", "list", 2, 1)
    assert call("SORT_RO", "list") == [b"1", b"2"]
    assert call("SORT_RO", "list", "STORE", "elsewhere") == SYNTAX_ERROR


def test_sort_and_sort_ro_appear_in_the_command_table_as_in_redis(call, reference_redis):
    same_command_table_entries(call, reference_redis, ["sort", "sort_ro"])


def random_sort(rng: random.Random) -> list:
    """A SORT whose answer does not depend on a hash table's order: sets and
    sorted sets are sorted by their own elements or by distinct weights."""
    key = rng.choice(["list", "set", "zset", "words"])
    words = ["SORT", key]
    if key == "words" or rng.random() < 0.2:
        words.append("ALPHA")
    if rng.random() < 0.4:  # the words have no weights: they would all tie
        patterns = ["nosort"] if key == "words" else ["weight_*", "user:*->age", *(["nosort"] if key != "set" else [])]
        words += ["BY", rng.choice(patterns)]
    if rng.random() < 0.4:
        words += ["LIMIT", rng.randint(-2, 8), rng.randint(-2, 8)]
    for _ in range(rng.choice([0, 0, 1, 2])):
        words += ["GET", rng.choice(["#", "weight_*", "user:*->name", "missing_*"])]
    if rng.random() < 0.5:
        words.append(rng.choice(["ASC", "DESC"]))
    if rng.random() < 0.3:
        words += ["STORE", "stored"]
    return words


@pytest.mark.parametrize("seed", [1, 2])
def test_differential_random_sorts_reply_exactly_as_real_redis(server, reference_redis, seed):
    rng = random.Random(seed)

    def fill(ours, theirs):
        elements = rng.sample(range(-20, 40), 12)  # distinct, so that no two share a weight
        weights = rng.sample(range(1000), len(elements))
        listed = rng.choices(elements, k=15)  # with repeats
        for connection in (ours, theirs):
            connection.call("RPUSH", "list", *listed)
            connection.call("SADD", "set", *elements)
            connection.call("ZADD", "zset", *[word for element in elements for word in (element % 7, element)])
            connection.call("RPUSH", "words", *[f"w{element}" for element in elements])
            for element, weight in zip(elements, weights):
                connection.call("SET", f"weight_{element}", weight)
                connection.call("HSET", f"user:{element}", "age", -weight, "name", f"name{element}")

    def compare(ours, theirs, words):
        assert ours.call(*words) == theirs.call(*words)
        if "STORE" in words:
            assert ours.call("LRANGE", "stored", 0, -1) == theirs.call("LRANGE", "stored", 0, -1)

    differential_run(server, reference_redis, (random_sort(rng) for _ in range(600)), compare, before=fill)
