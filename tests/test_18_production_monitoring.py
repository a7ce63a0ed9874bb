"""Step 18, a server fit for production, seen by an operator at work:
MONITOR, which shows every command as it runs; CLIENT PAUSE, which holds
the clients' commands for a while; the log; the latency monitor; TCP
keepalive. tests/test_18_production.py has the rest of the step.
The pause and log tests start servers of their own, since a pause holds
everyone and the log is chosen at start.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time

import pytest

from clients import RawConnection, redis_py
from conftest import ServerProcess
from helpers import info_field, same_command_table_entries, wait_until

FEED_LINE = re.compile(rb'^\+(\d+)\.(\d{6}) \[(\d+) ([0-9.:]+)\] (.*)\r\n$')


def monitor(raw) -> RawConnection:
    watcher = raw()
    assert watcher.call("MONITOR") == "OK"
    return watcher


def fed(watcher: RawConnection) -> tuple[int, str, bytes]:
    """The next line a monitor gets: the database, the client's address, and the quoted words."""
    match = FEED_LINE.match(watcher.read_line())
    assert match, "not a MONITOR line"
    return int(match[3]), match[4].decode(), match[5]


def address_of(connection: RawConnection) -> str:
    return re.search(r"addr=(\S+)", connection.call("CLIENT", "INFO").decode())[1]


# --- MONITOR -----------------------------------------------------------------------------

def test_monitor_shows_another_clients_command_with_its_database_and_address(raw):
    watcher, client = monitor(raw), raw()
    client.call("SELECT", "3")
    fed(watcher)
    client.call("SET", "greeting", "hello")
    assert fed(watcher) == (3, address_of(client), b'"SET" "greeting" "hello"')


def test_monitor_quotes_arguments_as_c_strings(raw):
    watcher, client = monitor(raw), raw()
    client.call("ECHO", b'a\x01b"c\n\\\xff')
    assert fed(watcher)[2] == rb'"ECHO" "a\x01b\"c\n\\\xff"'


def test_monitor_hides_passwords_given_to_auth_and_hello(raw):
    watcher, client = monitor(raw), raw()
    client.call("AUTH", "secret")  # an error here (no password is set), and still shown
    client.call("AUTH", "someone", "secret")
    client.call("HELLO", "2", "AUTH", "default", "secret")
    assert [fed(watcher)[2] for _ in range(3)] == [
        b'"AUTH" "(redacted)"', b'"AUTH" "(redacted)" "(redacted)"',
        b'"HELLO" "2" "AUTH" "(redacted)" "(redacted)"']


def test_monitor_skips_admin_commands_and_commands_refused_before_running(raw):
    watcher, client = monitor(raw), raw()
    client.call("CONFIG", "GET", "maxmemory")  # admin: never shown
    client.call("NOSUCHCOMMAND", "x")
    client.call("GET")  # wrong number of arguments
    client.call("ECHO", "after")
    assert fed(watcher)[2] == b'"ECHO" "after"'


def test_monitor_shows_a_transactions_commands_when_exec_runs_them(raw):
    watcher, client = monitor(raw), raw()
    client.call("MULTI")
    client.call("ECHO", "queued")
    assert fed(watcher)[2] == b'"MULTI"'
    client.call("EXEC")
    assert [fed(watcher)[2] for _ in range(2)] == [b'"ECHO" "queued"', b'"EXEC"']


def test_a_monitor_may_not_touch_the_keys_but_may_ping(raw):
    watcher = monitor(raw)
    assert watcher.call("GET", "anything") == "ERR Replica can't interact with the keyspace"
    assert watcher.call("PING") == "PONG"


def test_a_second_monitor_gets_no_reply(raw):
    watcher, client = monitor(raw), raw()
    watcher.send(b"MONITOR\r\n")
    client.call("ECHO", "next")
    assert fed(watcher)[2] == b'"ECHO" "next"'  # not a second +OK


def test_client_list_flags_a_monitor_with_o(raw):
    watcher, client = monitor(raw), raw()
    line = next(line for line in client.call("CLIENT", "LIST").decode().splitlines()
                if f"addr={address_of(client)}" not in line)
    assert "flags=O " in line and watcher


def test_reset_ends_monitoring(raw):
    watcher = monitor(raw)
    assert watcher.call("RESET") == "RESET"
    assert watcher.call("SET", "after-reset", "1") == "OK"


def test_a_monitor_that_hangs_up_is_forgotten(raw):
    monitor(raw).close()
    assert raw().call("PING") == "PONG"


def test_redis_py_monitor_reads_the_commands_of_others(server, call):
    client = redis_py(server.host, server.port, protocol=3)  # redis-py's default protocol
    try:
        with client.monitor() as watching:
            call("SET", "watched", "value")
            seen = watching.next_command()
    finally:
        client.close()
    assert (seen["db"], seen["command"]) == (0, "SET watched value")


# --- CLIENT PAUSE and UNPAUSE ------------------------------------------------------------

def connect(process: ServerProcess) -> RawConnection:
    return RawConnection(process.host, process.port)


def test_client_pause_write_holds_writes_until_unpause_and_serves_reads(spawn):
    process = spawn()
    operator, writer = connect(process), connect(process)
    assert operator.call("CLIENT", "PAUSE", "100000", "WRITE") == "OK"
    assert writer.call("GET", "counter") is None  # a read goes on
    writer.send(b"INCR counter\r\n")
    assert writer.is_silent_for(0.2)  # held, not refused
    assert operator.call("CLIENT", "UNPAUSE") == "OK"
    assert writer.read_reply() == 1


def test_held_commands_run_in_the_order_they_came(spawn):
    process = spawn()
    operator, first, second = connect(process), connect(process), connect(process)
    operator.call("CLIENT", "PAUSE", "100000", "WRITE")
    first.send(b"SET order first\r\nAPPEND order +1\r\n")  # what came after a held command waits too
    assert first.is_silent_for(0.1)
    second.send(b"APPEND order +2\r\n")
    assert second.is_silent_for(0.1)
    operator.call("CLIENT", "UNPAUSE")
    assert (first.read_reply(), first.read_reply(), second.read_reply()) == ("OK", 7, 9)
    assert operator.call("GET", "order") == b"first+1+2"


def test_a_pause_ends_by_itself_when_its_time_is_up(spawn):
    process = spawn()
    operator, writer = connect(process), connect(process)
    operator.call("CLIENT", "PAUSE", "300", "WRITE")
    assert writer.call("SET", "later", "yes") == "OK"  # once the 300 ms are over


def test_client_pause_all_holds_every_command_even_unpause(spawn):
    process = spawn()
    operator, other = connect(process), connect(process)
    operator.call("CLIENT", "PAUSE", "1000", "ALL")
    other.send(b"CLIENT UNPAUSE\r\n")
    operator.send(b"PING\r\n")
    assert other.is_silent_for(0.2) and operator.is_silent_for(0)
    assert (other.read_reply(), operator.read_reply()) == ("OK", "PONG")  # after the second


def test_a_write_queued_in_a_transaction_is_held(spawn):
    process = spawn()
    operator, client = connect(process), connect(process)
    client.call("MULTI")
    operator.call("CLIENT", "PAUSE", "100000", "WRITE")
    client.send(b"SET in-multi 1\r\n")
    assert client.is_silent_for(0.2)
    operator.call("CLIENT", "UNPAUSE")
    assert (client.read_reply(), client.call("EXEC")) == ("QUEUED", ["OK"])


@pytest.mark.parametrize("words, error", [
    (["10", "SOME"], "ERR CLIENT PAUSE mode must be WRITE or ALL"),
    (["ten"], "ERR timeout is not an integer or out of range"),
    (["-1"], "ERR timeout is negative"),
    (["10", "WRITE", "extra"], "ERR unknown subcommand or wrong number of arguments for 'PAUSE'. Try CLIENT HELP."),
])
def test_client_pause_errors(call, words, error):
    assert call("CLIENT", "PAUSE", *words) == error


# --- the log -----------------------------------------------------------------------------

LOG_LINE = re.compile(r"^(\d+):([MC]) \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d\.\d{3} ([.*#-]) (.+)$")


def log_lines(path) -> list[re.Match]:
    """The log's lines, each matched against Redis's format (pid:role date level message)."""
    lines = path.read_text().splitlines()
    matches = [LOG_LINE.match(line) for line in lines]
    assert all(matches), [line for line, match in zip(lines, matches) if not match]
    return matches


def logged(path, message: str) -> list[re.Match]:
    return [line for line in log_lines(path) if line[4] == message]


def test_every_log_line_has_redis_format_and_says_the_server_is_ready(spawn, tmp_path):
    log = tmp_path / "server.log"
    process = spawn("--logfile", str(log))
    pid = int(info_field(connect(process).call, "server", "process_id"))
    assert [(int(line[1]), line[2], line[3]) for line in logged(log, "Ready to accept connections")] == [
        (pid, "M", "*")]


def test_loglevel_verbose_logs_each_connection_and_warning_does_not(spawn, tmp_path):
    log = tmp_path / "server.log"
    process = spawn("--logfile", str(log), "--loglevel", "verbose")
    client = connect(process)
    address = re.search(r"addr=(\S+)", client.call("CLIENT", "INFO").decode())[1]
    assert [line[3] for line in logged(log, f"Accepted {address}")] == ["-"]
    client.call("CONFIG", "SET", "loglevel", "warning")
    quiet = connect(process)
    quiet.call("PING")
    address = re.search(r"addr=(\S+)", quiet.call("CLIENT", "INFO").decode())[1]
    assert not logged(log, f"Accepted {address}")


def test_a_background_save_is_logged_by_the_server_and_by_its_child(spawn, tmp_path):
    log = tmp_path / "server.log"
    process = spawn("--logfile", str(log))
    client = connect(process)
    client.call("SET", "key", "value")
    assert client.call("BGSAVE") == "Background saving started"
    assert wait_until(lambda: logged(log, "Background saving terminated with success"))
    started = re.compile(r"Background saving started by pid (\d+)$")
    child = next(int(match[1]) for line in log_lines(log) if (match := started.match(line[4])))
    assert [(int(line[1]), line[2]) for line in logged(log, "DB saved on disk")] == [(child, "C")]


def test_logfile_cannot_be_changed_while_running(call):
    assert call("CONFIG", "SET", "logfile", "/tmp/elsewhere.log") == (
        "ERR CONFIG SET failed (possibly related to argument 'logfile') - can't set immutable config")


# --- tcp-keepalive -----------------------------------------------------------------------

def keepalive_timer(process: ServerProcess, client: RawConnection) -> str | None:
    """The TCP timer the kernel runs on the server's end of this connection, as ss shows it."""
    if not shutil.which("ss"):
        pytest.skip("needs ss (Debian's iproute2)")
    client_port = client.sock.getsockname()[1]
    shown = subprocess.run(["ss", "-tnoH", "state", "established", f"( sport = :{process.port} and "
                            f"dport = :{client_port} )"], capture_output=True, text=True, check=True).stdout
    assert shown.strip(), "ss shows no such connection"
    match = re.search(r"timer:\((\w+),", shown)
    return match[1] if match else None


def test_tcp_keepalive_has_the_kernel_probe_idle_clients(spawn):
    process = spawn("--tcp-keepalive", "300")
    client = connect(process)
    client.call("PING")
    assert keepalive_timer(process, client) == "keepalive"


def test_tcp_keepalive_0_leaves_connections_without_probes(spawn):
    process = spawn("--tcp-keepalive", "0")
    client = connect(process)
    client.call("PING")
    assert keepalive_timer(process, client) is None


# --- LATENCY ------------------------------------------------------------------------------

@pytest.fixture
def latency_monitor(call):
    call("CONFIG", "SET", "latency-monitor-threshold", "5")
    call("LATENCY", "RESET")
    yield
    call("CONFIG", "SET", "latency-monitor-threshold", "0")
    call("LATENCY", "RESET")


def test_latency_monitor_is_off_by_default(call, debug):
    call("LATENCY", "RESET")
    debug("SLEEP", "0.01")
    assert call("LATENCY", "LATEST") == []


def test_a_command_slower_than_the_threshold_is_a_latency_event(call, debug, latency_monitor):
    before = int(time.time())
    debug("SLEEP", "0.02")
    [[name, when, latest, worst]] = call("LATENCY", "LATEST")
    assert (name, latest == worst) == (b"command", True) and latest >= 20 and before <= when <= time.time()
    assert call("LATENCY", "HISTORY", "command") == [[when, latest]]


def test_latency_keeps_one_sample_a_second_the_worst_of_it(call, debug, latency_monitor):
    debug("SLEEP", "0.03")
    debug("SLEEP", "0.01")
    history = call("LATENCY", "HISTORY", "command")
    assert 1 <= len(history) <= 2  # two if the second turned between the two sleeps
    assert max(latency for _when, latency in history) >= 30
    assert call("LATENCY", "LATEST")[0][3] >= 30  # the worst ever


def test_latency_history_of_an_unknown_event_is_empty(call, latency_monitor):
    assert call("LATENCY", "HISTORY", "no-such-event") == []


def test_latency_reset_says_how_many_events_it_forgot(call, debug, latency_monitor):
    debug("SLEEP", "0.01")
    assert call("LATENCY", "RESET", "no-such-event") == 0
    assert call("LATENCY", "RESET", "command", "fast-command") == 1
    assert call("LATENCY", "LATEST") == []


def test_debug_sleep_reads_its_seconds_as_strtod_does(debug):
    assert debug("SLEEP", "0.001") == "OK"
    assert debug("SLEEP", "not a number") == "OK"  # no number: 0 seconds, no error


def test_latency_errors(call):
    assert call("LATENCY", "HISTORY") == "ERR wrong number of arguments for 'latency|history' command"
    assert call("LATENCY", "NOPE") == "ERR unknown subcommand 'NOPE'. Try LATENCY HELP."
    assert call("LATENCY") == "ERR wrong number of arguments for 'latency' command"


def test_operator_commands_appear_in_the_command_table_as_in_redis(call, reference_redis):
    same_command_table_entries(call, reference_redis, [
        "monitor", "client|pause", "client|unpause",
        "latency", "latency|latest", "latency|history", "latency|reset", "latency|help"])
