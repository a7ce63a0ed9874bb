"""Step 04: SET, GET, DEL and INCR on one store that every client shares.

The behaviours are stated through `connect()`, so they hold for every later
step and for Redis; the line protocol's replies for nil, errors and integers
are checked byte for byte until step 05 replaces them.
"""

import subprocess
import sys
import threading

import pytest

from conftest import STEPS, line_protocol


def test_get_returns_what_set_stored(connect, key):
    client = connect()
    assert client.call("SET", key, "hello") == "OK"
    assert client.call("GET", key) == "hello"


def test_set_replaces_the_old_value(connect, key):
    client = connect()
    client.call("SET", key, "old")
    client.call("SET", key, "new")
    assert client.call("GET", key) == "new"


def test_get_of_a_missing_key_is_nil(connect, key):
    assert connect().call("GET", key) == "(nil)"


def test_del_says_whether_the_key_existed(connect, key):
    client = connect()
    client.call("SET", key, "value")
    assert client.call("DEL", key) == "1"
    assert client.call("DEL", key) == "0"
    assert client.call("GET", key) == "(nil)"


def test_incr_of_a_missing_key_starts_from_zero(connect, key):
    assert connect().call("INCR", key) == "1"


def test_incr_adds_one_to_a_number(connect, key):
    client = connect()
    client.call("SET", key, "41")
    assert client.call("INCR", key) == "42"
    assert client.call("GET", key) == "42"


@pytest.mark.parametrize("value", ["hello", "1.5", "+1", "01", " 1", "9223372036854775808"])
def test_incr_refuses_what_is_not_a_64_bit_integer(connect, key, value):
    client = connect()
    client.call("SET", key, value)
    assert client.call("INCR", key) == "ERR value is not an integer or out of range"
    assert client.call("GET", key) == value


def test_incr_refuses_to_overflow(connect, key):
    client = connect()
    client.call("SET", key, "9223372036854775807")
    assert client.call("INCR", key) == "ERR increment or decrement would overflow"


def test_clients_share_one_store(connect, key):
    writer, reader = connect(), connect()
    writer.call("SET", key, "shared")
    assert reader.call("GET", key) == "shared"


def test_concurrent_incr_loses_no_update(connect, key):
    # 50 clients x 200 INCR at the same time: a store that lets two INCRs
    # interleave between read and write would end below 10000.
    clients = [connect() for _ in range(50)]

    def hammer(client):
        for _ in range(200):
            client.call("INCR", key)

    threads = [threading.Thread(target=hammer, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert connect().call("GET", key) == "10000"


@line_protocol
def test_set_takes_the_rest_of_the_line_as_value(raw, key):
    connection = raw()
    connection.send(f"SET {key} hello big world\nGET {key}\n".encode())
    assert connection.read_line() == b"OK\n"
    assert connection.read_line() == b"hello big world\n"


@line_protocol
def test_a_value_that_is_not_utf8_is_stored_with_its_bytes_replaced(raw, key):
    connection = raw()
    connection.send(f"SET {key} a".encode() + b"\xff\n" + f"GET {key}\n".encode())
    assert connection.read_line() == b"OK\n"
    assert connection.read_line() == "a\ufffd\n".encode()


@line_protocol
def test_missing_key_reads_as_nil_line(raw, key):
    connection = raw()
    connection.send(f"GET {key}\n".encode())
    assert connection.read_line() == b"(nil)\n"


@pytest.mark.parametrize("line, name", [("SET k", "set"), ("GET", "get"), ("GET a b", "get"),
                                        ("DEL", "del"), ("INCR a b", "incr")])
@line_protocol
def test_wrong_number_of_arguments_names_the_command(raw, line, name):
    connection = raw()
    connection.send(line.encode() + b"\n")
    assert connection.read_line() == f"ERR wrong number of arguments for '{name}' command\n".encode()


@pytest.mark.until(5)
@pytest.mark.own_steps("runs the demo script of step 04's page")
def test_lost_updates_demo_loses_increments(target):
    # The page's argument rests on this script losing updates; prove it does.
    script = STEPS[target.step] / "lost_updates.py"
    output = subprocess.run([sys.executable, script], capture_output=True, text=True, check=True).stdout
    expected, got = [int(word.strip(",:")) for word in output.split()[1:4:2]]
    assert got < expected
