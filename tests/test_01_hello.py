"""Step 01: a server that greets each client and hangs up.

Also the command line every step keeps: --host, --port, --port 0, the line
that says where it listens, and a quiet Ctrl-C.
"""

import pytest

from clients import reset_at_once
from conftest import start_step

pytestmark = pytest.mark.not_redis("the greeting and the command line belong to this series")


@pytest.mark.until(2)
def test_greets_then_hangs_up(raw):
    connection = raw()
    assert connection.read_until_closed() == "Hello 👋\n".encode("utf-8")


@pytest.mark.until(2)
def test_greets_every_client_in_turn(raw):
    for _ in range(3):
        assert raw().read_until_closed() == "Hello 👋\n".encode("utf-8")


@pytest.mark.own_steps("reads the line our steps print at start")
def test_prints_the_address_it_listens_on(server):
    assert server.banner == f"Listening on 127.0.0.1:{server.port}"


@pytest.mark.own_steps("starts our step with --port 0")
def test_port_0_gives_each_server_its_own_free_port(target):
    first, second = start_step(target.step), start_step(target.step)
    try:
        assert first.port != second.port
    finally:
        first.stop()
        second.stop()


@pytest.mark.own_steps("starts our step with --host")
def test_host_option_chooses_the_address(target):
    # All of 127.0.0.0/8 is loopback on Linux, so 127.0.0.2 is a second address to listen on.
    server = start_step(target.step, "--host", "127.0.0.2")
    try:
        assert server.banner.startswith("Listening on 127.0.0.2:")
    finally:
        server.stop()


@pytest.mark.own_steps("sends Ctrl-C to our step")
def test_ctrl_c_stops_it_without_a_traceback(target):
    server = start_step(target.step)
    assert server.interrupt() == 0
    # From step 18 on it says how it shuts down; never with a traceback.
    assert "Traceback" not in server.stderr_text()
    server.stop()


@pytest.mark.until(2)
def test_clients_that_hang_up_at_once_do_not_stop_the_greetings(server, raw):
    for _ in range(50):
        reset_at_once(server.host, server.port)
    assert raw().read_until_closed() == "Hello 👋\n".encode("utf-8")

