"""Step 06: keys that expire, lazily when touched and actively by a sampling cycle."""

import time

import pytest
import redis

from helpers import ms_now, wait_past, wait_until, wrong_arity, wrong_arity_cases


# --- SET and its options ---------------------------------------------------------------------


@pytest.mark.parametrize("option, amount, low, high", [
    ("EX", "100", 99_000, 100_000), ("PX", "100000", 99_000, 100_000),
])
def test_set_with_a_relative_time_sets_the_ttl(r, call, key, option, amount, low, high):
    assert call("SET", key, "v", option, amount) == "OK"
    assert low <= r.pttl(key) <= high


def test_set_exat_sets_an_absolute_deadline_in_seconds(r, call, key):
    at = int(time.time()) + 100
    call("SET", key, "v", "EXAT", at)
    assert r.execute_command("EXPIRETIME", key) == at


def test_set_pxat_sets_an_absolute_deadline_in_ms(r, call, key):
    at = ms_now() + 100_000
    call("SET", key, "v", "PXAT", at)
    assert r.execute_command("PEXPIRETIME", key) == at


def test_set_pxat_in_the_past_leaves_no_key(r, call, key):
    assert call("SET", key, "v", "PXAT", "1") == "OK"
    assert r.get(key) is None


def test_plain_set_clears_the_ttl(r, key):
    r.set(key, "v", ex=100)
    r.set(key, "w")
    assert r.ttl(key) == -1


def test_set_keepttl_keeps_the_ttl(r, call, key):
    r.set(key, "v", ex=100)
    call("SET", key, "w", "KEEPTTL")
    assert r.get(key) == b"w" and 99 <= r.ttl(key) <= 100


def test_set_nx_only_sets_a_missing_key(r, call, key):
    assert call("SET", key, "first", "NX") == "OK"
    assert call("SET", key, "second", "NX") is None
    assert r.get(key) == b"first"


def test_set_xx_only_sets_an_existing_key(r, call, key):
    assert call("SET", key, "v", "XX") is None
    assert r.get(key) is None
    r.set(key, "v")
    assert call("SET", key, "w", "XX") == "OK"


def test_set_get_replies_with_the_old_value(r, call, key):
    assert call("SET", key, "first", "GET") is None
    assert call("SET", key, "second", "GET") == b"first"
    assert r.get(key) == b"second"


def test_set_nx_get_on_an_existing_key_replies_old_value_and_sets_nothing(r, call, key):
    r.set(key, "old")
    assert call("SET", key, "new", "NX", "GET") == b"old"
    assert r.get(key) == b"old"


def test_set_options_are_case_insensitive_and_may_repeat(r, call, key):
    assert call("SET", key, "v", "ex", "5", "Ex", "100", "nx", "NX") == "OK"
    assert 99 <= r.ttl(key) <= 100


@pytest.mark.parametrize("options", [
    ["NX", "XX"], ["EX", "10", "PX", "100"], ["EX", "10", "KEEPTTL"], ["KEEPTTL", "PXAT", "1"],
    ["EX"], ["PERSIST"], ["EX", "10", "EXAT", "10"], ["SOMETIMES"],
], ids=lambda options: "-".join(options))
def test_contradicting_or_unknown_set_options_are_a_syntax_error(r, call, key, options):
    assert call("SET", key, "v", *options) == "ERR syntax error"


@pytest.mark.parametrize("option, amount", [("EX", "0"), ("EX", "-1"), ("PX", "0"), ("EXAT", "-5"),
                                            ("PXAT", "0"), ("EX", "9223372036854776")])
def test_set_refuses_zero_negative_and_overflowing_times(r, call, key, option, amount):
    assert call("SET", key, "v", option, amount) == "ERR invalid expire time in 'set' command"
    assert r.exists(key) == 0


def test_set_refuses_a_time_that_is_not_an_integer(r, call, key):
    assert call("SET", key, "v", "EX", "1.5") == "ERR value is not an integer or out of range"


# --- SETNX, SETEX, PSETEX, GETEX, GETDEL -------------------------------------------------------


def test_setnx_replies_1_when_it_sets_and_0_when_the_key_exists(r, key):
    assert r.execute_command("SETNX", key, "a") == 1
    assert r.execute_command("SETNX", key, "b") == 0
    assert r.get(key) == b"a"


def test_setex_sets_value_and_ttl_in_seconds(r, call, key):
    assert call("SETEX", key, "100", "v") == "OK"
    assert r.get(key) == b"v" and 99 <= r.ttl(key) <= 100


def test_psetex_sets_value_and_ttl_in_ms(r, call, key):
    assert call("PSETEX", key, "100000", "v") == "OK"
    assert 99_000 <= r.pttl(key) <= 100_000


@pytest.mark.parametrize("command", ["SETEX", "PSETEX"])
def test_setex_and_psetex_refuse_a_time_that_is_not_positive(r, key, command):
    with pytest.raises(redis.ResponseError, match=rf"^invalid expire time in '{command.lower()}' command$"):
        r.execute_command(command, key, "0", "v")


@pytest.mark.parametrize("command", ["SETEX", "PSETEX"])
def test_setex_and_psetex_with_a_bad_time_leave_the_key_alone(r, key, command):
    r.set(key, "old", ex=100)
    with pytest.raises(redis.ResponseError):
        r.execute_command(command, key, "0", "new")
    assert r.get(key) == b"old" and 99 <= r.ttl(key) <= 100


def test_getex_without_options_is_get(r, key):
    r.set(key, "v", ex=100)
    assert r.execute_command("GETEX", key) == b"v"
    assert 99 <= r.ttl(key) <= 100


def test_getex_ex_sets_a_new_ttl(r, key):
    r.set(key, "v")
    assert r.execute_command("GETEX", key, "EX", "100") == b"v"
    assert 99 <= r.ttl(key) <= 100


def test_getex_persist_removes_the_ttl(r, key):
    r.set(key, "v", ex=100)
    assert r.execute_command("GETEX", key, "PERSIST") == b"v"
    assert r.ttl(key) == -1


def test_getex_with_a_past_absolute_time_replies_then_deletes(r, key):
    r.set(key, "v")
    assert r.execute_command("GETEX", key, "PXAT", "1") == b"v"
    assert r.exists(key) == 0


def test_getex_of_a_missing_key_is_null_even_with_a_bad_time(r, key):
    assert r.execute_command("GETEX", key, "EX", "-1") is None


@pytest.mark.parametrize("options", [["PERSIST", "EX", "10"], ["EX", "10", "PX", "10"], ["NX"], ["KEEPTTL"]],
                         ids=lambda options: "-".join(options))
def test_getex_contradicting_or_unknown_options_are_a_syntax_error(r, key, options):
    with pytest.raises(redis.ResponseError, match=r"^syntax error$"):
        r.execute_command("GETEX", key, *options)


def test_getdel_replies_with_the_value_and_deletes_the_key(r, key):
    r.set(key, "v")
    assert r.execute_command("GETDEL", key) == b"v"
    assert r.execute_command("GETDEL", key) is None
    assert r.exists(key) == 0


# --- EXPIRE and friends ---------------------------------------------------------------------


def test_expire_sets_a_ttl_and_replies_1(r, key):
    r.set(key, "v")
    assert r.execute_command("EXPIRE", key, "100") == 1
    assert 99 <= r.ttl(key) <= 100


def test_expire_of_a_missing_key_replies_0(r, key):
    assert r.execute_command("EXPIRE", key, "100") == 0


def test_pexpire_sets_a_ttl_in_ms(r, key):
    r.set(key, "v")
    assert r.execute_command("PEXPIRE", key, "100000") == 1
    assert 99_000 <= r.pttl(key) <= 100_000


def test_expireat_and_pexpireat_set_absolute_deadlines(r, key):
    r.set(key, "v")
    at = int(time.time()) + 100
    assert r.execute_command("EXPIREAT", key, at) == 1
    assert r.execute_command("EXPIRETIME", key) == at
    assert r.execute_command("PEXPIREAT", key, at * 1000 + 123) == 1
    assert r.execute_command("PEXPIRETIME", key) == at * 1000 + 123


@pytest.mark.parametrize("command, amount", [("EXPIRE", "0"), ("EXPIRE", "-10"), ("PEXPIRE", "-1"),
                                             ("EXPIREAT", "1"), ("PEXPIREAT", "0")])
def test_a_time_already_past_deletes_the_key_and_replies_1(r, key, command, amount):
    r.set(key, "v")
    assert r.execute_command(command, key, amount) == 1
    assert r.exists(key) == 0


def test_expire_nx_only_sets_a_ttl_on_a_key_without_one(r, key):
    r.set(key, "v")
    assert r.execute_command("EXPIRE", key, "100", "NX") == 1
    assert 99 <= r.ttl(key) <= 100
    assert r.execute_command("EXPIRE", key, "200", "NX") == 0
    assert 99 <= r.ttl(key) <= 100


def test_expire_xx_only_changes_an_existing_ttl(r, key):
    r.set(key, "v")
    assert r.execute_command("EXPIRE", key, "100", "XX") == 0
    assert r.ttl(key) == -1
    r.expire(key, 100)
    assert r.execute_command("EXPIRE", key, "200", "XX") == 1
    assert 199 <= r.ttl(key) <= 200


def test_expire_gt_only_lengthens_and_treats_no_ttl_as_infinite(r, key):
    r.set(key, "v")
    assert r.execute_command("EXPIRE", key, "100", "GT") == 0  # forever is longer
    assert r.ttl(key) == -1
    r.expire(key, 100)
    assert r.execute_command("EXPIRE", key, "50", "GT") == 0
    assert 99 <= r.ttl(key) <= 100
    assert r.execute_command("EXPIRE", key, "200", "GT") == 1
    assert 199 <= r.ttl(key) <= 200


def test_expire_lt_only_shortens_and_treats_no_ttl_as_infinite(r, key):
    r.set(key, "v")
    assert r.execute_command("EXPIRE", key, "100", "LT") == 1  # shorter than forever
    assert 99 <= r.ttl(key) <= 100
    assert r.execute_command("EXPIRE", key, "200", "LT") == 0
    assert 99 <= r.ttl(key) <= 100
    assert r.execute_command("EXPIRE", key, "50", "lt") == 1
    assert 49 <= r.ttl(key) <= 50


@pytest.mark.parametrize("options, message", [
    (["NX", "XX"], "NX and XX, GT or LT options at the same time are not compatible"),
    (["NX", "GT"], "NX and XX, GT or LT options at the same time are not compatible"),
    (["GT", "LT"], "GT and LT options at the same time are not compatible"),
    (["SOON"], "Unsupported option SOON"),
], ids=["nx-xx", "nx-gt", "gt-lt", "unknown"])
def test_expire_option_errors(r, key, options, message):
    r.set(key, "v")
    with pytest.raises(redis.ResponseError, match=rf"^{message}$"):
        r.execute_command("EXPIRE", key, "100", *options)


@pytest.mark.parametrize("command, amount", [("EXPIRE", "9223372036854776"),
                                             ("PEXPIRE", "9223372036854775807"),
                                             ("EXPIREAT", "-9223372036854776")])
def test_expire_refuses_times_that_overflow(r, key, command, amount):
    r.set(key, "v")
    with pytest.raises(redis.ResponseError, match=rf"^invalid expire time in '{command.lower()}' command$"):
        r.execute_command(command, key, amount)


def test_expire_refuses_a_time_that_is_not_an_integer(r, key):
    r.set(key, "v")
    with pytest.raises(redis.ResponseError, match=r"^value is not an integer or out of range$"):
        r.execute_command("EXPIRE", key, "soon")


def test_ttl_is_minus_2_for_a_missing_key_and_minus_1_without_ttl(r, key):
    assert r.ttl(key) == -2 and r.pttl(key) == -2
    r.set(key, "v")
    assert r.ttl(key) == -1 and r.pttl(key) == -1
    assert r.execute_command("EXPIRETIME", key) == -1 and r.execute_command("PEXPIRETIME", key) == -1


def test_ttl_rounds_to_the_nearest_second(r, key):
    # 100.9 s left: rounded that is 101 s (truncated it would be 100) for the
    # next 400 ms. Read between two PTTLs, TTL must be one of their roundings
    # however long the reads take.
    r.set(key, "v", px=100_900)
    before, ttl, after = r.pttl(key), r.ttl(key), r.pttl(key)
    assert (after + 500) // 1000 <= ttl <= (before + 500) // 1000
    if after >= 100_500:  # read in time to tell rounding from truncation
        assert ttl == 101


def test_persist_removes_the_ttl_and_says_whether_there_was_one(r, key):
    r.set(key, "v", ex=100)
    assert r.persist(key) == 1
    assert r.ttl(key) == -1
    assert r.persist(key) == 0
    assert r.persist(f"{key}:missing") == 0


def test_incr_keeps_the_ttl(r, key):
    r.set(key, "1", ex=100)
    r.execute_command("INCR", key)
    assert 99 <= r.ttl(key) <= 100


# --- arity ---------------------------------------------------------------------------------------

# The commands of this step, and their arity as Redis's COMMAND gives it
# (negative: at least that many words, the name included).
ARITY = {"SETNX": 3, "SETEX": 4, "PSETEX": 4, "GETEX": -2, "GETDEL": 2, "EXPIRE": -3, "PEXPIRE": -3,
         "EXPIREAT": -3, "PEXPIREAT": -3, "TTL": 2, "PTTL": 2, "EXPIRETIME": 2, "PEXPIRETIME": 2,
         "PERSIST": 2, "DBSIZE": 1, "DEBUG": -2}


@pytest.mark.parametrize("words", wrong_arity_cases(ARITY), ids=" ".join)
def test_expiry_commands_with_the_wrong_number_of_arguments_are_refused(call, words):
    assert call(*words) == wrong_arity(words[0].lower())


# --- the two ways keys expire ----------------------------------------------------------------


EXPIRED_KEY_REPLIES = [(["GET"], None), (["EXISTS"], 0), (["TTL"], -2), (["PTTL"], -2), (["DEL"], 0),
                       (["PERSIST"], 0), (["GETDEL"], None), (["GETEX"], None), (["EXPIRE", "100"], 0),
                       (["INCR"], 1)]


def test_an_expired_key_is_gone_for_every_command(call, key, no_active_expiry):
    # A key of its own for each command, so that each meets a key that has
    # expired but is still in the keyspace.
    at = ms_now() + 100
    for n in range(len(EXPIRED_KEY_REPLIES)):
        call("SET", f"{key}:{n}", "1", "PXAT", at)
    wait_past(at)
    for n, (words, reply) in enumerate(EXPIRED_KEY_REPLIES):
        assert call(words[0], f"{key}:{n}", *words[1:]) == reply, words


def test_lazy_expiry_deletes_a_key_when_it_is_touched(r, key, no_active_expiry):
    at = ms_now() + 100
    for n in range(100):
        r.set(f"{key}:{n}", "v", pxat=at)
    wait_past(at)
    assert r.dbsize() == 100  # expired, but nobody has looked yet
    for n in range(100):
        assert r.get(f"{key}:{n}") is None
    assert r.dbsize() == 0


def test_active_expiry_reclaims_20k_keys_nobody_touches(r, key):
    pipeline = r.pipeline(transaction=False)
    for n in range(20_000):
        pipeline.set(f"{key}:{n}", "v", px=100)
    pipeline.execute()
    assert wait_until(lambda: r.dbsize() == 0), f"{r.dbsize()} keys left"


def test_active_expiry_leaves_keys_without_a_ttl_alone(r, key):
    r.set(f"{key}:forever", "v")
    for n in range(1000):
        r.set(f"{key}:{n}", "v", px=10)
    assert wait_until(lambda: r.dbsize() == 1)
    assert r.get(f"{key}:forever") == b"v"


# --- DBSIZE, FLUSHALL, DEBUG ------------------------------------------------------------------


def test_dbsize_counts_keys(r, key):
    r.set(f"{key}:1", "a")
    r.set(f"{key}:2", "b")
    assert r.dbsize() == 2


def test_flushall_removes_every_key(r, call, key):
    r.set(key, "v", ex=100)
    assert call("FLUSHALL") == "OK"
    assert r.dbsize() == 0


@pytest.mark.parametrize("mode", ["ASYNC", "sync"])
def test_flushall_async_and_sync_remove_every_key(call, r, key, mode):
    r.set(key, "v", ex=100)
    r.set(key + "2", "v")
    assert call("FLUSHALL", mode) == "OK"
    assert r.dbsize() == 0


def test_flushall_with_another_argument_is_a_syntax_error_and_removes_nothing(call, r, key):
    r.set(key, "v")
    assert call("FLUSHALL", "LATER") == "ERR syntax error"
    assert r.get(key) == b"v"


def test_debug_with_an_unknown_subcommand_suggests_help(debug):
    assert debug("fly") == "ERR unknown subcommand or wrong number of arguments for 'fly'. Try DEBUG HELP."
