"""Step 14: blocking commands.

BLPOP, BRPOP, BLMPOP, BLMOVE, BRPOPLPUSH, BZPOPMIN, BZPOPMAX and BZMPOP pop
at once when there is something to pop, and otherwise wait, without
blocking anyone else, until another client's command gives one of their
keys a value or their timeout passes. Tests never sleep to let a client
block: they watch CLIENT LIST until the server says the client is blocked.
"""

from __future__ import annotations

import asyncio
import time

import pytest
import redis.asyncio

from clients import RawConnection, encode_command, redis_py
from helpers import same_command_table_entries
from resp3 import Frame
from scenarios import DEADLINE, run_scenario, wait_until_blocked

@pytest.fixture
def blocker(raw):
    """blocker(command) sends a blocking command on a new connection and
    returns that connection once the server has the client blocked."""
    watcher = raw()

    def start(*words: str | bytes) -> RawConnection:
        connection = raw()
        client_id = connection.call("CLIENT", "ID")
        connection.send(encode_command(*words))
        wait_until_blocked(watcher, client_id)
        connection.client_id = client_id
        return connection

    start.watcher = watcher
    return start


# --- when there is something to pop, nothing blocks ---------------------------------------

def test_blpop_pops_from_the_first_key_that_has_a_list(call):
    call("RPUSH", "second", "a", "b")
    call("RPUSH", "third", "c")
    assert call("BLPOP", "first", "second", "third", "0") == [b"second", b"a"]


def test_brpop_pops_from_the_tail(call):
    call("RPUSH", "list", "a", "b")
    assert call("BRPOP", "list", "0") == [b"list", b"b"]


def test_blmpop_pops_up_to_count(call):
    call("RPUSH", "list", "a", "b", "c")
    assert call("BLMPOP", "0", "2", "missing", "list", "RIGHT", "COUNT", "2") == [b"list", [b"c", b"b"]]


def test_blmove_moves_at_once(call):
    call("RPUSH", "source", "a", "b")
    assert call("BLMOVE", "source", "target", "LEFT", "RIGHT", "0") == b"a"
    assert call("LRANGE", "target", "0", "-1") == [b"a"]


def test_brpoplpush_is_blmove_right_left(call):
    call("RPUSH", "source", "a", "b")
    assert call("BRPOPLPUSH", "source", "target", "0") == b"b"


def test_bzpopmin_and_bzpopmax_reply_key_member_and_score(call):
    call("ZADD", "z", "1", "low", "2.5", "high")
    assert call("BZPOPMIN", "missing", "z", "0") == [b"z", b"low", b"1"]
    assert call("BZPOPMAX", "z", "0") == [b"z", b"high", b"2.5"]


def test_bzmpop_pops_up_to_count(call):
    call("ZADD", "z", "1", "a", "2", "b", "3", "c")
    assert call("BZMPOP", "0", "1", "z", "MAX", "COUNT", "2") == [b"z", [[b"c", b"3"], [b"b", b"2"]]]


def test_a_key_of_another_type_before_the_first_list_is_an_error(call):
    call("SET", "string", "x")
    call("RPUSH", "list", "a")
    assert call("BLPOP", "string", "list", "0") == \
        "WRONGTYPE Operation against a key holding the wrong kind of value"
    assert call("BLPOP", "list", "string", "0") == [b"list", b"a"]


def test_the_last_element_popped_deletes_the_key(call):
    call("RPUSH", "list", "only")
    call("BLPOP", "list", "0")
    assert call("EXISTS", "list") == 0


# --- timeouts ----------------------------------------------------------------------------------

def test_a_timeout_replies_a_null_array(raw):
    connection = raw()
    started = time.monotonic()
    connection.send(encode_command("BLPOP", "missing", "0.2"))
    assert connection.read_line() == b"*-1\r\n"
    # It did wait that long, give or take the millisecond deadlines are rounded to.
    assert time.monotonic() - started >= 0.199


@pytest.mark.parametrize("words", [["BRPOP", "missing", "0.05"], ["BLMPOP", "0.05", "1", "missing", "LEFT"],
                                   ["BLMOVE", "missing", "target", "LEFT", "LEFT", "0.05"],
                                   ["BRPOPLPUSH", "missing", "target", "0.05"], ["BZPOPMIN", "missing", "0.05"],
                                   ["BZMPOP", "0.05", "1", "missing", "MIN"]])
def test_every_blocking_command_times_out_with_a_null_array(raw, words):
    connection = raw()
    connection.send(encode_command(*words))
    assert connection.read_line() == b"*-1\r\n"


def test_a_timeout_in_resp3_is_the_null(resp3):
    assert resp3().call("BLPOP", "missing", "0.05") == Frame("null", b"")


def test_a_tiny_timeout_waits_a_millisecond_not_for_ever(call):
    assert call("BLPOP", "missing", "0.0001") is None


@pytest.mark.parametrize("timeout, error", [
    ("-1", "ERR timeout is negative"),
    ("-0.5", "ERR timeout is negative"),
    ("inf", "ERR timeout is negative"),
    ("1e16", "ERR timeout is negative"),
    ("abc", "ERR timeout is not a float or out of range"),
    ("nan", "ERR timeout is not a float or out of range"),
    ("", "ERR timeout is not a float or out of range"),
    (" 1", "ERR timeout is not a float or out of range"),
])
def test_bad_timeouts_get_redis_errors(call, timeout, error):
    assert call("BLPOP", "k", timeout) == error
    assert call("BZPOPMIN", "k", timeout) == error
    assert call("BLMOVE", "k", "d", "LEFT", "LEFT", timeout) == error


def test_blmpop_checks_its_syntax_before_its_timeout(call):
    assert call("BLMPOP", "-1", "1", "k", "UP") == "ERR syntax error"
    assert call("BLMPOP", "-1", "0", "k", "LEFT") == "ERR numkeys should be greater than 0"
    assert call("BLMPOP", "-1", "1", "k", "LEFT") == "ERR timeout is negative"


def test_blmove_checks_its_sides_before_its_timeout(call):
    assert call("BLMOVE", "a", "b", "UP", "LEFT", "-1") == "ERR syntax error"


# --- being woken -------------------------------------------------------------------------------

def test_a_push_from_another_client_wakes_a_blocked_client(blocker, call):
    waiting = blocker("BLPOP", "queue", "0")
    assert call("RPUSH", "queue", "job") == 1
    assert waiting.read_reply() == [b"queue", b"job"]
    assert call("EXISTS", "queue") == 0  # the pushed element went straight to the waiting client


def test_the_pusher_sees_the_list_after_the_waiter_took_its_element(blocker, call):
    blocker("BLPOP", "queue", "0")
    assert call("RPUSH", "queue", "a", "b") == 2  # the push reply counts both
    assert call("LRANGE", "queue", "0", "-1") == [b"b"]


def test_clients_are_served_first_come_first_served(blocker, call):
    first = blocker("BLPOP", "queue", "0")
    second = blocker("BLPOP", "queue", "0")
    call("RPUSH", "queue", "one")
    assert first.read_reply() == [b"queue", b"one"]
    wait_until_blocked(blocker.watcher, second.client_id)  # the list is empty again: it waits on
    call("RPUSH", "queue", "two")
    assert second.read_reply() == [b"queue", b"two"]


def test_a_client_waiting_on_several_keys_is_served_by_the_one_that_gets_a_value(blocker, call):
    waiting = blocker("BRPOP", "a", "b", "c", "0")
    call("LPUSH", "c", "x")
    assert waiting.read_reply() == [b"c", b"x"]


def test_a_command_after_the_push_in_the_same_pipeline_comes_too_late(blocker, raw):
    waiting = blocker("BLPOP", "queue", "0")
    pusher = raw()
    pusher.send(encode_command("RPUSH", "queue", "x") + encode_command("LPOP", "queue"))
    assert pusher.read_reply() == 1
    assert pusher.read_reply() is None  # the waiting client was served right after the RPUSH
    assert waiting.read_reply() == [b"queue", b"x"]


def test_a_key_that_becomes_another_type_keeps_the_client_waiting(blocker, call):
    waiting = blocker("BLPOP", "key", "0")
    call("SET", "key", "a string")
    wait_until_blocked(blocker.watcher, waiting.client_id)
    call("DEL", "key")
    call("RPUSH", "key", "element")
    assert waiting.read_reply() == [b"key", b"element"]


def test_a_list_waiter_and_a_zset_waiter_on_one_key_each_wait_for_their_type(blocker, call):
    list_waiter = blocker("BLPOP", "key", "0")
    zset_waiter = blocker("BZPOPMIN", "key", "0")
    call("ZADD", "key", "1", "member")
    assert zset_waiter.read_reply() == [b"key", b"member", b"1"]
    wait_until_blocked(blocker.watcher, list_waiter.client_id)


def test_zadd_wakes_bzpopmax(blocker, call):
    waiting = blocker("BZPOPMAX", "z", "0")
    call("ZADD", "z", "1", "a", "3", "c", "2", "b")
    assert waiting.read_reply() == [b"z", b"c", b"3"]
    assert call("ZRANGE", "z", "0", "-1") == [b"a", b"b"]


def test_bzmpop_woken_takes_up_to_count(blocker, call):
    waiting = blocker("BZMPOP", "0", "1", "z", "MIN", "COUNT", "5")
    call("ZADD", "z", "1", "a", "2", "b")
    assert waiting.read_reply() == [b"z", [[b"a", b"1"], [b"b", b"2"]]]


def test_blmpop_woken_takes_up_to_count(blocker, call):
    waiting = blocker("BLMPOP", "0", "2", "x", "y", "LEFT", "COUNT", "2")
    call("RPUSH", "y", "1", "2", "3")
    assert waiting.read_reply() == [b"y", [b"1", b"2"]]


def test_blmove_woken_pushes_to_its_destination_and_that_wakes_the_next(blocker, call):
    mover = blocker("BLMOVE", "inbox", "work", "RIGHT", "LEFT", "0")
    worker = blocker("BLPOP", "work", "0")
    call("RPUSH", "inbox", "task")
    assert mover.read_reply() == b"task"
    assert worker.read_reply() == [b"work", b"task"]


def test_blmove_woken_onto_a_key_of_another_type_gets_wrongtype(blocker, call):
    mover = blocker("BLMOVE", "inbox", "target", "LEFT", "LEFT", "0")
    call("SET", "target", "a string")
    call("RPUSH", "inbox", "x")
    assert mover.read_reply() == "WRONGTYPE Operation against a key holding the wrong kind of value"
    assert call("LRANGE", "inbox", "0", "-1") == [b"x"]  # nothing moved


@pytest.mark.parametrize("words", [["RENAME", "other", "key"], ["COPY", "other", "key"],
                                   ["LMOVE", "other", "key", "LEFT", "LEFT"],
                                   ["SORT", "other", "ALPHA", "STORE", "key"]])
def test_a_key_created_by_another_command_wakes_the_client(blocker, call, words):
    call("RPUSH", "other", "value")
    waiting = blocker("BLPOP", "key", "0")
    call(*words)
    assert waiting.read_reply() == [b"key", b"value"]


def test_move_from_another_database_wakes_the_client(blocker, on_db, call):
    waiting = blocker("BLPOP", "key", "0")
    elsewhere = on_db(3)
    elsewhere.call("RPUSH", "key", "value")
    assert elsewhere.call("MOVE", "key", "0") == 1
    assert waiting.read_reply() == [b"key", b"value"]


def test_swapdb_wakes_a_client_whose_key_the_other_database_has(blocker, on_db, call):
    waiting = blocker("BLPOP", "key", "0")
    on_db(5).call("RPUSH", "key", "from five")
    assert call("SWAPDB", "0", "5") == "OK"
    assert waiting.read_reply() == [b"key", b"from five"]


def test_a_client_waits_in_its_own_database(blocker, on_db, call):
    on_db(2).send(encode_command("BLPOP", "key", "0"))
    call("RPUSH", "key", "in db 0")
    assert call("LLEN", "key") == 1  # nobody waits for db 0's key


def test_commands_sent_after_a_blocking_one_wait_for_it(blocker, raw, call):
    connection = raw()
    client_id = connection.call("CLIENT", "ID")
    connection.send(encode_command("BLPOP", "key", "0") + encode_command("PING"))
    wait_until_blocked(blocker.watcher, client_id)
    call("RPUSH", "key", "x")
    assert connection.read_reply() == [b"key", b"x"]
    assert connection.read_reply() == "PONG"


def test_a_blocked_client_that_hangs_up_is_forgotten(blocker, call):
    waiting = blocker("BLPOP", "key", "0")
    waiting.close()
    deadline = time.monotonic() + DEADLINE
    while b"blocked_clients:0" not in call("INFO", "clients"):
        assert time.monotonic() < deadline, "the server still counts a client that hung up"
    call("RPUSH", "key", "kept")
    assert call("LRANGE", "key", "0", "-1") == [b"kept"]


def test_other_clients_are_served_while_one_is_blocked(blocker, call):
    blocker("BLPOP", "key", "0")
    assert call("SET", "x", "1") == "OK"
    assert call("GET", "x") == b"1"


# --- CLIENT and INFO know about blocked clients ---------------------------------------------

def test_client_list_flags_a_blocked_client(blocker):
    waiting = blocker("BLPOP", "key", "0")
    line = blocker.watcher.call("CLIENT", "LIST", "ID", waiting.client_id)
    assert b" flags=b " in line and b" cmd=blpop " in line


def test_info_counts_blocked_clients(blocker, call):
    blocker("BLPOP", "a", "0")
    blocker("BZPOPMIN", "b", "c", "0")
    assert b"\r\nblocked_clients:2\r\n" in call("INFO", "clients")


def test_client_unblock_timeout_answers_as_a_timeout(blocker, call):
    waiting = blocker("BLPOP", "key", "0")
    assert call("CLIENT", "UNBLOCK", waiting.client_id) == 1
    assert waiting.read_line() == b"*-1\r\n"


def test_client_unblock_error_answers_with_an_error(blocker, call):
    waiting = blocker("BZPOPMIN", "key", "0")
    assert call("CLIENT", "UNBLOCK", waiting.client_id, "ERROR") == 1
    assert waiting.read_reply() == "UNBLOCKED client unblocked via CLIENT UNBLOCK"


def test_client_unblock_of_a_client_that_is_not_blocked(call, raw):
    assert call("CLIENT", "UNBLOCK", raw().call("CLIENT", "ID")) == 0
    assert call("CLIENT", "UNBLOCK", "999999") == 0


def test_client_unblock_bad_arguments(call):
    assert call("CLIENT", "UNBLOCK", "abc") == "ERR value is not an integer or out of range"
    assert call("CLIENT", "UNBLOCK", "1", "MAYBE") == "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"
    assert call("CLIENT", "UNBLOCK", "1", "TIMEOUT", "x") == \
        "ERR unknown subcommand or wrong number of arguments for 'UNBLOCK'. Try CLIENT HELP."


# --- clients as users run them -----------------------------------------------------------------

def test_redis_py_blpop_gets_what_another_client_pushes(server):
    async def scenario() -> list:
        popper = redis.asyncio.Redis(host=server.host, port=server.port, retry=None)
        pusher = redis.asyncio.Redis(host=server.host, port=server.port, retry=None)
        try:
            waiting = asyncio.ensure_future(popper.blpop(["jobs"], timeout=0))
            deadline = time.monotonic() + DEADLINE
            while not any(client.get("cmd") == "blpop" for client in await pusher.client_list()):
                assert time.monotonic() < deadline, "the BLPOP never blocked"
            await pusher.rpush("jobs", "job-1")
            return list(await waiting)
        finally:
            await popper.aclose()
            await pusher.aclose()

    assert asyncio.run(scenario()) == [b"jobs", b"job-1"]


def test_redis_py_blpop_times_out_with_none(server):
    client = redis_py(server.host, server.port)
    try:
        assert client.blpop(["missing"], timeout=0.1) is None
        assert client.bzpopmin(["missing"], timeout=0.1) is None
    finally:
        client.close()


# --- the same schedule on the step and on Redis -------------------------------------------------

# Schedules of several clients, run on the step and on Redis: see scenarios.py.
SCENARIOS = {
    "fifo and several keys": """
        A: BLPOP q1 q2 0 &
        B: BLPOP q2 0 &
        C: BRPOP q2 q1 0 &
        D: RPUSH q2 a b
        A: <
        B: <
        D: RPUSH q1 c
        C: <
        D: LLEN q1
    """,
    "a pipeline after the push": """
        A: BZPOPMIN z 0 &
        B: ZADD z 1 m
        B: ZCARD z
        A: <
    """,
    "chained moves": """
        A: BLMOVE a b LEFT RIGHT 0 &
        B: BLMOVE b c LEFT RIGHT 0 &
        C: BLPOP c 0 &
        D: LPUSH a x
        A: <
        B: <
        C: <
        D: EXISTS a b c
    """,
    "count and types": """
        A: BLMPOP 0 1 k RIGHT COUNT 3 &
        B: BZMPOP 0 1 k MAX COUNT 3 &
        C: ZADD k 1 a 2 b
        B: <
        C: RPUSH k x
        C: DEL k
        C: RPUSH k x y z w
        A: <
        C: LRANGE k 0 -1
    """,
}


@pytest.mark.parametrize("protocol", [2, 3])
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_blocking_scenarios_go_as_on_redis(server, reference_redis, scenario, protocol):
    ours = run_scenario(server.host, server.port, SCENARIOS[scenario], protocol)
    theirs = run_scenario(reference_redis.host, reference_redis.port, SCENARIOS[scenario], protocol)
    assert ours == theirs


BLOCKING_COMMANDS = ["blpop", "brpop", "blmpop", "blmove", "brpoplpush", "bzpopmin", "bzpopmax", "bzmpop",
                     "client|unblock"]


def test_command_info_and_docs_of_the_blocking_commands_agree_with_redis(call, reference_redis):
    same_command_table_entries(call, reference_redis, BLOCKING_COMMANDS)
