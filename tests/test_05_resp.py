"""Step 05: RESP2, the protocol of real Redis clients.

Every expectation here is Redis 7's own behaviour: `pytest --against-redis`
runs this file against a real redis-server to prove it.
"""

import os
import random
import re
import socket
import subprocess
import threading

import pytest
import redis

from clients import InteractiveCli, redis_py
from helpers import rss_bytes

# --- replies, through the real redis-py client --------------------------------------------


def test_ping_replies_pong_as_a_simple_string(raw):
    connection = raw()
    connection.send(b"*1\r\n$4\r\nPING\r\n")
    connection.expect(b"+PONG\r\n")


def test_ping_with_a_message_replies_with_it_as_a_bulk_string(raw):
    connection = raw()
    connection.send(b"*2\r\n$4\r\nPING\r\n$5\r\nhello\r\n")
    connection.expect(b"$5\r\nhello\r\n")


def test_echo_is_binary_safe(r):
    value = b"line\r\nbreak\x00nul\xff"
    assert r.echo(value) == value


def test_get_returns_what_set_stored(r, key):
    assert r.set(key, "value") is True
    assert r.get(key) == b"value"


def test_get_of_a_missing_key_is_null(r, key):
    assert r.get(key) is None


def test_values_and_keys_are_binary_safe(r, key):
    binary_key, value = key.encode() + b"\r\n\x00", bytes(range(256)) * 4
    r.set(binary_key, value)
    assert r.get(binary_key) == value


def test_empty_string_is_a_value(r, key):
    r.set(key, "")
    assert r.get(key) == b""
    assert r.exists(key) == 1


def test_set_with_an_unknown_option_is_a_syntax_error(r, key):
    with pytest.raises(redis.ResponseError, match=r"^syntax error$"):
        r.execute_command("SET", key, "value", "SOMETIMES")


def test_del_counts_the_keys_it_deleted(r, key):
    r.set(f"{key}:1", "a")
    r.set(f"{key}:2", "b")
    assert r.delete(f"{key}:1", f"{key}:2", f"{key}:missing") == 2
    assert r.get(f"{key}:1") is None


def test_exists_counts_every_key_named_even_twice(r, key):
    r.set(key, "a")
    assert r.exists(key, key, f"{key}:missing") == 2


def test_incr_replies_with_an_integer(r, key):
    assert r.execute_command("INCR", key) == 1
    assert r.execute_command("INCR", key) == 2


def test_incr_stores_the_number_as_its_digits(r, key):
    r.set(key, "-5")
    r.execute_command("INCR", key)
    assert r.get(key) == b"-4"


@pytest.mark.parametrize("value", ["abc", "1.0", "+1", "01", "-0", " 1", "1 ", "", "9223372036854775808"])
def test_incr_of_a_non_integer_is_an_error(r, key, value):
    r.set(key, value)
    with pytest.raises(redis.ResponseError, match=r"^value is not an integer or out of range$"):
        r.execute_command("INCR", key)


def test_incr_at_the_largest_integer_is_an_overflow_error(r, key):
    r.set(key, "9223372036854775807")
    with pytest.raises(redis.ResponseError, match=r"^increment or decrement would overflow$"):
        r.execute_command("INCR", key)


def test_command_names_are_case_insensitive(raw, key):
    connection = raw()
    assert connection.call("sEt", key, "v") == "OK"
    assert connection.call("get", key) == b"v"


# --- errors, byte for byte -------------------------------------------------------------------


def test_unknown_command_error_quotes_the_name_and_first_args(raw):
    connection = raw()
    assert connection.call("FLY", "me", "to") == "ERR unknown command 'FLY', with args beginning with: 'me' 'to' "


def test_unknown_command_without_args_says_so(raw):
    assert raw().call("FLY") == "ERR unknown command 'FLY', with args beginning with: "


def test_unknown_command_error_cuts_long_args_at_128_bytes(raw):
    reply = raw().call("FLY", "a" * 100, "b" * 100, "c" * 100)
    assert reply == f"ERR unknown command 'FLY', with args beginning with: '{'a' * 100}' '{'b' * 25}' "


def test_unknown_command_error_turns_newlines_into_spaces(raw):
    assert raw().call("FLY\r\nAWAY", "a\nb") == "ERR unknown command 'FLY  AWAY', with args beginning with: 'a b' "


@pytest.mark.parametrize("words, name", [
    (["GET"], "get"), (["GET", "a", "b"], "get"), (["SET", "a"], "set"), (["ECHO"], "echo"),
    (["INCR"], "incr"), (["DEL"], "del"), (["EXISTS"], "exists"), (["PING", "a", "b"], "ping"),
])
def test_wrong_number_of_arguments_names_the_command(raw, words, name):
    assert raw().call(*words) == f"ERR wrong number of arguments for '{name}' command"


def test_an_error_leaves_the_connection_usable(raw):
    connection = raw()
    connection.call("GET")
    assert connection.call("PING") == "PONG"


# --- COMMAND: what redis-cli asks when it starts -----------------------------------------------


def test_command_count_is_the_number_of_commands_command_describes(call):
    assert call("COMMAND", "COUNT") == len(call("COMMAND"))


def test_command_docs_describes_a_command(raw):
    reply = raw().call("COMMAND", "DOCS", "get")
    assert reply[0] == b"get"
    docs = dict(zip(reply[1][::2], reply[1][1::2]))
    assert docs[b"summary"] == b"Get the value of a key"
    assert docs[b"group"] == b"string"


def test_command_docs_skips_unknown_names(raw):
    assert raw().call("COMMAND", "DOCS", "no-such-command") == []


def test_command_lists_each_command_with_arity_and_key_positions(raw):
    entries = {entry[0]: entry for entry in raw().call("COMMAND")}
    assert entries[b"get"][1] == 2 and entries[b"get"][3:6] == [1, 1, 1]
    assert entries[b"del"][1] == -2 and entries[b"del"][3:6] == [1, -1, 1]
    assert entries[b"ping"][1] == -1


def test_command_with_an_unknown_subcommand_suggests_help(raw):
    assert raw().call("COMMAND", "FLY") == "ERR unknown subcommand 'FLY'. Try COMMAND HELP."


def test_subcommand_arity_errors_name_command_and_subcommand(raw):
    assert raw().call("COMMAND", "COUNT", "x") == "ERR wrong number of arguments for 'command|count' command"


# --- the protocol itself ---------------------------------------------------------------------


def test_quit_replies_ok_and_hangs_up_without_running_what_follows(raw, key):
    connection = raw()
    connection.send(b"*1\r\n$4\r\nQUIT\r\n*2\r\n$4\r\nINCR\r\n$%d\r\n%b\r\n" % (len(key), key.encode()))
    assert connection.read_until_closed() == b"+OK\r\n"
    assert raw().call("GET", key) is None


def test_inline_commands_work(raw):
    connection = raw()
    connection.send(b"PING\r\nECHO hello\n")
    connection.expect(b"+PONG\r\n$5\r\nhello\r\n")


def test_inline_commands_understand_quotes_and_escapes(raw, key):
    connection = raw()
    connection.send(b'SET %b "a b\\x41\\n" \r\nGET %b\r\nECHO \'it\\\'s\'\r\n' % (key.encode(), key.encode()))
    connection.expect(b"+OK\r\n$5\r\na bA\n\r\n$4\r\nit's\r\n")


def test_empty_lines_and_empty_arrays_are_skipped(raw):
    connection = raw()
    connection.send(b"\r\n\n*0\r\n*-1\r\n   \r\nPING\r\n")
    connection.expect(b"+PONG\r\n")


def test_pipelined_commands_are_answered_in_order(raw, key):
    connection = raw()
    k = key.encode()
    connection.send(b"*3\r\n$3\r\nSET\r\n$%d\r\n%b\r\n$1\r\n5\r\n" % (len(k), k)
                    + b"*2\r\n$4\r\nINCR\r\n$%d\r\n%b\r\n" % (len(k), k)
                    + b"*2\r\n$3\r\nGET\r\n$%d\r\n%b\r\n" % (len(k), k)
                    + b"PING\r\n")
    connection.expect(b"+OK\r\n:6\r\n$1\r\n6\r\n+PONG\r\n")


def test_a_command_sent_one_byte_at_a_time_is_understood(raw):
    connection = raw()
    for byte in b"*2\r\n$4\r\nECHO\r\n$11\r\nhello world\r\n":
        connection.send(bytes([byte]))
    connection.expect(b"$11\r\nhello world\r\n")


def test_a_value_can_contain_crlf_and_nul(raw):
    connection = raw()
    connection.send(b"*2\r\n$4\r\nECHO\r\n$6\r\na\r\n\x00\r\n\r\n")
    connection.expect(b"$6\r\na\r\n\x00\r\n\r\n")


def test_a_ten_megabyte_value_round_trips(r, key):
    value = os.urandom(10 * 1024 * 1024)
    r.set(key, value)
    assert r.get(key) == value


def test_a_ten_megabyte_value_sent_in_small_pieces_round_trips(raw, key):
    # Sent in 4 KB pieces, a parser that starts over on every read would do
    # 2,500 passes over megabytes and not finish within the test's timeout.
    value = os.urandom(10 * 1024 * 1024)
    request = b"*3\r\n$3\r\nSET\r\n$%d\r\n%b\r\n$%d\r\n%b\r\n" % (len(key), key.encode(), len(value), value)
    connection = raw()
    for start in range(0, len(request), 4096):
        connection.send(request[start:start + 4096])
    connection.expect(b"+OK\r\n")
    assert connection.call("GET", key) == value


def test_a_ten_thousand_command_pipeline_runs_every_command(r, key):
    pipeline = r.pipeline(transaction=False)
    for _ in range(10_000):
        pipeline.execute_command("INCR", key)
    assert pipeline.execute() == list(range(1, 10_001))


def test_a_ten_thousand_command_pipeline_in_one_send_is_answered_in_order(raw):
    connection = raw()
    connection.send(b"".join(b"*2\r\n$4\r\nECHO\r\n$5\r\n%05d\r\n" % n for n in range(10_000)))
    connection.expect(b"".join(b"$5\r\n%05d\r\n" % n for n in range(10_000)))


# --- protocol errors: Redis replies, then hangs up -------------------------------------------


@pytest.mark.parametrize("request_bytes, error", [
    (b"*1\r\n$-5\r\n", b"invalid bulk length"),
    (b"*1\r\n$-2\r\n", b"invalid bulk length"),
    (b"*1\r\n$abc\r\n", b"invalid bulk length"),
    (b"*1\r\n$536870913\r\n", b"invalid bulk length"),  # one byte over proto-max-bulk-len
    (b"*99999999999\r\n", b"invalid multibulk length"),
    (b"*2x\r\n", b"invalid multibulk length"),
    (b"*1\r\nPING\r\n", b"expected '$', got 'P'"),
    (b"*1\r\n:1\r\n", b"expected '$', got ':'"),
    (b"*1\r\n\xa4x\r\n", b"expected '$', got '\xa4'"),  # the byte itself, not its UTF-8 spelling
    (b'SET "unclosed\r\n', b"unbalanced quotes in request"),
    (b"SET 'a'b\r\n", b"unbalanced quotes in request"),
    (b"PING " + b"x" * 70_000, b"too big inline request"),
    (b"*" + b"1" * 70_000, b"too big mbulk count string"),
    (b"*1\r\n$" + b"1" * 70_000, b"too big bulk count string"),
], ids=["negative-bulk", "bulk-minus-2", "bulk-not-a-number", "bulk-over-512mb", "huge-array", "array-not-a-number",
        "item-not-bulk", "item-integer", "item-non-ascii", "unbalanced-double", "junk-after-quote", "long-inline",
        "long-array-header", "long-bulk-header"])
def test_protocol_errors_get_redis_error_then_hang_up(raw, request_bytes, error):
    connection = raw()
    connection.send(request_bytes)
    assert connection.read_until_closed() == b"-ERR Protocol error: " + error + b"\r\n"


def test_the_two_bytes_after_a_bulk_string_are_skipped_unread(raw):
    # Redis takes the length at its word and never looks at the CRLF it expects.
    connection = raw()
    connection.send(b"*2\r\n$4\r\nECHO\r\n$2\r\nhixy*1\r\n$4\r\nPING\r\n")
    connection.expect(b"$2\r\nhi\r\n+PONG\r\n")


def test_an_empty_command_name_is_an_unknown_command(raw):
    connection = raw()
    connection.send(b"*1\r\n$0\r\n\r\n")
    connection.expect(b"-ERR unknown command '', with args beginning with: \r\n")


def test_an_array_of_negative_length_is_skipped_like_an_empty_one(raw):
    connection = raw()
    connection.send(b"*-2\r\n*1\r\n$4\r\nPING\r\n")
    connection.expect(b"+PONG\r\n")


HUGE_BUT_LEGAL = [b"*1048576\r\n", b"*1\r\n$536870912\r\n"]  # 2**20 items; proto-max-bulk-len itself


@pytest.mark.parametrize("header", HUGE_BUT_LEGAL, ids=["million-items", "512-mb-string"])
def test_a_huge_but_legal_length_is_no_protocol_error(raw, header):
    connection = raw()
    connection.send(header)
    connection.sock.shutdown(socket.SHUT_WR)  # and no more: the server must wait, then see us go
    assert connection.read_until_closed() == b""


@pytest.mark.own_steps("reads our server process's memory from /proc")
@pytest.mark.parametrize("header", HUGE_BUT_LEGAL, ids=["million-items", "512-mb-string"])
def test_a_huge_but_legal_length_takes_no_memory_before_its_data_arrives(server, raw, header):
    bystander = raw()
    assert bystander.call("PING") == "PONG"
    before = rss_bytes(server.process.pid)
    waiting = raw()
    waiting.send(header)
    for _ in range(3):  # a few round trips, time enough for the server to read the header
        assert bystander.call("PING") == "PONG"
    assert rss_bytes(server.process.pid) - before < 4 * 1024 * 1024


def test_commands_before_a_protocol_error_still_run(raw):
    connection = raw()
    connection.send(b"PING\r\n*1\r\n$x\r\nPING\r\n")
    assert connection.read_until_closed() == b"+PONG\r\n-ERR Protocol error: invalid bulk length\r\n"


# A bystander is connected before the trouble starts, and the same connection
# must still be served after it: a server that hung up on everyone would fail.


def test_a_protocol_error_harms_no_other_client(raw, key):
    bystander = raw()
    assert bystander.call("SET", key, "kept") == "OK"
    bad = raw()
    bad.send(b"*1\r\n$-1\r\n")
    bad.read_until_closed()
    assert bystander.call("GET", key) == b"kept"


def test_a_client_that_vanishes_mid_value_harms_nobody(raw, key):
    bystander = raw()
    assert bystander.call("SET", key, "kept") == "OK"
    leaving = raw()
    leaving.send(b"*3\r\n$3\r\nSET\r\n$%d\r\n%b\r\n$100000000\r\npartial" % (len(key), key.encode()))
    leaving.close()
    assert bystander.call("GET", key) == b"kept"


def test_a_client_that_hangs_up_during_a_big_reply_harms_nobody(raw, key):
    value = os.urandom(8 * 1024 * 1024)
    bystander = raw()
    assert bystander.call("SET", key, value) == "OK"
    leaving = raw()
    leaving.send(b"*2\r\n$3\r\nGET\r\n$%d\r\n%b\r\n" % (len(key), key.encode()))
    assert leaving.read_line() == b"$%d\r\n" % len(value)  # the reply has begun
    leaving.reset()
    assert bystander.call("GET", key) == value


def test_a_client_that_never_reads_its_replies_harms_nobody(raw):
    bystander = raw()
    assert bystander.call("PING") == "PONG"
    greedy = raw()
    greedy.send(b"PING\r\n" * 1000)  # and never reads a reply
    assert bystander.call("PING") == "PONG"


def test_seeded_random_and_mutated_input_never_breaks_the_server(server, raw, key):
    """Thousands of malformed requests, each on its own connection: afterwards the
    server still answers a client connected all along, and the data written
    before is intact."""
    bystander = raw()
    assert bystander.call("SET", key, "sentinel") == "OK"
    rng = random.Random(2026)
    seeds = [b"*3\r\n$3\r\nSET\r\n$4\r\nfz:a\r\n$5\r\nvalue\r\n", b"*2\r\n$3\r\nGET\r\n$4\r\nfz:a\r\n",
             b"*2\r\n$4\r\nINCR\r\n$4\r\nfz:n\r\n", b"*3\r\n$3\r\nDEL\r\n$4\r\nfz:a\r\n$4\r\nfz:b\r\n",
             b"*2\r\n$4\r\nECHO\r\n$3\r\nhey\r\n", b"PING\r\n", b'ECHO "quoted \\x41"\r\n', b"*1\r\n$4\r\nPING\r\n"]
    for _ in range(3000):
        data = bytearray(b"".join(rng.choice(seeds) for _ in range(rng.randint(1, 4))))
        for _ in range(rng.randint(1, 4)):
            if not data:
                break
            position = rng.randrange(len(data))
            choice = rng.random()
            if choice < 0.4:
                data[position] = rng.randrange(256)
            elif choice < 0.6:
                del data[position:position + rng.randint(1, 8)]
            elif choice < 0.8:
                data[position:position] = rng.choice([b"*", b"$", b"\r\n", b"-1", b"99999999999", b"\0", b'"'])
            else:
                data[position:position] = os.urandom(rng.randint(1, 16))
        connection = raw()
        connection.send(bytes(data))
        connection.sock.shutdown(1)  # no more from us: the server must finish, not wait
        connection.read_until_closed()
        connection.close()
    assert bystander.call("GET", key) == b"sentinel"


# --- real tools ------------------------------------------------------------------------------


def test_redis_cli_runs_commands(server, key):
    def cli(*args):
        return subprocess.run(["redis-cli", "-p", str(server.port), *args], capture_output=True,
                              text=True, timeout=30).stdout
    assert cli("SET", key, "from redis-cli") == "OK\n"
    assert cli("GET", key) == "from redis-cli\n"
    assert cli("INCR", key) == "ERR value is not an integer or out of range\n\n"


def test_redis_cli_starts_interactively_and_finds_help(server):
    # Interactive redis-cli asks COMMAND DOCS first; a bad answer crashes it or
    # leaves `help` empty.
    cli = InteractiveCli(server.port)
    try:
        cli.type("PING")
        cli.type("help GET")
        output = cli.read_until("Get the value of a key")
        assert "PONG" in output and "Get the value of a key" in output
        assert cli.quit() == 0
    finally:
        cli.close()


def test_redis_benchmark_runs_pipelined_set_get_and_ping(server):
    result = subprocess.run(
        ["redis-benchmark", "-p", str(server.port), "-t", "set,get,ping", "-P", "16", "-n", "5000", "-q"],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    rates = dict(re.findall(r"(\w+): ([\d.]+) requests per second", result.stdout))
    assert set(rates) == {"PING_INLINE", "PING_MBULK", "SET", "GET"}
    assert all(float(rate) > 0 for rate in rates.values())


def test_many_threads_of_redis_py_share_the_server(server, r, key):
    def work():
        client = redis_py(server.host, server.port)
        for _ in range(100):
            client.execute_command("INCR", key)
        client.close()
    threads = [threading.Thread(target=work) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert r.get(key) == b"1000"
