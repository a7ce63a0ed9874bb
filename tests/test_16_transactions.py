"""Step 16: transactions.

MULTI queues commands, EXEC runs them with nobody else's command in between,
DISCARD drops them. WATCH makes EXEC run them only if no watched key
changed since: optimistic locking, which redis-py's pipelines and its
transaction() helper are built on.
"""

from __future__ import annotations

import pytest

from clients import RawConnection, encode_command, redis_py
from helpers import same_command_table_entries
from resp3 import Frame
from scenarios import run_scenario, wait_until_blocked

EXECABORT = "EXECABORT Transaction discarded because of previous errors."


# --- MULTI, EXEC, DISCARD ----------------------------------------------------------------------

def test_commands_inside_multi_are_queued_and_exec_runs_them(raw):
    connection = raw()
    assert connection.call("MULTI") == "OK"
    assert connection.call("SET", "a", "1") == "QUEUED"
    assert connection.call("INCR", "a") == "QUEUED"
    assert connection.call("GET", "a") == "QUEUED"
    assert connection.call("EXEC") == ["OK", 2, b"2"]


def test_queued_commands_do_not_run_before_exec(raw):
    writer, reader = raw(), raw()
    writer.call("MULTI")
    writer.call("SET", "k", "v")
    assert reader.call("GET", "k") is None
    writer.call("EXEC")
    assert reader.call("GET", "k") == b"v"


def test_exec_of_an_empty_transaction_is_an_empty_list(call, raw):
    connection = raw()
    connection.call("MULTI")
    assert connection.call("EXEC") == []


def test_discard_drops_the_queue(raw):
    connection = raw()
    connection.call("MULTI")
    connection.call("SET", "k", "v")
    assert connection.call("DISCARD") == "OK"
    assert connection.call("GET", "k") is None
    assert connection.call("EXEC") == "ERR EXEC without MULTI"


def test_an_unknown_command_while_queueing_aborts_the_transaction(raw):
    connection = raw()
    connection.call("MULTI")
    connection.call("SET", "k", "v")
    assert connection.call("NOSUCHCOMMAND").startswith("ERR unknown command 'NOSUCHCOMMAND'")
    assert connection.call("EXEC") == EXECABORT
    assert connection.call("GET", "k") is None


def test_wrong_arity_while_queueing_aborts_the_transaction(raw):
    connection = raw()
    connection.call("MULTI")
    assert connection.call("GET") == "ERR wrong number of arguments for 'get' command"
    assert connection.call("SET", "k", "v") == "QUEUED"  # queueing goes on
    assert connection.call("EXEC") == EXECABORT
    assert connection.call("GET", "k") is None


def test_errors_when_running_do_not_roll_back(raw):
    connection = raw()
    connection.call("SET", "string", "x")
    connection.call("MULTI")
    connection.call("SET", "a", "1")
    connection.call("LPUSH", "string", "element")
    connection.call("SET", "b", "2")
    assert connection.call("EXEC") == [
        "OK", "WRONGTYPE Operation against a key holding the wrong kind of value", "OK"]
    assert connection.call("MGET", "a", "b") == [b"1", b"2"]


def test_multi_inside_multi_is_an_error_but_the_transaction_goes_on(raw):
    connection = raw()
    connection.call("MULTI")
    connection.call("SET", "k", "v")
    assert connection.call("MULTI") == "ERR MULTI calls can not be nested"
    assert connection.call("EXEC") == ["OK"]


def test_exec_and_discard_without_multi(call):
    assert call("EXEC") == "ERR EXEC without MULTI"
    assert call("DISCARD") == "ERR DISCARD without MULTI"


def test_watch_inside_multi_is_not_allowed(raw):
    connection = raw()
    connection.call("MULTI")
    assert connection.call("WATCH", "k") == "ERR WATCH inside MULTI is not allowed"
    assert connection.call("EXEC") == []  # and it does not abort the transaction


def test_reset_inside_multi_drops_the_transaction(raw):
    connection = raw()
    connection.call("MULTI")
    connection.call("SET", "k", "v")
    assert connection.call("RESET") == "RESET"
    assert connection.call("EXEC") == "ERR EXEC without MULTI"


def test_exec_replies_in_resp3_keep_their_types(resp3):
    connection = resp3()
    connection.call("MULTI")
    connection.call("HSET", "h", "f", "v")
    connection.call("HGETALL", "h")
    connection.call("GET", "missing")
    assert connection.call("EXEC") == Frame("array", (
        Frame("integer", b"1"),
        Frame("map", ((Frame("bulk", b"f"), Frame("bulk", b"v")),)),
        Frame("null", b"")))


def test_client_list_shows_a_client_in_multi(raw):
    connection = raw()
    client_id = connection.call("CLIENT", "ID")
    connection.call("MULTI")
    connection.call("SET", "a", "1")
    connection.call("SET", "b", "2")
    line = raw().call("CLIENT", "LIST", "ID", client_id)
    connection.call("DISCARD")
    assert b" flags=x " in line and b" multi=2 " in line


def test_subscribe_inside_a_transaction_subscribes_when_exec_runs(raw):
    subscriber, publisher = raw(), raw()
    subscriber.call("MULTI")
    subscriber.call("SUBSCRIBE", "news")
    assert publisher.call("PUBLISH", "news", "too early") == 0
    assert subscriber.call("EXEC") == [[b"subscribe", b"news", 1]]
    assert publisher.call("PUBLISH", "news", "now") == 1
    assert subscriber.read_reply() == [b"message", b"news", b"now"]


# --- blocking commands inside a transaction do not block --------------------------------------

def test_blocking_pops_inside_exec_reply_as_if_timed_out(raw):
    connection = raw()
    connection.call("MULTI")
    for words in (["BLPOP", "missing", "0"], ["BZPOPMIN", "missing", "0"], ["BLMPOP", "0", "1", "missing", "LEFT"],
                  ["BLMOVE", "missing", "target", "LEFT", "LEFT", "0"]):
        connection.call(*words)
    connection.send(encode_command("EXEC"))
    assert connection.read_line() == b"*4\r\n"
    assert [connection.read_line() for _ in range(4)] == [b"*-1\r\n", b"*-1\r\n", b"*-1\r\n", b"$-1\r\n"]


def test_blocking_pops_inside_exec_pop_what_is_there(raw):
    connection = raw()
    connection.call("RPUSH", "list", "a")
    connection.call("MULTI")
    connection.call("BLPOP", "list", "0")
    assert connection.call("EXEC") == [[b"list", b"a"]]


def test_a_transaction_that_pushes_wakes_a_blocked_client_after_exec(raw):
    waiting, pusher = raw(), raw()
    waiting_id = waiting.call("CLIENT", "ID")
    waiting.send(encode_command("BLPOP", "queue", "0"))
    wait_until_blocked(pusher, waiting_id)
    pusher.call("MULTI")
    pusher.call("RPUSH", "queue", "x")
    pusher.call("LLEN", "queue")
    assert pusher.call("EXEC") == [1, 1]  # the waiting client is served only after the whole EXEC
    assert waiting.read_reply() == [b"queue", b"x"]


# --- WATCH -------------------------------------------------------------------------------------

@pytest.fixture
def watcher(raw):
    """A connection that has said WATCH for `key` and then MULTI, with one command queued."""
    def start(*keys: str, db: int = 0) -> RawConnection:
        connection = raw()
        if db:
            connection.call("SELECT", db)
        assert connection.call("WATCH", *keys) == "OK"
        return connection
    return start


def exec_after(connection: RawConnection) -> object:
    connection.call("MULTI")
    connection.call("SET", "outcome", "ran")
    return connection.call("EXEC")


def test_exec_runs_when_no_watched_key_changed(watcher, call):
    connection = watcher("k")
    call("SET", "other", "1")
    assert exec_after(connection) == ["OK"]


def test_a_write_by_another_client_makes_exec_fail_with_a_null(watcher, call):
    connection = watcher("k")
    call("SET", "k", "changed")
    assert exec_after(connection) is None
    assert call("GET", "outcome") is None  # nothing ran


def test_a_failed_exec_is_a_null_array(watcher, call):
    connection = watcher("k")
    call("SET", "k", "changed")
    connection.call("MULTI")
    connection.send(encode_command("EXEC"))
    assert connection.read_line() == b"*-1\r\n"


def test_the_watchers_own_write_breaks_its_watch_too(watcher):
    connection = watcher("k")
    connection.call("SET", "k", "mine")
    assert exec_after(connection) is None


def test_a_write_that_changes_nothing_does_not_break_a_watch(watcher, call):
    call("SADD", "set", "a")
    connection = watcher("set")
    assert call("SADD", "set", "a") == 0
    assert exec_after(connection) == ["OK"]


@pytest.mark.parametrize("words", [
    ["DEL", "k"], ["EXPIRE", "k", "100"], ["RENAME", "other", "k"], ["APPEND", "k", "!"], ["INCR", "n"],
    ["MOVE", "k", "5"], ["LPUSH", "list", "x"], ["HSET", "hash", "f", "v"], ["ZADD", "zset", "1", "m"],
    ["SADD", "set", "x"], ["FLUSHDB"], ["FLUSHALL"], ["SWAPDB", "0", "1"],
])
def test_each_kind_of_change_breaks_a_watch(watcher, call, words):
    call("MSET", "k", "v", "n", "1", "other", "o")
    connection = watcher("k", "n", "list", "hash", "zset", "set")
    call(*words)
    assert exec_after(connection) is None


def test_flushall_does_not_break_the_watch_of_a_key_that_did_not_exist(watcher, call):
    connection = watcher("missing")
    call("SET", "elsewhere", "1")
    call("FLUSHALL")
    assert exec_after(connection) == ["OK"]


def test_a_watch_remembers_the_database_of_its_key(watcher, on_db):
    connection = watcher("k")
    on_db(1).call("SET", "k", "in another database")
    assert exec_after(connection) == ["OK"]


def test_a_watch_in_another_database_is_broken_there(watcher, on_db):
    connection = watcher("k", db=3)
    on_db(3).call("SET", "k", "changed")
    assert exec_after(connection) is None


def test_swapdb_breaks_a_watch_on_a_key_the_other_database_has(watcher, on_db):
    connection = watcher("k")
    on_db(4).call("SET", "k", "in four")
    on_db(0).call("SWAPDB", "0", "4")
    assert exec_after(connection) is None


def test_a_watched_key_that_expires_breaks_the_watch(watcher, call, no_active_expiry):
    call("SET", "k", "v", "PX", "50")
    call("SET", "clock", "v", "PX", "50")  # a key that expires at the same time, to wait on
    connection = watcher("k")
    while call("EXISTS", "clock"):
        pass  # looking at "clock" deletes it once its time is up; "k" is not touched
    assert exec_after(connection) is None


def test_exec_unwatches_everything_whether_it_ran_or_not(watcher, call):
    connection = watcher("k")
    call("SET", "k", "changed")
    assert exec_after(connection) is None
    call("SET", "k", "changed again")
    assert exec_after(connection) == ["OK"]


def test_unwatch_forgets_the_watched_keys(watcher, call):
    connection = watcher("k")
    assert connection.call("UNWATCH") == "OK"
    call("SET", "k", "changed")
    assert exec_after(connection) == ["OK"]


def test_discard_forgets_the_watched_keys(watcher, call):
    connection = watcher("k")
    connection.call("MULTI")
    connection.call("DISCARD")
    call("SET", "k", "changed")
    assert exec_after(connection) == ["OK"]


def test_a_broken_watch_shows_in_client_list(watcher, call, raw):
    connection = watcher("k")
    call("SET", "k", "changed")
    line = raw().call("CLIENT", "LIST", "ID", connection.call("CLIENT", "ID"))
    assert b" flags=d " in line


def test_a_client_that_hangs_up_while_watching_is_forgotten(watcher, call):
    watcher("k").close()
    assert call("SET", "k", "v") == "OK"
    assert call("PING") == "PONG"


# --- clients as users run them -----------------------------------------------------------------

def test_redis_py_transaction_pipeline(server):
    client = redis_py(server.host, server.port)
    try:
        with client.pipeline(transaction=True) as pipe:
            pipe.set("a", "1").incr("a").get("a")
            assert pipe.execute() == [True, 2, b"2"]
    finally:
        client.close()


def test_redis_py_transaction_helper_retries_when_another_client_wins(server):
    """Two clients race to add to one counter; WATCH makes the loser try again."""
    client, rival = redis_py(server.host, server.port), redis_py(server.host, server.port)
    attempts = []

    def add_ten(pipe) -> None:
        current = int(pipe.get("counter") or 0)
        if not attempts:
            rival.incr("counter")  # the rival writes between our read and our EXEC
        attempts.append(current)
        pipe.multi()
        pipe.set("counter", current + 10)

    try:
        client.transaction(add_ten, "counter")
        assert attempts == [0, 1]  # the first EXEC failed, the second saw the rival's write
        assert client.get("counter") == b"11"
    finally:
        client.close()
        rival.close()


# --- the same schedule on the step and on Redis -------------------------------------------------

SCENARIOS = {
    "two clients race with WATCH": """
        A: SET counter 10
        A: WATCH counter
        B: WATCH counter
        A: GET counter
        B: GET counter
        A: MULTI
        A: SET counter 11
        B: MULTI
        B: SET counter 20
        A: EXEC
        B: EXEC
        B: GET counter
    """,
    "queue-time and run-time errors": """
        A: SET s x
        A: MULTI
        A: LPUSH s a
        A: INCR s
        A: SET s y
        A: EXEC
        A: MULTI
        A: SET t 1
        A: NOSUCH
        A: EXEC
        A: EXISTS t
    """,
    "subscribe inside a transaction": """
        A: MULTI
        A: SUBSCRIBE news
        A: PING
        A: EXEC
        B: PUBLISH news hello
        A: <
        A: PING
    """,
    "watch, expire and delete": """
        A: SET k v
        A: WATCH k
        B: EXPIRE k 100
        A: MULTI
        A: GET k
        A: EXEC
        A: WATCH missing
        B: DEL missing
        A: MULTI
        A: PING
        A: EXEC
    """,
}


@pytest.mark.parametrize("protocol", [2, 3])
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_transaction_scenarios_go_as_on_redis(server, reference_redis, scenario, protocol):
    ours = run_scenario(server.host, server.port, SCENARIOS[scenario], protocol)
    theirs = run_scenario(reference_redis.host, reference_redis.port, SCENARIOS[scenario], protocol)
    assert ours == theirs


def test_command_info_and_docs_of_the_transaction_commands_agree_with_redis(call, reference_redis):
    same_command_table_entries(call, reference_redis, ["multi", "exec", "discard", "watch", "unwatch"])
