"""Step 02: the connection stays open for a tiny line protocol, one client at a time.

The behaviours every later step and Redis share (PING, ECHO, QUIT, staying
open) are stated through `connect()`, which speaks whichever protocol the
step speaks. The line protocol's own details retire at step 05.
"""

import pytest

from clients import QUIET, reset_at_once
from conftest import line_protocol


def test_ping_replies_pong(connect):
    assert connect().call("PING") == "PONG"


def test_echo_replies_with_its_text(connect):
    assert connect().call("ECHO", "hello") == "hello"


def test_connection_stays_open_for_many_commands(connect):
    client = connect()
    for word in ["one", "two", "three"]:
        assert client.call("ECHO", word) == word
    assert client.call("PING") == "PONG"


def test_command_names_are_case_insensitive(connect):
    assert connect().call("pInG") == "PONG"


def test_quit_replies_ok_and_hangs_up(connect):
    client = connect()
    assert client.call("QUIT") == "OK"
    assert client.is_closed_by_server()


@pytest.mark.parametrize("line_ending", [b"\n", b"\r\n"], ids=["lf", "crlf"])
@line_protocol
def test_accepts_both_line_endings(raw, line_ending):
    connection = raw()
    connection.send(b"PING" + line_ending)
    assert connection.read_line() == b"PONG\n"


@line_protocol
def test_echo_keeps_the_rest_of_the_line(raw):
    connection = raw()
    connection.send("ECHO hello,  world 👋\n".encode())
    assert connection.read_line() == "hello,  world 👋\n".encode()


@line_protocol
def test_a_line_of_a_megabyte_is_one_command(raw):
    # No limit on a line's length: it is read however many packets it takes.
    text = b"x" * (1024 * 1024)
    connection = raw()
    connection.send(b"ECHO " + text + b"\n")
    assert connection.read_line() == text + b"\n"
    connection.send(b"PING\n")
    assert connection.read_line() == b"PONG\n"


@line_protocol
def test_bytes_that_are_not_utf8_are_replaced_and_the_connection_carries_on(raw):
    connection = raw()
    connection.send(b"ECHO a\xffb\xc3\n")
    assert connection.read_line() == "a\ufffdb\ufffd\n".encode()
    connection.send(b"PING\n")
    assert connection.read_line() == b"PONG\n"


@line_protocol
def test_a_command_name_that_is_not_utf8_is_unknown_and_quoted_replaced(raw):
    connection = raw()
    connection.send(b"\xfe\xff\n")
    assert connection.read_line() == "ERR unknown command '\ufffd\ufffd'\n".encode()


@line_protocol
def test_a_line_split_across_packets_is_one_command(raw):
    connection = raw()
    connection.send(b"PI")
    connection.send(b"NG\n")
    assert connection.read_line() == b"PONG\n"


@line_protocol
def test_empty_lines_are_ignored(raw):
    connection = raw()
    connection.send(b"\n\r\nPING\n")
    assert connection.read_line() == b"PONG\n"


@line_protocol
def test_unknown_command_gets_an_error_line(raw):
    connection = raw()
    connection.send(b"FLY me to the moon\n")
    assert connection.read_line() == b"ERR unknown command 'FLY'\n"


@pytest.mark.parametrize("line, name", [(b"PING extra", b"ping"), (b"ECHO", b"echo")])
@line_protocol
def test_wrong_number_of_arguments_gets_an_error_line(raw, line, name):
    connection = raw()
    connection.send(line + b"\n")
    assert connection.read_line() == b"ERR wrong number of arguments for '%b' command\n" % name


@pytest.mark.until(3)
@pytest.mark.own_steps("serving one client at a time is step 02's limitation, not a requirement")
def test_second_client_waits_until_the_first_leaves(connect):
    first, second = connect(), connect()
    assert first.call("PING") == "PONG"
    second.connection.send(b"PING\n")
    assert second.connection.is_silent_for(QUIET)  # nobody reads the second client yet
    first.call("QUIT")
    assert second.connection.read_line() == b"PONG\n"


def test_a_client_that_vanishes_mid_command_harms_nobody(connect):
    leaving = connect()
    leaving.send_partial("ECHO half a comm")
    leaving.close()
    assert connect().call("PING") == "PONG"


def test_clients_that_reset_at_once_harm_nobody(server, connect):
    for _ in range(50):
        reset_at_once(server.host, server.port)
    assert connect().call("PING") == "PONG"
