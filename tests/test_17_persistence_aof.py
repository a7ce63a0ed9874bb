"""Step 17, the append-only file: what a server with appendonly yes keeps
across a restart and a crash, the files it keeps it in, and how it loads
files that a crash cut short. Every test starts servers of its own (the
`spawn` fixture), our step's or, under --against-redis, real Redis's.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest
import redis

from clients import RawConnection, redis_py
from conftest import ServerProcess, start_redis
from helpers import dataset, wait_until

AOF = ("--appendonly", "yes")


def connect(process: ServerProcess) -> RawConnection:
    return RawConnection(process.host, process.port)


def restarted(spawn, process: ServerProcess, *config: str) -> ServerProcess:
    """Stop the server with Ctrl-C and start a new one on its directory."""
    process.stop()
    return spawn(*config, directory=process.directory)


def aof_files(process: ServerProcess) -> list[str]:
    return sorted(os.listdir(Path(process.directory) / "appendonlydir"))


def manifest(process: ServerProcess) -> str:
    return (Path(process.directory) / "appendonlydir" / "appendonly.aof.manifest").read_text()


def fill(connection: RawConnection) -> None:
    """A little of everything: each type, a deadline, two databases, a transaction."""
    for words in (["SET", "string", "text"], ["SET", "counter", 10], ["INCRBY", "counter", 5],
                  ["RPUSH", "list", "a", "b", "c"], ["LPOP", "list"], ["HSET", "hash", "f", "v", "g", "w"],
                  ["SADD", "set", "x", "y", "z"], ["SREM", "set", "y"], ["ZADD", "zset", 1.5, "m", -2, "n"],
                  ["SET", "expiring", "soon", "EX", 1000], ["PEXPIRE", "list", 500000],
                  ["MULTI"], ["INCR", "counter"], ["APPEND", "string", "!"], ["EXEC"],
                  ["SELECT", 3], ["SET", "elsewhere", "db3"], ["SELECT", 0]):
        connection.call(*words)


# --- the files ---------------------------------------------------------------------------

def test_appendonly_yes_starts_with_a_base_an_incr_file_and_a_manifest(spawn):
    process = spawn(*AOF)
    assert aof_files(process) == ["appendonly.aof.1.base.rdb", "appendonly.aof.1.incr.aof",
                                  "appendonly.aof.manifest"]
    assert manifest(process) == ("file appendonly.aof.1.base.rdb seq 1 type b\n"
                                 "file appendonly.aof.1.incr.aof seq 1 type i\n")


def test_without_the_rdb_preamble_the_base_is_made_of_commands(spawn):
    process = spawn(*AOF, "--aof-use-rdb-preamble", "no")
    assert "appendonly.aof.1.base.aof" in aof_files(process)


def test_the_incr_file_holds_the_writes_as_commands(spawn):
    process = spawn(*AOF)
    connection = connect(process)
    connection.call("SET", "key", "value")
    connection.call("GET", "key")  # a read writes nothing
    incr = Path(process.directory) / "appendonlydir" / "appendonly.aof.1.incr.aof"
    assert incr.read_bytes() == (b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"
                                 b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n")


def test_bgrewriteaof_replaces_the_files_with_a_new_base_and_incr_file(spawn):
    process = spawn(*AOF)
    connection = connect(process)
    fill(connection)
    assert connection.call("BGREWRITEAOF") == "Background append only file rewriting started"
    assert wait_until(lambda: aof_files(process) == ["appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof",
                                                     "appendonly.aof.manifest"])
    assert wait_until(lambda: b"aof_rewrite_in_progress:0" in connection.call("INFO", "persistence"))
    before = dataset(connection)
    assert dataset(connect(restarted(spawn, process, *AOF))) == before


def test_config_set_appendonly_yes_writes_a_base_of_what_is_there(spawn):
    process = spawn()
    connection = connect(process)
    fill(connection)
    before = dataset(connection)
    assert connection.call("CONFIG", "SET", "appendonly", "yes") == "OK"
    assert wait_until(lambda: b"aof_rewrite_in_progress:0" in connection.call("INFO", "persistence"))
    connection.call("SET", "after", "the switch")
    before[0, b"after"] = ("string", b"the switch", -1)
    assert dataset(connect(restarted(spawn, process, *AOF))) == before


# --- what comes back -----------------------------------------------------------------------

def test_every_write_comes_back_after_a_restart(spawn):
    process = spawn(*AOF)
    connection = connect(process)
    fill(connection)
    before = dataset(connection)
    assert dataset(connect(restarted(spawn, process, *AOF))) == before


def test_a_relative_expiry_keeps_its_deadline_across_a_restart(spawn):
    process = spawn(*AOF)
    connection = connect(process)
    connection.call("SET", "key", "value", "PX", 500000)
    connection.call("SETEX", "other", 700, "value")
    deadlines = [connection.call("PEXPIRETIME", key) for key in ("key", "other")]
    time.sleep(0.01)  # so that a deadline counted again from the replay would differ
    again = connect(restarted(spawn, process, *AOF))
    assert [again.call("PEXPIRETIME", key) for key in ("key", "other")] == deadlines


def test_spop_replays_as_the_members_it_popped(spawn):
    process = spawn(*AOF)
    connection = connect(process)
    connection.call("SADD", "set", *range(100))
    connection.call("SPOP", "set", 10)
    connection.call("SPOP", "set")
    left = sorted(connection.call("SMEMBERS", "set"))
    again = connect(restarted(spawn, process, *AOF))
    assert sorted(again.call("SMEMBERS", "set")) == left


def test_a_key_that_expired_stays_gone_after_a_restart(spawn):
    process = spawn(*AOF)
    connection = connect(process)
    connection.call("SET", "key", "value", "PX", 1)
    assert wait_until(lambda: connection.call("EXISTS", "key") == 0)
    connection.call("SET", "other", "value")
    again = connect(restarted(spawn, process, *AOF))
    assert again.call("KEYS", "*") == [b"other"]


def test_a_blocked_pop_that_was_served_comes_back_popped(spawn):
    process = spawn(*AOF)
    waiting, pusher = connect(process), connect(process)
    waiting.send(b"*3\r\n$5\r\nBLPOP\r\n$4\r\nlist\r\n$1\r\n0\r\n")
    assert wait_until(lambda: b"blocked_clients:1" in pusher.call("INFO", "clients"))
    pusher.call("RPUSH", "list", "first", "second")
    assert waiting.read_reply() == [b"list", b"first"]
    again = connect(restarted(spawn, process, *AOF))
    assert again.call("LRANGE", "list", 0, -1) == [b"second"]


def test_flushall_is_replayed(spawn):
    process = spawn(*AOF)
    connection = connect(process)
    connection.call("SET", "old", "value")
    connection.call("FLUSHALL")
    connection.call("SET", "new", "value")
    assert connect(restarted(spawn, process, *AOF)).call("KEYS", "*") == [b"new"]


# --- files a crash cut short -------------------------------------------------------------

def cut_last_command(process: ServerProcess, extra: bytes) -> Path:
    """Stop the server and append half a command to its incr file, as a
    crash in the middle of a write leaves it."""
    process.stop()
    incr = Path(process.directory) / "appendonlydir" / "appendonly.aof.1.incr.aof"
    with incr.open("ab") as file:
        file.write(extra)
    return incr


def test_a_torn_last_command_is_cut_off_and_the_rest_loads(spawn):
    process = spawn(*AOF)
    connect(process).call("SET", "whole", "command")
    incr = cut_last_command(process, b"*3\r\n$3\r\nSET\r\n$4\r\nhalf")
    size_before = incr.stat().st_size
    again = connect(spawn(*AOF, directory=process.directory))
    assert again.call("KEYS", "*") == [b"whole"]
    assert incr.stat().st_size == size_before - len(b"*3\r\n$3\r\nSET\r\n$4\r\nhalf")


def test_a_transaction_without_its_exec_is_left_out(spawn):
    process = spawn(*AOF)
    connect(process).call("SET", "before", "it")
    cut_last_command(process, b"*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$4\r\nhalf\r\n$4\r\ndone\r\n")
    again = connect(spawn(*AOF, directory=process.directory))
    assert again.call("KEYS", "*") == [b"before"]


def test_with_aof_load_truncated_no_a_torn_file_stops_the_start(spawn):
    process = spawn(*AOF)
    connect(process).call("SET", "whole", "command")
    incr = cut_last_command(process, b"*3\r\n$3\r\nSET\r\n$4\r\nhalf")
    contents = incr.read_bytes()
    with pytest.raises(RuntimeError):
        spawn(*AOF, "--aof-load-truncated", "no", directory=process.directory)
    assert incr.read_bytes() == contents  # left as it was


def test_an_aof_that_is_not_resp_stops_the_start(spawn):
    process = spawn(*AOF)
    connect(process).call("SET", "whole", "command")
    incr = cut_last_command(process, b"this is not a command\r\n*1\r\n$4\r\nPING\r\n")
    contents = incr.read_bytes()
    with pytest.raises(RuntimeError):
        spawn(*AOF, directory=process.directory)
    assert incr.read_bytes() == contents


# --- crashes -------------------------------------------------------------------------------

class Writers:
    """Clients that each increment a counter of their own as fast as they
    can, and remember the last value the server acknowledged, until the
    server goes away."""

    def __init__(self, process: ServerProcess, count: int) -> None:
        self.acknowledged = [0] * count
        self.threads = [threading.Thread(target=self.write, args=(process, number)) for number in range(count)]
        for thread in self.threads:
            thread.start()

    def write(self, process: ServerProcess, number: int) -> None:
        client = redis_py(process.host, process.port)
        try:
            while True:
                self.acknowledged[number] = client.incr(f"counter:{number}")
        except (redis.ConnectionError, redis.TimeoutError):
            pass  # the server was killed
        finally:
            client.close()

    def join(self) -> None:
        for thread in self.threads:
            thread.join()


@pytest.mark.parametrize("trial", range(3))
def test_with_appendfsync_always_no_acknowledged_write_is_lost_in_a_crash(spawn, trial):
    process = spawn(*AOF, "--appendfsync", "always")
    writers = Writers(process, count=4)
    assert wait_until(lambda: min(writers.acknowledged) >= 20 + 20 * trial)
    process.kill()
    writers.join()
    again = connect(spawn(*AOF, directory=process.directory))
    for number, acknowledged in enumerate(writers.acknowledged):
        # The last increment may be in the file without its reply having
        # reached the client: one more than acknowledged is fine, one less is loss.
        assert int(again.call("GET", f"counter:{number}")) in (acknowledged, acknowledged + 1)


def test_with_appendfsync_everysec_a_killed_server_loses_no_acknowledged_write(spawn):
    # Killing the process loses nothing written to the file, synced or not:
    # the operating system has it. Only a crash of the machine loses the
    # last second of writes, which a test cannot stage.
    process = spawn(*AOF, "--appendfsync", "everysec")
    writers = Writers(process, count=4)
    assert wait_until(lambda: min(writers.acknowledged) >= 50)
    process.kill()
    writers.join()
    again = connect(spawn(*AOF, directory=process.directory))
    for number, acknowledged in enumerate(writers.acknowledged):
        assert int(again.call("GET", f"counter:{number}")) in (acknowledged, acknowledged + 1)


# --- snapshots ---------------------------------------------------------------------------

def persistence_info(connection: RawConnection) -> dict[bytes, bytes]:
    lines = connection.call("INFO", "persistence").splitlines()
    return dict(line.split(b":", 1) for line in lines if b":" in line)


def bgsave_done(connection: RawConnection) -> bool:
    return persistence_info(connection)[b"rdb_bgsave_in_progress"] == b"0"


def test_bgsave_writes_a_snapshot_in_the_background(spawn):
    process = spawn()
    connection = connect(process)
    connection.call("SET", "key", "value")
    assert connection.call("BGSAVE") == "Background saving started"
    assert wait_until(lambda: bgsave_done(connection) and persistence_info(connection)[b"rdb_saves"] == b"1")
    info = persistence_info(connection)
    assert info[b"rdb_last_bgsave_status"] == b"ok" and info[b"rdb_changes_since_last_save"] == b"0"
    assert (Path(process.directory) / "dump.rdb").exists()


def test_rdb_changes_since_last_save_counts_the_writes(spawn):
    connection = connect(spawn())
    connection.call("SET", "a", 1)
    connection.call("SET", "b", 2)
    connection.call("GET", "a")
    connection.call("DEL", "a", "missing")
    assert persistence_info(connection)[b"rdb_changes_since_last_save"] == b"3"


def test_save_points_start_a_background_save_on_their_own(spawn):
    process = spawn("--save", "1 1")
    connect(process).call("SET", "key", "value")
    assert wait_until(lambda: (Path(process.directory) / "dump.rdb").exists())


def test_after_a_crash_a_restart_holds_the_keys_of_the_last_snapshot(spawn):
    process = spawn()
    connection = connect(process)
    fill(connection)
    snapshot = dataset(connection)
    connection.call("BGSAVE")
    assert wait_until(lambda: bgsave_done(connection) and persistence_info(connection)[b"rdb_saves"] == b"1")
    connection.call("SET", "after", "the snapshot")
    process.kill()
    assert dataset(connect(spawn(directory=process.directory))) == snapshot


def test_ctrl_c_saves_a_last_snapshot_when_there_are_save_points(spawn):
    process = spawn("--save", "3600 1")
    connect(process).call("SET", "key", "value")
    again = connect(restarted(spawn, process))
    assert again.call("GET", "key") == b"value"


def test_flushall_with_save_points_saves_the_empty_data_at_once(spawn):
    process = spawn("--save", "3600 1")
    connection = connect(process)
    connection.call("SET", "key", "value")
    assert connection.call("SAVE") == "OK"
    connection.call("FLUSHALL")
    process.kill()  # no chance to save at exit: the snapshot FLUSHALL wrote is what is left
    assert connect(spawn(directory=process.directory)).call("DBSIZE") == 0


def test_debug_reload_saves_and_loads_the_data_back(spawn):
    connection = connect(spawn("--enable-debug-command", "yes"))
    fill(connection)
    before = dataset(connection)
    assert connection.call("DEBUG", "RELOAD") == "OK"
    assert dataset(connection) == before


# --- when saving fails ---------------------------------------------------------------------

def test_after_a_failed_background_save_writes_and_ping_are_refused(spawn):
    process = spawn("--save", "3600 1")
    connection = connect(process)
    connection.call("SET", "key", "value")
    shutil.rmtree(process.directory)  # nowhere to write the snapshot to
    assert connection.call("BGSAVE") == "Background saving started"
    assert wait_until(lambda: b"rdb_last_bgsave_status:err" in connection.call("INFO", "persistence"))
    for words in (["SET", "key", "other"], ["PING"]):
        assert connection.call(*words).startswith("MISCONF Redis is configured to save RDB snapshots")
    assert connection.call("GET", "key") == b"value"  # reads go on
    connection.call("CONFIG", "SET", "save", "")  # nothing to refuse for any more; and exit without saving
    assert connection.call("SET", "key", "other") == "OK"


# --- with real Redis ----------------------------------------------------------------------

@pytest.fixture
def redis_on(request):
    """redis_on(directory, *config) starts a real redis-server on a directory."""
    started = []

    def start(directory: str, *config: str) -> ServerProcess:
        process = start_redis("--dir", directory, *config)
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


def test_real_redis_loads_our_aof_and_we_load_its(spawn, redis_on, target):
    if target.kind == "redis":
        pytest.skip("compares the server with a real redis-server")
    for preamble in ("yes", "no"):
        ours = spawn(*AOF, "--aof-use-rdb-preamble", preamble)
        fill(connect(ours))
        connect(ours).call("BGREWRITEAOF")
        connection = connect(ours)
        assert wait_until(lambda: b"aof_rewrite_in_progress:0" in connection.call("INFO", "persistence"))
        connection.call("SET", "after", "the rewrite")
        connection.call("SADD", "set", "w")
        held = dataset(connection)
        ours.stop()
        theirs = redis_on(ours.directory, *AOF)
        assert dataset(connect(theirs)) == held
        connect(theirs).call("SET", "written by", "redis")
        held[0, b"written by"] = ("string", b"redis", -1)
        theirs.stop()
        assert dataset(connect(spawn(*AOF, directory=ours.directory))) == dict(sorted(held.items()))
