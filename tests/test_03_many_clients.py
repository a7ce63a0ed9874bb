"""Step 03: a thread per client, so clients are served at the same time."""


def test_two_clients_are_served_at_the_same_time(connect):
    first, second = connect(), connect()
    assert first.call("PING") == "PONG"
    # The first client is still connected, and the second is answered anyway.
    assert second.call("PING") == "PONG"
    assert first.call("ECHO", "still here") == "still here"


def test_a_client_stuck_mid_command_does_not_block_the_others(connect):
    slow = connect()
    slow.send_partial("ECHO never finish")
    assert connect().call("PING") == "PONG"


def test_many_clients_connected_at_once_are_all_answered(connect):
    clients = [connect() for _ in range(20)]
    for number, client in enumerate(clients):
        assert client.call("ECHO", f"client-{number}") == f"client-{number}"
