"""Schedules of several clients, run the same way on a step and on a real
redis-server, so that what each client saw can be compared.

Each line is "CLIENT: command" (send it and read the reply), "CLIENT: command &"
(send it; the client blocks: wait until the server says so), or "CLIENT: <"
(read the reply a blocked client got). Every reply read, on both servers, is
recorded, and the two records must be the same.
"""

from __future__ import annotations

import shlex
import time

import pytest

from clients import RawConnection
from resp3 import Frame, Resp3Connection

DEADLINE = 10  # seconds a test waits for the server to reach a state before it fails


def wait_until_blocked(watcher: RawConnection, client_id: int, blocked: bool = True) -> None:
    """Wait until CLIENT LIST shows the client blocked (flag b), or no longer blocked."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        line = watcher.call("CLIENT", "LIST", "ID", client_id)
        flags = dict(field.split("=", 1) for field in line.decode().split())["flags"]
        if ("b" in flags) == blocked:
            return
    pytest.fail(f"client {client_id} never became {'blocked' if blocked else 'unblocked'}")


def run_scenario(host: str, port: int, scenario: str, protocol: int) -> list[tuple[str, Frame]]:
    """Run a schedule on one server, from a FLUSHALL; the replies each client read, in order."""
    connections: dict[str, Resp3Connection] = {}
    watcher = RawConnection(host, port)
    record = []
    try:
        watcher.call("FLUSHALL")
        for line in scenario.strip().splitlines():
            name, _, command = line.strip().partition(": ")
            if name not in connections:
                connections[name] = Resp3Connection(host, port, protocol)
            connection = connections[name]
            if command == "<":
                record.append((name, connection.read()))
            elif command.endswith(" &"):
                client_id = int(connection.call("CLIENT", "ID").value)
                connection.send(*shlex.split(command[:-2]))
                wait_until_blocked(watcher, client_id)
            else:
                record.append((name, connection.call(*shlex.split(command))))
    finally:
        watcher.close()
        for connection in connections.values():
            connection.close()
    return record
