"""Step 07: one thread runs an event loop for every client.

The behaviours of steps 01-06 must all still hold (their tests run against this
step unchanged); these tests add what a single-threaded, non-blocking server
must get right: partial writes, many clients, and clients that do not read.
"""

import os
import socket
import time

import pytest

from clients import encode_command, send_until_stalled
from helpers import rss_bytes


def test_a_big_reply_reaches_a_slow_reader_whole(r, raw, key):
    value = os.urandom(8 * 1024 * 1024)
    r.set(key, value)
    connection = raw()
    connection.send(b"*2\r\n$3\r\nGET\r\n$%d\r\n%b\r\n" % (len(key), key.encode()))
    # Read in small sips with pauses: the server must keep the rest and send it later.
    header = connection.read_line()
    assert header == b"$%d\r\n" % len(value)
    received = bytearray()
    while len(received) < len(value) + 2:
        received += connection.reader.read1(64 * 1024)
        time.sleep(0.001)
    assert bytes(received) == value + b"\r\n"


def test_two_hundred_clients_at_once_are_all_served(server, key):
    clients = [socket.create_connection((server.host, server.port), timeout=10) for _ in range(200)]
    try:
        for client in clients:
            client.sendall(b"*2\r\n$4\r\nINCR\r\n$%d\r\n%b\r\n" % (len(key), key.encode()))
        replies = [client.recv(64) for client in clients]
        assert sorted(int(reply[1:-2]) for reply in replies) == list(range(1, 201))
    finally:
        for client in clients:
            client.close()


def test_clients_are_served_while_another_receives_a_big_reply(r, raw, key):
    r.set(key, os.urandom(8 * 1024 * 1024))
    reader = raw()
    reader.send(b"*2\r\n$3\r\nGET\r\n$%d\r\n%b\r\n" % (len(key), key.encode()))  # and read nothing yet
    assert r.ping()
    assert len(reader.read_reply()) == 8 * 1024 * 1024


@pytest.mark.own_steps("reads our server process's memory from /proc; Redis keeps reading "
                        "and lets a normal client's output buffer grow without limit")
def test_a_client_that_never_reads_cannot_grow_the_servers_memory(server, raw, key):
    bystander = raw()
    assert bystander.call("SET", key, "v" * 200) == "OK"
    before = rss_bytes(server.process.pid)
    # Each GET of 22 bytes asks for a reply of 207: the replies pile up fast.
    greedy = raw()
    sent = send_until_stalled(greedy.sock, encode_command("GET", key) * 3000, most=64 * 1024 * 1024)
    assert sent < 64 * 1024 * 1024, f"the server took {sent} bytes without our reading a reply"
    assert rss_bytes(server.process.pid) - before < 64 * 1024 * 1024
    assert bystander.call("PING") == "PONG"  # everyone else is still served


@pytest.mark.own_steps("reads our server process's threads from /proc; Redis runs background "
                        "threads for I/O and lazy freeing")
def test_the_server_runs_on_a_single_thread(server, r):
    r.ping()
    assert len(os.listdir(f"/proc/{server.process.pid}/task")) == 1
