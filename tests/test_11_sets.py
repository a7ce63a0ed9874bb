"""Step 11: sets. Unordered collections of distinct strings, and the
algebra on them: intersection, union, difference.

Every expectation here is Redis 7's own behaviour unless marked own_steps:
`pytest --against-redis` runs this file against a real redis-server to prove
it. Redis promises no order for a set's members, and ours differs from
Redis's, so replies with several members are compared as sets. The
differential test at the end sends thousands of random set commands, good
and bad, to the server under test and to a real redis-server side by side.
"""

import random

import pytest

from clients import ErrorReply, RawConnection
from helpers import (INT64_MAX, INT64_MIN, WRONGTYPE, differential_run, expire_now, follow_scan, scanned,
                     with_wrong_arity_now_and_then)


def members(call, key) -> set[bytes]:
    reply = call("SMEMBERS", key)
    assert isinstance(reply, list), reply
    return set(reply)


def as_set(reply) -> set[bytes]:
    """A reply that lists members, which must be distinct, as a set."""
    assert isinstance(reply, list) and len(reply) == len(set(reply)), reply
    return set(reply)


# --- SADD, SREM, SCARD, SMEMBERS, SISMEMBER, SMISMEMBER --------------------------------------


def test_sadd_creates_a_set_and_replies_how_many_members_were_new(call, key):
    assert call("SADD", key, "a", "b") == 2
    assert call("SADD", key, "b", "c") == 1
    assert members(call, key) == {b"a", b"b", b"c"}


def test_sadd_counts_a_member_given_twice_once(call, key):
    assert call("SADD", key, "a", "a", "a") == 1
    assert call("SCARD", key) == 1


def test_sadd_of_members_already_there_replies_0(call, key):
    call("SADD", key, "a")
    assert call("SADD", key, "a") == 0


def test_members_are_binary_safe(call, key):
    odd = [b"", b"\x00", b"\r\n", b"\xff\xfe", b"a b"]
    assert call("SADD", key, *odd) == 5
    assert members(call, key) == set(odd)
    assert call("SISMEMBER", key, b"\x00") == 1


def test_numbers_are_members_like_any_string(call, key):
    # "10" and "010" are different members, though Redis keeps the first as an integer.
    assert call("SADD", key, "10", "010", "-1", "1.0") == 4
    assert call("SISMEMBER", key, "010") == 1
    assert call("SISMEMBER", key, "1") == 0


def test_srem_removes_members_and_replies_how_many_it_removed(call, key):
    call("SADD", key, "a", "b", "c")
    assert call("SREM", key, "a", "x", "a") == 1
    assert members(call, key) == {b"b", b"c"}


def test_srem_on_a_missing_key_replies_0(call, key):
    assert call("SREM", key, "a") == 0


def test_scard_counts_members_and_a_missing_key_is_empty(call, key):
    call("SADD", key, "a", "b", "c")
    assert call("SCARD", key) == 3
    assert call("SCARD", key + "missing") == 0


def test_smembers_of_a_missing_key_is_an_empty_list(call, key):
    assert call("SMEMBERS", key) == []


def test_sismember_says_whether_a_member_is_in_the_set(call, key):
    call("SADD", key, "a")
    assert call("SISMEMBER", key, "a") == 1
    assert call("SISMEMBER", key, "b") == 0
    assert call("SISMEMBER", key + "missing", "a") == 0


def test_smismember_answers_for_each_member_in_order(call, key):
    call("SADD", key, "a", "c")
    assert call("SMISMEMBER", key, "a", "b", "c", "a") == [1, 0, 1, 1]


def test_smismember_of_a_missing_key_is_all_zeros(call, key):
    assert call("SMISMEMBER", key, "a", "b") == [0, 0]


# --- an emptied set is deleted ----------------------------------------------------------------

EMPTYING = [
    ["SREM", "{key}", "a", "b"],
    ["SPOP", "{key}"],
    ["SPOP", "{key}", "5"],
    ["SMOVE", "{key}", "{key}:other", "a"],
]


@pytest.mark.parametrize("words", EMPTYING, ids=["SREM", "SPOP", "SPOP count", "SMOVE"])
def test_a_command_that_removes_the_last_member_deletes_the_key(call, key, words):
    call("SADD", key, "a")
    call(*[word.format(key=key) for word in words])
    assert call("EXISTS", key) == 0
    assert call("TYPE", key) == "none"


def test_a_set_emptied_and_filled_again_is_a_new_key_without_the_old_ttl(call, key):
    call("SADD", key, "a")
    call("EXPIRE", key, 100)
    call("SREM", key, "a")
    call("SADD", key, "b")
    assert call("TTL", key) == -1


# --- SPOP ------------------------------------------------------------------------------------


def test_spop_removes_and_returns_a_member(call, key):
    call("SADD", key, "a", "b", "c")
    popped = call("SPOP", key)
    assert popped in (b"a", b"b", b"c")
    assert members(call, key) == {b"a", b"b", b"c"} - {popped}


def test_spop_picks_at_random(call, key):
    seen = set()
    for _ in range(200):
        call("SADD", key, "a", "b", "c")
        seen.add(call("SPOP", key))
    assert seen == {b"a", b"b", b"c"}


def test_spop_of_a_missing_key_is_null(call, key):
    assert call("SPOP", key) is None


def test_spop_with_a_count_removes_that_many_distinct_members(call, key):
    call("SADD", key, *range(10))
    popped = as_set(call("SPOP", key, 4))
    assert len(popped) == 4
    assert members(call, key) == {b"%d" % n for n in range(10)} - popped


def test_spop_with_a_count_of_the_size_or_more_returns_everything_and_deletes_the_key(call, key):
    call("SADD", key, "a", "b", "c")
    assert as_set(call("SPOP", key, 100)) == {b"a", b"b", b"c"}
    assert call("EXISTS", key) == 0


def test_spop_with_a_count_of_0_is_an_empty_list_and_removes_nothing(call, key):
    call("SADD", key, "a")
    assert call("SPOP", key, 0) == []
    assert call("SCARD", key) == 1


def test_spop_with_a_count_of_a_missing_key_is_an_empty_list(call, key):
    assert call("SPOP", key, 3) == []


@pytest.mark.parametrize("count", ["-1", "x", "1.5", str(INT64_MIN), "9223372036854775808"])
def test_spop_refuses_a_negative_or_non_integer_count_with_one_message(call, key, count):
    call("SADD", key, "a")
    assert call("SPOP", key, count) == "ERR value is out of range, must be positive"
    assert call("SCARD", key) == 1


def test_spop_reads_the_count_before_the_key(call, key):
    call("SET", key, "v")
    assert call("SPOP", key, "-1") == "ERR value is out of range, must be positive"
    assert call("SPOP", key, "0") == WRONGTYPE
    assert call("SPOP", key + "missing", "x") == "ERR value is out of range, must be positive"


def test_spop_with_more_than_a_count_is_a_syntax_error(call, key):
    call("SADD", key, "a")
    assert call("SPOP", key, 1, 2) == "ERR syntax error"
    assert call("SCARD", key) == 1


# --- SRANDMEMBER -----------------------------------------------------------------------------


def test_srandmember_returns_a_member_and_leaves_the_set_alone(call, key):
    call("SADD", key, "a", "b", "c")
    assert call("SRANDMEMBER", key) in (b"a", b"b", b"c")
    assert call("SCARD", key) == 3


def test_srandmember_picks_at_random(call, key):
    call("SADD", key, "a", "b", "c")
    assert {call("SRANDMEMBER", key) for _ in range(200)} == {b"a", b"b", b"c"}


def test_srandmember_of_a_missing_key_is_null(call, key):
    assert call("SRANDMEMBER", key) is None


@pytest.mark.parametrize("count, size", [(1, 1), (3, 3), (9, 9), (10, 10), (11, 10), (INT64_MAX, 10)])
def test_srandmember_with_a_positive_count_returns_distinct_members_up_to_the_whole_set(call, key, count, size):
    everything = {b"%d" % n for n in range(10)}
    call("SADD", key, *everything)
    picked = as_set(call("SRANDMEMBER", key, count))
    assert len(picked) == size and picked <= everything


def test_srandmember_with_a_negative_count_returns_exactly_that_many_repeats_allowed(call, key):
    call("SADD", key, "a", "b")
    picked = call("SRANDMEMBER", key, -50)
    assert len(picked) == 50 and set(picked) == {b"a", b"b"}


def test_srandmember_with_a_negative_count_repeats_the_only_member(call, key):
    call("SADD", key, "a")
    assert call("SRANDMEMBER", key, -3) == [b"a", b"a", b"a"]


@pytest.mark.parametrize("count", ["0", "5", "-5"])
def test_srandmember_with_a_count_of_a_missing_key_is_an_empty_list(call, key, count):
    assert call("SRANDMEMBER", key, count) == []


def test_srandmember_with_a_count_of_0_is_an_empty_list(call, key):
    call("SADD", key, "a")
    assert call("SRANDMEMBER", key, 0) == []


@pytest.mark.parametrize("count, message", [
    ("x", "ERR value is not an integer or out of range"),
    ("1.5", "ERR value is not an integer or out of range"),
    ("9223372036854775808", "ERR value is not an integer or out of range"),
    # Redis turns a negative count into a positive one, and -2**63 has none.
    (str(INT64_MIN), "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"),
])
def test_srandmember_count_errors(call, key, count, message):
    call("SADD", key, "a")
    assert call("SRANDMEMBER", key, count) == message


def test_srandmember_reads_the_count_before_the_key(call, key):
    call("SET", key, "v")
    assert call("SRANDMEMBER", key, "x") == "ERR value is not an integer or out of range"
    assert call("SRANDMEMBER", key, "0") == WRONGTYPE


def test_srandmember_with_more_than_a_count_is_a_syntax_error(call, key):
    assert call("SRANDMEMBER", key, 1, 2) == "ERR syntax error"


# --- SMOVE -----------------------------------------------------------------------------------


def test_smove_moves_a_member_and_replies_1(call, key):
    call("SADD", key, "a", "b")
    call("SADD", key + ":to", "c")
    assert call("SMOVE", key, key + ":to", "a") == 1
    assert members(call, key) == {b"b"}
    assert members(call, key + ":to") == {b"a", b"c"}


def test_smove_creates_the_destination(call, key):
    call("SADD", key, "a", "b")
    assert call("SMOVE", key, key + ":to", "a") == 1
    assert members(call, key + ":to") == {b"a"}


def test_smove_of_a_member_the_destination_has_still_removes_it_from_the_source(call, key):
    call("SADD", key, "a", "b")
    call("SADD", key + ":to", "a")
    assert call("SMOVE", key, key + ":to", "a") == 1
    assert members(call, key) == {b"b"}
    assert members(call, key + ":to") == {b"a"}


def test_smove_of_a_member_the_source_lacks_replies_0_and_changes_nothing(call, key):
    call("SADD", key, "a")
    assert call("SMOVE", key, key + ":to", "x") == 0
    assert call("EXISTS", key + ":to") == 0


def test_smove_from_a_missing_key_replies_0_even_to_a_key_of_another_type(call, key):
    call("SET", key + ":to", "v")
    assert call("SMOVE", key, key + ":to", "a") == 0


def test_smove_from_a_key_of_another_type_is_wrongtype(call, key):
    call("SET", key, "v")
    assert call("SMOVE", key, key + ":to", "a") == WRONGTYPE


def test_smove_to_a_key_of_another_type_is_wrongtype_and_moves_nothing(call, key):
    call("SADD", key, "a")
    call("SET", key + ":to", "v")
    assert call("SMOVE", key, key + ":to", "a") == WRONGTYPE
    assert members(call, key) == {b"a"}


def test_smove_to_a_key_of_another_type_is_wrongtype_even_for_a_member_the_source_lacks(call, key):
    call("SADD", key, "a")
    call("SET", key + ":to", "v")
    assert call("SMOVE", key, key + ":to", "x") == WRONGTYPE


@pytest.mark.parametrize("member, reply", [("a", 1), ("x", 0)])
def test_smove_onto_the_same_set_says_whether_the_member_is_there_and_changes_nothing(call, key, member, reply):
    call("SADD", key, "a")
    assert call("SMOVE", key, key, member) == reply
    assert members(call, key) == {b"a"}


def test_smove_keeps_the_destinations_ttl(call, key):
    call("SADD", key, "a")
    call("SADD", key + ":to", "b")
    call("EXPIRE", key + ":to", 100)
    call("SMOVE", key, key + ":to", "a")
    assert 99 <= call("TTL", key + ":to") <= 100


# --- SINTER, SUNION, SDIFF and their STORE forms ---------------------------------------------


@pytest.fixture
def abc(call, key):
    """Three sets: {key}:1 = a b c d, {key}:2 = c d e, {key}:3 = d e f."""
    call("SADD", f"{key}:1", "a", "b", "c", "d")
    call("SADD", f"{key}:2", "c", "d", "e")
    call("SADD", f"{key}:3", "d", "e", "f")
    return [f"{key}:1", f"{key}:2", f"{key}:3"]


ALGEBRA = [
    ("SINTER", [1, 2], {b"c", b"d"}),
    ("SINTER", [1, 2, 3], {b"d"}),
    ("SINTER", [1], {b"a", b"b", b"c", b"d"}),
    ("SINTER", [1, 1], {b"a", b"b", b"c", b"d"}),
    ("SINTER", [1, "missing"], set()),
    ("SUNION", [1, 2], {b"a", b"b", b"c", b"d", b"e"}),
    ("SUNION", [1, 2, 3], {b"a", b"b", b"c", b"d", b"e", b"f"}),
    ("SUNION", ["missing", 3], {b"d", b"e", b"f"}),
    ("SUNION", ["missing"], set()),
    ("SDIFF", [1, 2], {b"a", b"b"}),
    ("SDIFF", [1, 2, 3], {b"a", b"b"}),
    ("SDIFF", [2, 1], {b"e"}),
    ("SDIFF", [1, "missing"], {b"a", b"b", b"c", b"d"}),
    ("SDIFF", ["missing", 1], set()),
    ("SDIFF", [1, 1], set()),
]


def names(key, which) -> list[str]:
    return [f"{key}:{n}" for n in which]


@pytest.mark.parametrize("name, which, result", ALGEBRA,
                         ids=[f"{name} {' '.join(map(str, which))}" for name, which, _ in ALGEBRA])
def test_set_algebra(call, key, abc, name, which, result):
    assert as_set(call(name, *names(key, which))) == result


@pytest.mark.parametrize("name, which, result", ALGEBRA,
                         ids=[f"{name}STORE {' '.join(map(str, which))}" for name, which, _ in ALGEBRA])
def test_set_algebra_store_replies_the_size_and_stores_the_result(call, key, abc, name, which, result):
    destination = key + ":dest"
    call("SADD", destination, "old")
    assert call(name + "STORE", destination, *names(key, which)) == len(result)
    assert members(call, destination) == result
    assert call("EXISTS", destination) == int(bool(result))  # an empty result deletes the destination


@pytest.mark.parametrize("name", ["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"])
def test_store_overwrites_a_destination_of_another_type_and_its_ttl(call, key, abc, name):
    destination = key + ":dest"
    call("SET", destination, "v", "EX", 100)
    assert call(name, destination, abc[0]) == 4
    assert call("TYPE", destination) == "set"
    assert call("TTL", destination) == -1


@pytest.mark.parametrize("name", ["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"])
def test_store_of_an_empty_result_deletes_a_destination_of_any_type(call, key, name):
    call("SET", key + ":dest", "v")
    assert call(name, key + ":dest", key + ":missing") == 0
    assert call("EXISTS", key + ":dest") == 0


@pytest.mark.parametrize("name, expected", [
    ("SINTERSTORE", {b"c", b"d"}), ("SUNIONSTORE", {b"a", b"b", b"c", b"d", b"e"}), ("SDIFFSTORE", {b"a", b"b"}),
], ids=["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"])
def test_store_may_name_one_of_its_sources_as_destination(call, key, abc, name, expected):
    assert call(name, abc[0], abc[0], abc[1]) == len(expected)
    assert members(call, abc[0]) == expected


def test_a_stored_result_is_a_set_of_its_own(call, key, abc):
    call("SUNIONSTORE", key + ":dest", abc[0])
    call("SADD", key + ":dest", "new")
    assert b"new" not in members(call, abc[0])


@pytest.mark.parametrize("words", [
    ["SINTER", "{key}:missing", "{key}:string"],  # a missing key settles it, yet every type is checked
    ["SINTER", "{key}:string", "{key}:1"],
    ["SUNION", "{key}:1", "{key}:string"],
    ["SDIFF", "{key}:1", "{key}:string"],
    ["SDIFF", "{key}:missing", "{key}:string"],
    ["SINTERSTORE", "{key}:dest", "{key}:missing", "{key}:string"],
    ["SUNIONSTORE", "{key}:dest", "{key}:string"],
    ["SDIFFSTORE", "{key}:dest", "{key}:1", "{key}:string"],
    ["SINTERCARD", "2", "{key}:missing", "{key}:string"],
], ids=lambda words: " ".join(words).replace("{key}:", ""))
def test_any_key_of_another_type_is_wrongtype(call, key, abc, words):
    call("SET", key + ":string", "v")
    call("SADD", key + ":dest", "kept")
    assert call(*[word.format(key=key) for word in words]) == WRONGTYPE
    assert members(call, key + ":dest") == {b"kept"}  # a STORE that fails stores nothing


def test_a_destination_of_another_type_is_no_error_for_a_store(call, key, abc):
    call("SET", key + ":dest", "v")
    assert call("SINTERSTORE", key + ":dest", *abc) == 1


# --- SINTERCARD ------------------------------------------------------------------------------


def test_sintercard_counts_the_intersection(call, key, abc):
    assert call("SINTERCARD", 2, abc[0], abc[1]) == 2
    assert call("SINTERCARD", 3, *abc) == 1
    assert call("SINTERCARD", 1, abc[0]) == 4
    assert call("SINTERCARD", 2, abc[0], key + ":missing") == 0


@pytest.mark.parametrize("limit, count", [("0", 4), ("1", 1), ("3", 3), ("4", 4), ("100", 4)])
def test_sintercard_limit_caps_the_count_and_0_means_no_limit(call, key, abc, limit, count):
    assert call("SINTERCARD", 1, abc[0], "LIMIT", limit) == count


def test_sintercard_options_may_repeat_and_the_last_counts(call, key, abc):
    assert call("SINTERCARD", 1, abc[0], "limit", 1, "LIMIT", 3) == 3


SINTERCARD_ERRORS = [
    (["0", "{key}:1"], "ERR numkeys should be greater than 0"),
    (["-1", "{key}:1"], "ERR numkeys should be greater than 0"),
    (["x", "{key}:1"], "ERR numkeys should be greater than 0"),
    (["9223372036854775808", "{key}:1"], "ERR numkeys should be greater than 0"),
    (["2", "{key}:1"], "ERR Number of keys can't be greater than number of args"),
    ([str(INT64_MAX), "{key}:1"], "ERR Number of keys can't be greater than number of args"),
    (["1", "{key}:1", "{key}:2"], "ERR syntax error"),  # a key beyond numkeys is read as an option
    (["1", "{key}:1", "LIMIT"], "ERR syntax error"),
    (["1", "{key}:1", "LIMIT", "-1"], "ERR LIMIT can't be negative"),
    (["1", "{key}:1", "LIMIT", "x"], "ERR LIMIT can't be negative"),
    (["1", "{key}:missing", "LIMIT", "1.5"], "ERR LIMIT can't be negative"),  # options before keys
    (["1", "{key}:string", "LIMIT", "x"], "ERR LIMIT can't be negative"),
]


@pytest.mark.parametrize("args, message", SINTERCARD_ERRORS,
                         ids=[" ".join(words).replace("{key}:", "") for words, _ in SINTERCARD_ERRORS])
def test_sintercard_errors(call, key, abc, args, message):
    call("SET", key + ":string", "v")
    assert call("SINTERCARD", *[word.format(key=key) for word in args]) == message


# --- SSCAN -----------------------------------------------------------------------------------


def full_sscan(connection, key, *options) -> tuple[list[bytes], int]:
    """Every member one SSCAN iteration returns (duplicates kept), and how many calls it took."""
    return scanned(connection.call, "SSCAN", key, "0", *options)


def test_sscan_of_a_small_set_returns_it(call, key):
    call("SADD", key, "a", "b", "c")
    cursor, page = call("SSCAN", key, 0)
    assert cursor == b"0" and as_set(page) == {b"a", b"b", b"c"}


@pytest.mark.parametrize("kind", ["strings", "integers"])
def test_a_full_sscan_returns_every_member(raw, call, key, kind):
    # Redis keeps up to 512 integers in an intset, and more in a hash table.
    everything = {(b"member:%d" if kind == "strings" else b"%d") % n for n in range(1000)}
    call("SADD", key, *everything)
    found, _ = full_sscan(raw(), key, "COUNT", 7)
    assert set(found) == everything


@pytest.mark.own_steps("our SSCAN returns each member once, in pages of at most COUNT; "
                        "Redis may repeat members, and returns an intset whole")
def test_a_full_sscan_returns_each_member_once_in_pages_of_count(raw, call, key):
    call("SADD", key, *range(100))
    pages = follow_scan(raw().call, "SSCAN", key, "0", "COUNT", 7)
    assert all(len(page) <= 7 for _, page in pages)
    assert sorted(member for _, page in pages for member in page) == sorted(b"%d" % n for n in range(100))


def test_sscan_count_is_a_hint_for_the_page_size(raw, call, key):
    call("SADD", key, *[f"m{n}" for n in range(200)])
    assert full_sscan(raw(), key, "COUNT", 1)[1] > 10
    assert full_sscan(raw(), key, "COUNT", 1000)[1] == 1


def test_sscan_match_filters_members(raw, call, key):
    call("SADD", key, *[f"m{n}" for n in range(200)])
    found, _ = full_sscan(raw(), key, "MATCH", "m1?", "COUNT", 5)
    assert set(found) == {f"m1{n}".encode() for n in range(10)}


def test_a_member_present_for_the_whole_sscan_is_returned_while_others_come_and_go(raw, call, key):
    rng = random.Random(11)
    everything = [f"m{n}" for n in range(1300)]
    call("SADD", key, *everything)
    stable, churn = set(everything[::4]), [name for n, name in enumerate(everything) if n % 4]
    connection, cursor, found, added = raw(), b"0", set(), 0
    for _ in range(10_000):
        for _ in range(5):
            churn.append(f"new{added}")
            call("SADD", key, churn[-1])
            added += 1
        call("SREM", key, *[churn.pop(rng.randrange(len(churn))) for _ in range(min(15, len(churn)))])
        cursor, page = connection.call("SSCAN", key, cursor, "COUNT", 10)
        found.update(page)
        if cursor == b"0":
            break
    assert cursor == b"0"
    assert {name.encode() for name in stable} <= found


def test_a_new_sscan_sees_members_added_since_an_earlier_scan_began(raw, call, key):
    call("SADD", key, *[f"m{n}" for n in range(100)])
    connection = raw()
    cursor, _ = connection.call("SSCAN", key, 0, "COUNT", 5)  # a scan left unfinished
    assert cursor != b"0"
    call("SADD", key, "late")
    found, _ = full_sscan(connection, key, "COUNT", 5)
    assert b"late" in found


def test_sscan_of_a_missing_key_ends_at_once_whatever_the_options(call, key):
    assert call("SSCAN", key, 0) == [b"0", []]
    assert call("SSCAN", key, 0, "COUNT", 0, "NOSUCH") == [b"0", []]


@pytest.mark.parametrize("cursor", ["x", "-", " 0", "18446744073709551616"])
def test_sscan_checks_the_cursor_before_the_key(call, key, cursor):
    call("SET", key, "v")
    assert call("SSCAN", key, cursor) == "ERR invalid cursor"
    assert call("SSCAN", key + "missing", cursor) == "ERR invalid cursor"


SSCAN_OPTION_ERRORS = [
    (["COUNT", "0"], "ERR syntax error"),
    (["COUNT", "-1"], "ERR syntax error"),
    (["COUNT", "x"], "ERR value is not an integer or out of range"),
    (["COUNT"], "ERR syntax error"),
    (["MATCH"], "ERR syntax error"),
    (["TYPE", "set"], "ERR syntax error"),  # only SCAN filters by type
    (["NOSUCH", "1"], "ERR syntax error"),
]


@pytest.mark.parametrize("options, message", SSCAN_OPTION_ERRORS,
                         ids=[" ".join(words) for words, _ in SSCAN_OPTION_ERRORS])
def test_sscan_option_errors(call, key, options, message):
    call("SADD", key, "a")
    assert call("SSCAN", key, 0, *options) == message


def test_sscan_of_a_key_of_another_type_is_wrongtype_before_its_options_are_read(call, key):
    call("SET", key, "v")
    assert call("SSCAN", key, 0, "COUNT", 0) == WRONGTYPE


# --- types: set commands on other values, other commands on sets -----------------------------

SET_COMMANDS_ON_ONE_KEY = [
    ["SADD", "{key}", "a"], ["SREM", "{key}", "a"], ["SMEMBERS", "{key}"], ["SISMEMBER", "{key}", "a"],
    ["SMISMEMBER", "{key}", "a"], ["SCARD", "{key}"], ["SPOP", "{key}"], ["SPOP", "{key}", "1"],
    ["SRANDMEMBER", "{key}"], ["SRANDMEMBER", "{key}", "-1"], ["SINTER", "{key}"], ["SUNION", "{key}"],
    ["SDIFF", "{key}"], ["SINTERSTORE", "{key}:dest", "{key}"], ["SUNIONSTORE", "{key}:dest", "{key}"],
    ["SDIFFSTORE", "{key}:dest", "{key}"], ["SINTERCARD", "1", "{key}"], ["SSCAN", "{key}", "0"],
]


@pytest.mark.parametrize("words", SET_COMMANDS_ON_ONE_KEY, ids=lambda words: " ".join(words[:1] + words[2:]))
def test_set_commands_on_a_string_are_wrongtype(call, key, words):
    call("SET", key, "v")
    assert call(*[word.format(key=key) for word in words]) == WRONGTYPE
    assert call("GET", key) == b"v"


STRING_COMMANDS = [
    ["GET"], ["GETSET", "v"], ["GETDEL"], ["GETEX", "EX", "100"], ["APPEND", "v"], ["STRLEN"],
    ["GETRANGE", "0", "1"], ["SETRANGE", "0", "v"], ["INCR"], ["DECR"], ["INCRBY", "1"], ["DECRBY", "1"],
    ["INCRBYFLOAT", "1.5"], ["SET", "v", "GET"],
]


@pytest.mark.parametrize("words", STRING_COMMANDS, ids=lambda words: " ".join(words))
def test_string_commands_on_a_set_are_wrongtype(call, key, words):
    call("SADD", key, "a")
    assert call(words[0], key, *words[1:]) == WRONGTYPE
    assert members(call, key) == {b"a"}


def test_mget_reads_a_set_as_null(call, key):
    call("SADD", key, "a")
    call("SET", key + ":s", "v")
    assert call("MGET", key, key + ":s") == [None, b"v"]


def test_set_replaces_a_set(call, key):
    call("SADD", key, "a")
    assert call("SET", key, "v") == "OK"
    assert call("TYPE", key) == "string"


def test_setnx_and_msetnx_see_a_set_as_a_key_that_exists(call, key):
    call("SADD", key, "a")
    assert call("SETNX", key, "v") == 0
    assert call("MSETNX", key, "v", key + ":other", "v") == 0
    assert call("TYPE", key) == "set"


# --- arity -----------------------------------------------------------------------------------

TOO_FEW = [
    ["SADD", "k"], ["SREM", "k"], ["SMEMBERS"], ["SISMEMBER", "k"], ["SMISMEMBER", "k"], ["SCARD"], ["SPOP"],
    ["SRANDMEMBER"], ["SMOVE", "a", "b"], ["SINTER"], ["SUNION"], ["SDIFF"], ["SINTERSTORE", "d"],
    ["SUNIONSTORE", "d"], ["SDIFFSTORE", "d"], ["SINTERCARD", "1"], ["SSCAN", "k"],
]
TOO_MANY = [["SMEMBERS", "k", "x"], ["SISMEMBER", "k", "a", "b"], ["SCARD", "k", "x"], ["SMOVE", "a", "b", "m", "x"]]


@pytest.mark.parametrize("words", TOO_FEW + TOO_MANY, ids=lambda words: " ".join(words))
def test_wrong_number_of_arguments(call, words):
    assert call(*words) == f"ERR wrong number of arguments for '{words[0].lower()}' command"


# --- sets in the keyspace: TYPE, SCAN, RENAME, COPY, MOVE, expiry, FLUSHALL -------------------


def test_type_of_a_set_is_set(call, key):
    call("SADD", key, "a")
    assert call("TYPE", key) == "set"


def test_scan_type_set_lists_only_sets(call, key):
    call("SADD", key + ":1", "a")
    call("SADD", key + ":2", "a")
    call("SET", key + ":s", "v")
    cursor, found = call("SCAN", 0, "TYPE", "set", "COUNT", 1000)
    assert cursor == b"0" and sorted(found) == [f"{key}:1".encode(), f"{key}:2".encode()]


def test_exists_and_del_work_on_sets(call, key):
    call("SADD", key, "a")
    assert call("EXISTS", key) == 1
    assert call("DEL", key) == 1
    assert call("SMEMBERS", key) == []


def test_rename_moves_a_set_with_its_ttl(call, key):
    call("SADD", key, "a", "b")
    call("EXPIRE", key, 100)
    assert call("RENAME", key, key + ":new") == "OK"
    assert members(call, key + ":new") == {b"a", b"b"}
    assert 99 <= call("TTL", key + ":new") <= 100
    assert call("EXISTS", key) == 0


def test_copy_of_a_set_is_independent_of_the_original(call, key):
    call("SADD", key, "a")
    assert call("COPY", key, key + ":copy") == 1
    call("SADD", key + ":copy", "b")
    call("SREM", key, "a")
    assert members(call, key + ":copy") == {b"a", b"b"}
    assert call("EXISTS", key) == 0


def test_copy_of_a_set_to_another_database(call, key, on_db):
    call("SADD", key, "a")
    assert call("COPY", key, key, "DB", 3) == 1
    other = on_db(3)
    other.call("SADD", key, "b")
    assert set(other.call("SMEMBERS", key)) == {b"a", b"b"}
    assert members(call, key) == {b"a"}


def test_move_takes_a_set_to_another_database(call, key, on_db):
    call("SADD", key, "a")
    assert call("MOVE", key, 4) == 1
    assert call("EXISTS", key) == 0
    assert on_db(4).call("SMEMBERS", key) == [b"a"]


def test_a_set_expires(call, key, no_active_expiry):
    call("SADD", key, "a")
    expire_now(call, key)
    assert call("SCARD", key) == 0
    assert call("EXISTS", key) == 0


def test_changing_a_set_keeps_its_ttl(call, key):
    call("SADD", key, "a", "b")
    call("EXPIRE", key, 100)
    call("SADD", key, "c")
    call("SREM", key, "a")
    call("SPOP", key)
    assert 99 <= call("TTL", key) <= 100


def test_sadd_to_an_expired_set_starts_a_new_one(call, key, no_active_expiry):
    call("SADD", key, "old")
    expire_now(call, key)
    assert call("SADD", key, "new") == 1
    assert members(call, key) == {b"new"}
    assert call("TTL", key) == -1


def test_flushall_deletes_sets(call, key):
    call("SADD", key, "a")
    assert call("FLUSHALL") == "OK"
    assert call("EXISTS", key) == 0


# --- COMMAND knows the set commands as Redis does ----------------------------------------------

SET_COMMAND_NAMES = ["sadd", "srem", "smembers", "sismember", "smismember", "scard", "spop", "srandmember",
                     "smove", "sinter", "sunion", "sdiff", "sinterstore", "sunionstore", "sdiffstore",
                     "sintercard", "sscan"]


def test_command_info_of_the_set_commands_agrees_with_redis(call, reference_redis):
    reference = RawConnection(reference_redis.host, reference_redis.port)
    try:
        for name in SET_COMMAND_NAMES:
            ours, theirs = call("COMMAND", "INFO", name)[0], reference.call("COMMAND", "INFO", name)[0]
            # name, arity, flags, first key, last key, step
            assert ours[:6] == theirs[:6], name
    finally:
        reference.close()


def test_command_docs_of_the_set_commands_agree_with_redis(call, reference_redis):
    reference = RawConnection(reference_redis.host, reference_redis.port)
    try:
        for name in SET_COMMAND_NAMES:
            ours, theirs = call("COMMAND", "DOCS", name)[1], reference.call("COMMAND", "DOCS", name)[1]
            ours, theirs = dict(zip(ours[::2], ours[1::2])), dict(zip(theirs[::2], theirs[1::2]))
            for field in (b"summary", b"since", b"group"):
                assert ours[field] == theirs[field], (name, field)
    finally:
        reference.close()


# --- differential: random set commands against a real Redis ----------------------------------

COMMANDS_PER_RUN = 3000
MEMBERS = ["a", "b", "c", "d", "e", "f", "g", "", "\x00", "a b", "\xff", "0", "1", "2", "3", "-1", "10", "007",
           "1.5", str(INT64_MAX), str(INT64_MIN), "9223372036854775808"]
UNORDERED = {"SMEMBERS", "SINTER", "SUNION", "SDIFF"}


def random_members(rng: random.Random) -> list[str]:
    if rng.random() < 0.02:
        # Enough integers to pass Redis's 512-member limit for an intset.
        start = rng.randint(-1000, 1000)
        return [str(n) for n in range(start, start + rng.randint(400, 700))]
    return rng.choices(MEMBERS, k=rng.randint(1, 5))


def random_count(rng: random.Random, negative_ok: bool) -> str:
    counts = ["0", "1", "2", "3", "5", "10", "100", str(INT64_MAX), "x", "1.5", "", "-0", " 1", "01",
              str(INT64_MIN), "9223372036854775808"]
    # A large negative count asks SRANDMEMBER for that many members: keep them small.
    counts += ["-1", "-3", "-20"] if negative_ok else ["-1", str(-INT64_MAX)]
    return rng.choice(counts)


# SET is rare: a key that holds a string makes every set command an error,
# and a few such keys are enough to check that.
COMMAND_WEIGHTS = {
    "SADD": 8, "SREM": 3, "SMEMBERS": 2, "SISMEMBER": 2, "SMISMEMBER": 2, "SCARD": 1, "SPOP": 3,
    "SRANDMEMBER": 3, "SMOVE": 3, "SINTER": 2, "SUNION": 2, "SDIFF": 2, "SINTERSTORE": 2, "SUNIONSTORE": 2,
    "SDIFFSTORE": 2, "SINTERCARD": 3, "SSCAN": 3, "SET": 0.5, "DEL": 1, "EXPIRE": 1, "TTL": 1, "TYPE": 1, "EXISTS": 1,
}


def random_set_command(rng: random.Random, keys: list[str]) -> list[str]:
    key = rng.choice(keys)
    name = rng.choices(list(COMMAND_WEIGHTS), weights=list(COMMAND_WEIGHTS.values()))[0]
    if name == "SREM" and rng.random() < 0.2:
        words = [name, key, *MEMBERS]  # empties a set of those members
    elif name in ("SADD", "SREM", "SMISMEMBER"):
        words = [name, key, *random_members(rng)]
    elif name in ("SMEMBERS", "SCARD", "DEL", "TTL", "TYPE", "EXISTS"):
        words = [name, key]
    elif name == "SISMEMBER":
        words = [name, key, rng.choice(MEMBERS)]
    elif name in ("SPOP", "SRANDMEMBER"):
        words = [name, key] + ([random_count(rng, negative_ok=name == "SRANDMEMBER")] if rng.random() < 0.6 else [])
    elif name == "SMOVE":
        words = [name, key, rng.choice(keys), rng.choice(MEMBERS)]
    elif name in ("SINTER", "SUNION", "SDIFF"):
        words = [name, *rng.choices(keys, k=rng.randint(1, 4))]
    elif name.endswith("STORE"):
        words = [name, rng.choice(keys), *rng.choices(keys, k=rng.randint(1, 4))]
    elif name == "SINTERCARD":
        given = rng.choices(keys, k=rng.randint(1, 4))
        numkeys = rng.choice([str(len(given))] * 12 + ["0", "-1", "x", str(len(given) + 1), str(INT64_MAX), "1"])
        words = [name, numkeys, *given]
        if rng.random() < 0.4:
            words += ["LIMIT", rng.choice(["0", "1", "2", "3", "-1", "x", str(INT64_MAX)])]
        if rng.random() < 0.05:
            words += rng.choice([["LIMIT"], ["NOSUCH"], ["limit", "1"]])
    elif name == "SSCAN":
        cursor = rng.choice(["0"] * 15 + ["", "-0", "x", " 0", "18446744073709551616"])
        words = [name, key, cursor]
        for _ in range(rng.choice([0, 0, 1, 2])):
            words += rng.choice([["COUNT", rng.choice(["1", "2", "5", "100", str(INT64_MAX)])]] * 3
                                + [["MATCH", rng.choice(["*", "?", "[a-c]", "*1*", "-*", "\\*", ""])]] * 3
                                + [["COUNT", rng.choice(["0", "-1", "x"])], ["COUNT"], ["TYPE", "set"], ["NOSUCH"]])
    elif name == "SET":
        words = [name, key, "string"]
    else:  # EXPIRE: a long TTL, so that only whether a key has one can matter
        words = [name, key, "1000"]
    return with_wrong_arity_now_and_then(rng, words)


def sscan_all(connection: RawConnection, words: list) -> object:
    """An SSCAN iteration from the cursor given to the end: the members, as a
    set, or the error of the first call. Each server pages in its own way."""
    pages = follow_scan(connection.call, *words)
    return {member for _, page in pages for member in page} if isinstance(pages, list) else pages


def random_reply_agrees(words: list, ours: object, theirs: object, before: set[bytes] | None) -> bool:
    """SPOP and SRANDMEMBER: the servers pick differently, so check only what
    must hold of both. `before` is the set they both held, if the key held one."""
    if isinstance(theirs, (ErrorReply, type(None))) or isinstance(ours, (ErrorReply, type(None))):
        return ours == theirs
    if type(ours) is not type(theirs) or before is None:
        return False
    if isinstance(ours, bytes):
        return ours in before and theirs in before
    count = int(words[2])
    size = min(count, len(before)) if count >= 0 else -count if before else 0
    distinct = count < 0 or len(set(ours)) == len(ours)
    return set(ours) <= before and distinct and len(ours) == len(theirs) == size


def resynchronise(connection: RawConnection, key: str, ours: object, theirs: object) -> None:
    """After SPOP, make our set lose what Redis's lost: put back what we
    popped and remove what Redis popped. Both came from the same set."""
    ours = [ours] if isinstance(ours, bytes) else ours
    theirs = [theirs] if isinstance(theirs, bytes) else theirs
    if set(ours) != set(theirs):
        # Not the whole set, or both would have popped all of it: our key still exists.
        connection.call("SADD", key, *ours)
        connection.call("SREM", key, *theirs)


def compare_set_command(ours: RawConnection, theirs: RawConnection, words: list) -> None:
    name = words[0]
    if name in ("SPOP", "SRANDMEMBER") and len(words) > 1:
        before = theirs.call("SMEMBERS", words[1])
        before = set(before) if isinstance(before, list) else None
        expected, got = theirs.call(*words), ours.call(*words)
        assert random_reply_agrees(words, got, expected, before), f"{got} and {expected}"
        if name == "SPOP" and not isinstance(got, (ErrorReply, type(None))):
            resynchronise(ours, words[1], got, expected)
        return
    if name == "SSCAN":
        expected, got = sscan_all(theirs, words), sscan_all(ours, words)
    else:
        expected, got = theirs.call(*words), ours.call(*words)
        if name in UNORDERED and isinstance(expected, list):
            expected, got = as_set(expected), as_set(got)
        if name == "TTL" and isinstance(expected, int) and expected > 0:
            assert isinstance(got, int) and got > 0
            return
    assert got == expected


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_differential_random_set_commands_reply_exactly_as_real_redis(server, reference_redis, key, seed):
    rng = random.Random(seed)
    keys = [f"{key}:{n}" for n in range(4)]

    def same_sets(ours, theirs):
        for name in keys:
            assert ours.call("TYPE", name) == theirs.call("TYPE", name)
            if theirs.call("TYPE", name) == "set":
                assert as_set(ours.call("SMEMBERS", name)) == as_set(theirs.call("SMEMBERS", name))

    differential_run(server, reference_redis, (random_set_command(rng, keys) for _ in range(COMMANDS_PER_RUN)),
                     compare_set_command, at_the_end=same_sets)
