"""Step 18, a server fit for production: a config file and CONFIG REWRITE,
the limits on clients and requests, the idle timeout, SHUTDOWN and
signals, the slow log, and redis-benchmark's default run to the end.
Most tests start servers of their own (`spawn`), ours or real Redis's.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
import redis
import redis.asyncio

from clients import RawConnection
from conftest import ServerProcess
from helpers import (SYNTAX_ERROR, asyncio_client_agrees, info_field, lookups_counted, redis_cli_agrees,
                     redis_py_agrees, same_command_table_entries, wait_until)
from resp3 import same_frames


def connect(process: ServerProcess) -> RawConnection:
    return RawConnection(process.host, process.port)


def config_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "redis.conf"
    path.write_text(text)
    return str(path)


# --- the config file ---------------------------------------------------------------------

def test_a_config_file_sets_parameters_and_the_command_line_overrides_it(spawn, tmp_path):
    path = config_file(tmp_path, "# a comment\nmaxclients 50\nhz 20\n  # another\nrequirepass \"two words\"\n")
    connection = connect(spawn("--hz", "15", config_file=path))
    assert connection.call("AUTH", "two words") == "OK"
    assert connection.call("CONFIG", "GET", "maxclients") == [b"maxclients", b"50"]
    assert connection.call("CONFIG", "GET", "hz") == [b"hz", b"15"]


def test_info_names_the_config_file(spawn, tmp_path):
    path = config_file(tmp_path, "hz 10\n")
    info = connect(spawn(config_file=path)).call("INFO", "server")
    assert f"config_file:{path}\r\n".encode() in info


def test_a_bad_line_in_the_config_file_stops_the_start_and_names_the_line(spawn, tmp_path):
    path = config_file(tmp_path, "hz 10\nno-such-parameter 1\n")
    with pytest.raises(RuntimeError, match="at line 2"):
        spawn(config_file=path)


def test_config_rewrite_keeps_the_comments_and_writes_what_changed(spawn, tmp_path):
    path = config_file(tmp_path, "# my settings\nmaxclients 50\n")
    process = spawn(config_file=path)
    connection = connect(process)
    assert connection.call("CONFIG", "SET", "maxclients", "40", "timeout", "300") == "OK"
    assert connection.call("CONFIG", "REWRITE") == "OK"
    lines = Path(path).read_text().splitlines()
    assert lines[0] == "# my settings" and "maxclients 40" in lines and "timeout 300" in lines
    assert "maxclients 50" not in lines
    process.stop()
    again = connect(spawn(config_file=path))
    assert again.call("CONFIG", "GET", "timeout") == [b"timeout", b"300"]


def test_config_rewrite_writes_the_files_own_parameters_even_at_their_defaults(spawn, tmp_path):
    path = config_file(tmp_path, "timeout 300\n")
    connection = connect(spawn(config_file=path))
    connection.call("CONFIG", "SET", "timeout", "0")
    assert connection.call("CONFIG", "REWRITE") == "OK"
    lines = Path(path).read_text().splitlines()
    assert lines[0] == "timeout 0" and "hz 10" not in lines  # a default the file did not name stays out


# --- limits ------------------------------------------------------------------------------

def test_a_client_over_maxclients_is_told_and_let_go(spawn):
    process = spawn("--maxclients", "2")
    first = connect(process)
    # Whoever checked that the server was up has hung up: wait until the server knows.
    assert wait_until(lambda: info_field(first.call, "clients", "connected_clients") == "1")
    second = connect(process)
    assert first.call("PING") == "PONG" and second.call("PING") == "PONG"
    third = connect(process)
    assert third.read_line() == b"-ERR max number of clients reached\r\n"
    assert third.is_closed_by_server()
    assert b"rejected_connections:1\r\n" in first.call("INFO", "stats")


def test_a_bulk_longer_than_proto_max_bulk_len_is_a_protocol_error(call, raw):
    assert call("CONFIG", "SET", "proto-max-bulk-len", "1mb") == "OK"
    try:
        connection = raw()
        connection.send(b"*2\r\n$3\r\nGET\r\n$2000000\r\n")
        assert connection.read_line() == b"-ERR Protocol error: invalid bulk length\r\n"
        assert connection.is_closed_by_server()
    finally:
        call("CONFIG", "SET", "proto-max-bulk-len", "512mb")


@pytest.fixture
def one_megabyte_bulks(call):
    assert call("CONFIG", "SET", "proto-max-bulk-len", "1mb") == "OK"
    yield
    call("CONFIG", "SET", "proto-max-bulk-len", "512mb")


def test_proto_max_bulk_len_limits_the_strings_setrange_and_append_make(call, one_megabyte_bulks):
    too_long = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
    assert call("SETRANGE", "string", 1024 * 1024, "x") == too_long
    assert call("SETRANGE", "string", 1024 * 1024 - 1, "x") == 1024 * 1024  # exactly the limit is allowed
    assert call("APPEND", "string", "y") == too_long


def test_proto_max_bulk_len_limits_the_table_lcs_may_build(call, one_megabyte_bulks):
    call("SET", "first", "a" * 600)
    call("SET", "second", "b" * 600)  # 601 x 601 cells of 4 bytes: more than 1 MB
    assert call("LCS", "first", "second") == (
        "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")


def test_a_client_whose_input_passes_client_query_buffer_limit_is_closed(call, raw):
    assert call("CONFIG", "SET", "client-query-buffer-limit", "1mb") == "OK"
    try:
        connection = raw()
        try:
            connection.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3000000\r\n" + b"x" * 1_500_000)
            closed = connection.is_closed_by_server()
        except ConnectionError:  # it hung up while we were still sending
            closed = True
        assert closed
        assert call("PING") == "PONG"  # everyone else is served on
    finally:
        call("CONFIG", "SET", "client-query-buffer-limit", "1gb")


def test_an_idle_client_is_closed_after_timeout_but_not_a_subscriber(spawn):
    process = spawn("--timeout", "1")
    idle, subscriber = connect(process), connect(process)
    assert subscriber.call("SUBSCRIBE", "news") == [b"subscribe", b"news", 1]
    assert wait_until(lambda: not idle.is_silent_for(0.1))
    assert idle.is_closed_by_server()
    assert subscriber.call("PING") == [b"pong", b""]


# --- shutting down -----------------------------------------------------------------------

def test_shutdown_saves_and_exits_without_a_reply(spawn):
    process = spawn("--save", "3600 1")
    connection = connect(process)
    connection.call("SET", "key", "value")
    connection.send(b"*1\r\n$8\r\nSHUTDOWN\r\n")
    assert connection.is_closed_by_server()
    assert process.process.wait(10) == 0
    assert connect(spawn(directory=process.directory)).call("GET", "key") == b"value"


def test_shutdown_nosave_exits_without_saving(spawn):
    process = spawn("--save", "3600 1")
    connection = connect(process)
    connection.call("SET", "key", "value")
    connection.send(b"*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n")
    assert connection.is_closed_by_server()
    assert process.process.wait(10) == 0
    assert connect(spawn(directory=process.directory)).call("EXISTS", "key") == 0


def test_shutdown_that_cannot_save_says_so_and_keeps_serving(spawn):
    process = spawn("--save", "3600 1")
    connection = connect(process)
    connection.call("SET", "key", "value")
    shutil.rmtree(process.directory)
    assert connection.call("SHUTDOWN") == "ERR Errors trying to SHUTDOWN. Check logs."
    assert connection.call("GET", "key") == b"value"
    connection.send(b"*2\r\n$8\r\nSHUTDOWN\r\n$5\r\nFORCE\r\n")
    assert connection.is_closed_by_server()


@pytest.mark.parametrize("words, reply", [
    (["ABORT"], "ERR No shutdown in progress."),
    (["SAVE", "NOSAVE"], SYNTAX_ERROR),
    (["ABORT", "NOW"], SYNTAX_ERROR),
    (["LATER"], SYNTAX_ERROR),
])
def test_shutdown_errors(call, words, reply):
    assert call("SHUTDOWN", *words) == reply


def test_sigterm_saves_and_exits_cleanly(spawn):
    process = spawn("--save", "3600 1")
    connection = connect(process)
    connection.call("SET", "key", "value")
    # The server's own pid: under --server-cmd, the process started is a shell.
    os.kill(int(info_field(connection.call, "server", "process_id")), signal.SIGTERM)
    assert process.process.wait(10) == 0
    assert connect(spawn(directory=process.directory)).call("GET", "key") == b"value"


# --- the slow log ------------------------------------------------------------------------

@pytest.fixture
def slowlog(call):
    """Every command goes to the slow log during the test."""
    call("CONFIG", "SET", "slowlog-log-slower-than", "0")
    call("SLOWLOG", "RESET")
    yield
    call("CONFIG", "SET", "slowlog-log-slower-than", "10000", "slowlog-max-len", "128")
    call("SLOWLOG", "RESET")


def test_slowlog_get_lists_the_newest_entry_first(call, slowlog):
    call("SET", "key", "value")
    entry = call("SLOWLOG", "GET", 1)[0]
    number, timestamp, microseconds, args, address, name = entry
    assert args == [b"SET", b"key", b"value"] and microseconds >= 0 and name == b""
    assert address.startswith(b"127.0.0.1:")
    assert call("SLOWLOG", "GET", 1)[0][0] == number + 1  # that GET was logged next


def test_slowlog_len_and_reset(call, slowlog):
    call("PING")
    assert call("SLOWLOG", "LEN") >= 1
    assert call("SLOWLOG", "RESET") == "OK"
    assert call("SLOWLOG", "LEN") == 1  # the RESET itself, logged once it ran


def test_slowlog_keeps_at_most_slowlog_max_len_entries(call, slowlog):
    call("CONFIG", "SET", "slowlog-max-len", "2")
    for _ in range(5):
        call("PING")
    assert call("SLOWLOG", "LEN") == 2


def test_slowlog_cuts_long_arguments_and_long_commands(call, slowlog):
    call("DEL", "x" * 200, *[f"k{n}" for n in range(40)])
    args = call("SLOWLOG", "GET", 1)[0][3]
    assert len(args) == 32
    assert args[1] == b"x" * 128 + b"... (72 more bytes)"
    assert args[-1] == b"... (11 more arguments)"  # 42 words: 31 kept


def test_slowlog_hides_passwords(call, slowlog):
    call("AUTH", "secret")
    assert call("SLOWLOG", "GET", 1)[0][3] == [b"AUTH", b"(redacted)"]


def test_a_negative_threshold_logs_nothing(call, slowlog):
    call("CONFIG", "SET", "slowlog-log-slower-than", "-1")
    call("SLOWLOG", "RESET")
    call("PING")
    assert call("SLOWLOG", "LEN") == 0


@pytest.mark.parametrize("count", ["-2", "x"])
def test_slowlog_get_wants_a_count_of_minus_one_or_more(call, count):
    assert call("SLOWLOG", "GET", count) == "ERR count should be greater than or equal to -1"


def test_shutdown_and_slowlog_appear_in_the_command_table_as_in_redis(call, reference_redis):
    same_command_table_entries(call, reference_redis, ["shutdown", "slowlog", "slowlog|get", "slowlog|len",
                                                       "slowlog|reset", "slowlog|help"])


# --- redis-benchmark ---------------------------------------------------------------------

def test_redis_benchmark_runs_its_default_tests_to_the_end(server):
    result = subprocess.run(["redis-benchmark", "-h", server.host, "-p", str(server.port), "-n", "200", "-c", "5",
                             "--csv"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    tests = [line.split(",")[0].strip('"') for line in result.stdout.splitlines()[1:]]
    assert tests[:4] == ["PING_INLINE", "PING_MBULK", "SET", "GET"] and tests[-1] == "MSET (10 keys)"
    assert len(tests) == 20


# --- maxmemory ---------------------------------------------------------------------------

def used_memory(connection: RawConnection) -> int:
    info = connection.call("INFO", "memory")
    return int(info.split(b"used_memory:")[1].split(b"\r\n")[0])


def limited(process: ServerProcess, policy: str, headroom: int = 300_000) -> RawConnection:
    """A connection to a server whose maxmemory is a little over what it uses now."""
    connection = connect(process)
    limit = used_memory(connection) + headroom
    assert connection.call("CONFIG", "SET", "maxmemory", limit, "maxmemory-policy", policy) == "OK"
    return connection


def fill(connection: RawConnection, count: int, prefix: str = "key", ttl: bool = False) -> list:
    value = "v" * 1000
    return [connection.call("SET", f"{prefix}:{n}", value, *(["EX", 1000] if ttl else [])) for n in range(count)]


def test_noeviction_refuses_writes_past_maxmemory_and_serves_reads(spawn):
    connection = limited(spawn(), "noeviction")
    replies = fill(connection, 2000)
    assert "OOM command not allowed when used memory > 'maxmemory'." in replies
    assert connection.call("GET", "key:0") == b"v" * 1000
    assert connection.call("DEL", "key:0") == 1  # a command that frees memory still runs


@pytest.mark.parametrize("policy", ["allkeys-lru", "allkeys-lfu", "allkeys-random"])
def test_an_allkeys_policy_evicts_keys_to_stay_under_maxmemory(spawn, policy):
    connection = limited(spawn(), policy)
    assert set(fill(connection, 2000)) == {"OK"}
    evicted = int(connection.call("INFO", "stats").split(b"evicted_keys:")[1].split(b"\r\n")[0])
    assert evicted > 0 and connection.call("DBSIZE") == 2000 - evicted


@pytest.mark.parametrize("policy", ["volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"])
def test_a_volatile_policy_evicts_only_keys_with_a_ttl(spawn, policy):
    connection = limited(spawn(), policy, headroom=600_000)
    fill(connection, 100, prefix="kept")
    assert set(fill(connection, 2000, prefix="volatile", ttl=True)) == {"OK"}
    assert len(connection.call("KEYS", "kept:*")) == 100


def test_a_volatile_policy_with_no_key_to_take_refuses_writes(spawn):
    connection = limited(spawn(), "volatile-lru")
    assert "OOM command not allowed when used memory > 'maxmemory'." in fill(connection, 2000)


def test_allkeys_lfu_keeps_the_keys_in_use(spawn):
    # (LRU could not tell these apart: its clock counts seconds, and the
    # whole test takes less than one. LFU counts the reads.)
    connection = limited(spawn(), "allkeys-lfu", headroom=600_000)
    fill(connection, 20, prefix="hot")
    for _ in range(100):
        for n in range(20):
            connection.call("GET", f"hot:{n}")
    fill(connection, 2000, prefix="cold")
    assert len(connection.call("KEYS", "hot:*")) == 20


def test_an_evicted_key_fires_the_evicted_event(spawn):
    process = spawn("--notify-keyspace-events", "Ee")
    listener = connect(process)
    listener.call("SUBSCRIBE", "__keyevent@0__:evicted")
    connection = limited(process, "allkeys-random")
    fill(connection, 2000)
    assert listener.read_reply()[:2] == [b"message", b"__keyevent@0__:evicted"]


# --- OBJECT and MEMORY ---------------------------------------------------------------------

@pytest.mark.parametrize("words, encoding", [
    (["SET", "k", "12345"], b"int"), (["SET", "k", "short"], b"embstr"), (["SET", "k", "x" * 45], b"raw"),
    (["RPUSH", "k", "a"], b"quicklist"), (["HSET", "k", "f", "v"], b"listpack"),
    (["HSET", "k", "f", "v" * 65], b"hashtable"), (["SADD", "k", 1, 2], b"intset"),
    (["SADD", "k", "a"], b"hashtable"), (["ZADD", "k", 1, "m"], b"listpack"), (["ZADD", "k", 1, "m" * 65], b"skiplist"),
])
def test_object_encoding_names_redis_encodings(call, words, encoding):
    call(*words)
    assert call("OBJECT", "ENCODING", "k") == encoding


def test_object_on_a_missing_key_is_nil(call):
    assert call("OBJECT", "ENCODING", "missing") is None


def test_object_refcount_of_a_shared_small_integer(call, key):
    call("SET", key, "100")
    assert call("OBJECT", "REFCOUNT", key) == 2147483647
    call("SET", key, "hello")
    assert call("OBJECT", "REFCOUNT", key) == 1


def test_object_idletime_counts_seconds_since_the_last_use(call, key):
    call("SET", key, "value")
    assert call("OBJECT", "IDLETIME", key) in (0, 1)


def test_object_freq_needs_an_lfu_policy(call, key):
    call("SET", key, "value")
    assert call("OBJECT", "FREQ", key).startswith("ERR An LFU maxmemory policy is not selected")
    call("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
    try:
        assert call("OBJECT", "FREQ", key) >= 0
        assert call("OBJECT", "IDLETIME", key).startswith("ERR An LFU maxmemory policy is selected")
    finally:
        call("CONFIG", "SET", "maxmemory-policy", "noeviction")


@pytest.mark.parametrize("command, hits, misses", [
    ("OBJECT ENCODING here", 1, 0), ("OBJECT FREQ here", 1, 0), ("OBJECT IDLETIME missing", 0, 1),
    ("MEMORY USAGE here", 0, 0), ("MEMORY USAGE missing", 0, 0)])
def test_object_looks_a_key_up_as_a_read_and_memory_usage_does_not(call, command, hits, misses):
    call("SET", "here", "value")
    assert lookups_counted(call, *command.split()) == (hits, misses)


def test_memory_usage_grows_with_the_value(call, key):
    call("SET", key, "x")
    small = call("MEMORY", "USAGE", key)
    call("SET", key, "x" * 10000)
    assert call("MEMORY", "USAGE", key) > small + 9000
    assert call("MEMORY", "USAGE", "missing") is None


def test_object_and_memory_appear_in_the_command_table_as_in_redis(call, reference_redis):
    same_command_table_entries(call, reference_redis, [
        "object", "object|encoding", "object|freq", "object|idletime", "object|refcount", "object|help",
        "memory", "memory|usage", "memory|doctor", "memory|purge", "memory|malloc-stats", "memory|help"])


# --- clients as users run them -----------------------------------------------------------

def test_operator_commands_reply_in_resp3_with_the_frames_redis_sends(server, reference_redis):
    same_frames(server, reference_redis, [
        "SET counter 12345", "SET text hello", "RPUSH list a b",
        "OBJECT ENCODING counter", "OBJECT ENCODING text", "OBJECT ENCODING list", "OBJECT ENCODING missing",
        "OBJECT REFCOUNT counter", "OBJECT IDLETIME text", "OBJECT FREQ text", "OBJECT HELP",
        "#MEMORY USAGE text", "MEMORY USAGE missing", "#SLOWLOG LEN", "#SLOWLOG GET 1",
        "LATENCY LATEST", "LATENCY HISTORY command", "LATENCY RESET",
        "CLIENT PAUSE 0 WRITE", "CLIENT UNPAUSE", "CONFIG REWRITE", "SHUTDOWN ABORT",
        "CONFIG SET maxmemory-policy allkeys-lfu", "OBJECT FREQ text", "CONFIG SET maxmemory-policy noeviction",
    ])


def test_redis_py_gets_what_it_gets_from_redis(server, reference_redis):
    def exercise(client: redis.Redis) -> list:
        client.set("counter", 12345)
        client.config_set("slowlog-log-slower-than", 0)
        client.slowlog_reset()
        client.get("counter")
        entry = client.slowlog_get(1)[0]
        client.config_set("slowlog-log-slower-than", 10000)
        return [client.object("encoding", "counter"), client.object("refcount", "counter"),
                type(client.memory_usage("counter")).__name__, entry["command"], sorted(entry),
                client.latency_latest(), client.latency_history("command"), client.latency_reset(),
                client.client_pause(0, all=False), client.client_unpause(), client.config_get("maxmemory*")]

    redis_py_agrees(server, reference_redis, exercise)


def test_redis_py_asyncio_client_gets_what_it_gets_from_redis(server, reference_redis):
    async def exercise(client: redis.asyncio.Redis) -> list:
        await client.rpush("list", "a")
        return [await client.object("encoding", "list"), await client.slowlog_len() >= 0,
                await client.latency_latest(), await client.client_unpause()]

    asyncio_client_agrees(server, reference_redis, exercise)


def test_redis_cli_prints_what_it_prints_for_redis(server, reference_redis):
    redis_cli_agrees(server, reference_redis, [
        "FLUSHALL", "SET counter 12345", "OBJECT ENCODING counter", "OBJECT FREQ counter", "OBJECT HELP",
        "LATENCY LATEST", "LATENCY RESET", "CLIENT UNPAUSE", "CONFIG GET maxmemory-policy", "SHUTDOWN ABORT"])
