"""Step 13: RESP3, and a server that introduces itself.

HELLO switches a connection to RESP3, where a reply's type says what it is:
maps, sets, doubles, one null. A differential test sends a table of commands
of every step after HELLO 3 to the step and to a real redis-server and
compares the frames. Then the commands a client uses to learn about the
server and itself: CLIENT, INFO, CONFIG (every parameter of Redis 7.0, with
its defaults and checks), AUTH, RESET, and the rest of step 13.
"""

from __future__ import annotations

import os
import re
import socket
import time

import pytest
import redis
import redis.asyncio

from clients import ErrorReply, RawConnection, redis_cli, redis_py
from helpers import (asyncio_client_agrees, info_field, lookups_counted, redis_py_agrees,
                     same_command_table_entries, sections)
from resp3 import Frame, same_frames


def default_client(server, protocol: int = 3, **options) -> redis.Redis:
    """redis-py as a user gets it: RESP3 is its default. No retries, as in every test."""
    return redis_py(server.host, server.port, protocol, **options)


@pytest.fixture
def r3(server):
    client = default_client(server)
    yield client
    client.close()


# --- HELLO ---------------------------------------------------------------------------------

def test_hello_3_switches_to_resp3_and_describes_the_server(resp3):
    connection = resp3(protocol=2)
    reply = connection.call("HELLO", "3")
    assert reply.kind == "map"
    fields = {key.value: value for key, value in reply.value}
    assert list(fields) == [b"server", b"version", b"proto", b"id", b"mode", b"role", b"modules"]
    assert fields[b"server"] == Frame("bulk", b"redis")
    assert re.fullmatch(rb"7\.0\.\d+", fields[b"version"].value)
    assert fields[b"proto"] == Frame("integer", b"3")
    assert fields[b"id"] == connection.call("CLIENT", "ID")
    assert fields[b"mode"] == Frame("bulk", b"standalone")
    assert fields[b"role"] == Frame("bulk", b"master")
    assert fields[b"modules"] == Frame("array", ())


def test_hello_2_replies_in_resp2_as_a_flat_list(raw):
    reply = raw().call("HELLO", "2")
    assert reply[::2] == [b"server", b"version", b"proto", b"id", b"mode", b"role", b"modules"]
    assert reply[5] == 2


def test_hello_without_a_version_keeps_the_protocol(resp3):
    connection = resp3()
    reply = connection.call("HELLO")
    assert dict(reply.value)[Frame("bulk", b"proto")] == Frame("integer", b"3")


def test_hello_back_to_2_makes_replies_resp2_again(resp3):
    connection = resp3()
    connection.call("HELLO", "2")
    assert connection.call("GET", "missing") == Frame("null-bulk", None)


@pytest.mark.parametrize("version", ["1", "4", "-1", "300"])
def test_hello_refuses_other_protocol_versions(call, version):
    assert call("HELLO", version) == "NOPROTO unsupported protocol version"


def test_hello_version_must_be_an_integer(call):
    assert call("HELLO", "three") == "ERR Protocol version is not an integer or out of range"


def test_hello_option_it_does_not_know_is_a_syntax_error(call):
    assert call("HELLO", "3", "FOO") == "ERR Syntax error in HELLO option 'FOO'"
    assert call("HELLO", "3", "AUTH", "default") == "ERR Syntax error in HELLO option 'AUTH'"


def test_hello_setname_names_the_connection(raw):
    connection = raw()
    connection.call("HELLO", "2", "SETNAME", "worker-1")
    assert connection.call("CLIENT", "GETNAME") == b"worker-1"


def test_hello_setname_refuses_a_name_with_spaces(call):
    assert call("HELLO", "2", "SETNAME", "my name") == \
        "ERR Client names cannot contain spaces, newlines or special characters."


def test_hello_auth_with_no_password_set_accepts_the_default_user(call):
    assert call("HELLO", "2", "AUTH", "default", "anything")[1] == b"redis"
    assert call("HELLO", "2", "AUTH", "someone", "anything") == \
        "WRONGPASS invalid username-password pair or user is disabled."


# --- RESP3 replies, compared with Redis frame by frame ---------------------------------------

# Each family runs in order on a fresh server after HELLO 3. A line starting
# with "~" is a reply whose order Redis does not promise (KEYS, HKEYS): its
# arrays are compared as sets. "?" compares the reply's types only, where the
# content is ours (COMMAND INFO); "#" runs the command without comparing (TIME).
DIFFERENTIAL = {
    "connection": """
        PING
        PING hello
        ECHO hi
        SELECT 1
        SET k v
        SELECT 0
        GET k
        CLIENT GETNAME
        CLIENT SETNAME me
        CLIENT GETNAME
        CLIENT SETNAME ""
        CLIENT GETNAME
        ACL WHOAMI
        AUTH pass
        HELLO 4
        CLIENT NO-EVICT on
        CLIENT NO-EVICT off
        CLIENT LIST TYPE pubsub
        CLIENT LIST ID 999999
        CLIENT KILL 1.2.3.4:5
        CLIENT KILL ID 999999
        CLIENT KILL TYPE master
        NOSUCHCOMMAND arg
        GET
    """,
    "strings": """
        SET s hello
        GET s
        GET missing
        SET s world GET
        SET s2 x NX
        SET s2 y NX
        SET s2 y XX GET
        SET n 10
        INCR n
        INCRBY n 5
        DECR n
        DECRBY n 3
        INCRBYFLOAT n 1.5
        INCRBYFLOAT n 1e3
        INCR s
        STRLEN s
        APPEND s !!
        GETRANGE s 0 2
        SUBSTR s 0 2
        SETRANGE s 1 ab
        LCS s n
        LCS s n LEN
        LCS s n IDX MINMATCHLEN 1 WITHMATCHLEN
        MSET a 1 b 2
        MGET a b missing
        MSETNX a 1 c 3
        GETSET a new
        GETDEL b
        GETDEL b
        SETNX sn 1
        SETEX se 100 v
        PSETEX pe 100000 v
        GETEX se PERSIST
        TTL se
        SETEX se 0 v
    """,
    "keys": """
        SET a 1
        SET b 2
        RPUSH l x
        EXISTS a b missing
        TOUCH a missing b
        TYPE a
        TYPE l
        TYPE missing
        EXPIRE a 100
        TTL a
        PTTL missing
        EXPIRETIME b
        PERSIST a
        TTL a
        RENAME a c
        RENAME missing d
        RENAMENX c b
        COPY c d
        COPY c d
        MOVE d 1
        ~KEYS *
        ~SCAN 0 COUNT 100
        SCAN 0 TYPE list
        DEL c missing
        UNLINK b
        DBSIZE
        SWAPDB 0 1
        DBSIZE
        RANDOMKEY
        FLUSHDB
        RANDOMKEY
        SELECT 99
    """,
    "lists": """
        RPUSH l a b c d
        LPUSH l z
        LRANGE l 0 -1
        LPOP l
        RPOP l 2
        LPOP missing
        LPOP missing 2
        RPOP missing 3
        LLEN l
        LINDEX l 0
        LINDEX l 99
        LSET l 0 A
        LINSERT l BEFORE A first
        LPOS l A
        LPOS l nothing
        LPOS l A COUNT 0
        LREM l 1 A
        LTRIM l 0 0
        LMOVE l dest RIGHT LEFT
        LMOVE missing dest RIGHT LEFT
        RPOPLPUSH dest l
        LMPOP 2 missing l LEFT COUNT 5
        LMPOP 1 missing LEFT
        LPUSHX missing a
        RPUSHX l a
        SET s x
        LPUSH s a
    """,
    "hashes": """
        HSET h f1 v1 f2 v2 n 5
        HGET h f1
        HGET h nope
        HMGET h f1 nope f2
        HGETALL h
        HGETALL missing
        ~HKEYS h
        ~HVALS h
        HLEN h
        HEXISTS h f1
        HSTRLEN h f1
        HINCRBY h n 2
        HINCRBYFLOAT h n 0.5
        HSETNX h f1 x
        HMSET h f3 v3
        HDEL h f3 nope
        ~HRANDFIELD h 10
        ~HRANDFIELD h 10 WITHVALUES
        HRANDFIELD missing 3 WITHVALUES
        HRANDFIELD missing
        ~HSCAN h 0 COUNT 100
        HSET one only value
        HRANDFIELD one -2 WITHVALUES
        HRANDFIELD one
    """,
    "sets": """
        SADD s a b c
        SADD t b c d
        SMEMBERS s
        SMEMBERS missing
        SISMEMBER s a
        SMISMEMBER s a z
        SCARD s
        SINTER s t
        SINTER s missing
        SUNION s t
        SDIFF s t
        SINTERSTORE i s t
        SUNIONSTORE u s t
        SDIFFSTORE d s t
        SINTERCARD 2 s t
        SINTERCARD 2 s t LIMIT 1
        SMOVE s t a
        ~SRANDMEMBER u 10
        SPOP missing
        SPOP missing 2
        SADD one x
        SRANDMEMBER one
        SRANDMEMBER one -2
        SPOP one 5
        ~SSCAN t 0 COUNT 100
        SREM t b z
    """,
    "sorted sets": """
        ZADD z 1 a 2 b 3.5 c
        ZADD z INCR 1.25 a
        ZADD z XX INCR 1 nope
        ZADD z NX CH 5 d
        ZSCORE z a
        ZSCORE z nope
        ZSCORE missing a
        ZMSCORE z a nope c
        ZINCRBY z 0.1 b
        ZINCRBY z 1e300 d
        ZINCRBY z inf e
        ZCARD z
        ZRANK z c
        ZREVRANK z nope
        ZCOUNT z 1 3
        ZLEXCOUNT z - +
        ZRANGE z 0 -1
        ZRANGE z 0 -1 WITHSCORES
        ZRANGE z (1 +inf BYSCORE LIMIT 0 2 WITHSCORES
        ZRANGE z 0 -1 REV WITHSCORES
        ZRANGE missing 0 -1 WITHSCORES
        ZREVRANGE z 0 1 WITHSCORES
        ZRANGEBYSCORE z -inf +inf WITHSCORES
        ZREVRANGEBYSCORE z +inf -inf WITHSCORES LIMIT 1 1
        ZADD lex 0 a 0 b 0 c
        ZRANGEBYLEX lex [a (c
        ZREVRANGEBYLEX lex + -
        ZRANGESTORE copy z 0 1
        ZUNION 2 z lex WITHSCORES
        ZINTER 2 z copy WEIGHTS 2 3 WITHSCORES
        ZDIFF 2 z copy WITHSCORES
        ZUNIONSTORE u 2 z lex AGGREGATE MAX
        ZINTERSTORE i 2 z copy
        ZDIFFSTORE d 2 z copy
        ZINTERCARD 2 z copy
        ZPOPMIN z
        ZPOPMAX z
        ZPOPMIN z 2
        ZPOPMIN missing
        ZPOPMAX missing 2
        ZMPOP 2 missing u MIN COUNT 2
        ZMPOP 1 missing MAX
        ZADD one 7 only
        ZRANDMEMBER one
        ZRANDMEMBER one -2 WITHSCORES
        ZRANDMEMBER missing 2 WITHSCORES
        ZSCAN one 0
        ZREM u a nope
        ZREMRANGEBYRANK u 0 0
        ZREMRANGEBYSCORE u -inf 1
        ZREMRANGEBYLEX lex [a [b
        ZADD z nan x
    """,
    "server": """
        CONFIG GET hz
        CONFIG GET maxmemory-policy
        CONFIG SET hz 10
        CONFIG GET doesnotexist
        #TIME
        ?COMMAND INFO get zadd config|get
        ?COMMAND DOCS get zadd config
        COMMAND INFO nosuchcommand
        COMMAND DOCS nosuchcommand
        FUNCTION FLUSH
        FUNCTION LIST
        SCRIPT FLUSH
        SCRIPT EXISTS abc
        FUNCTION DELETE nosuch
        FUNCTION KILL
        SCRIPT KILL
        #LASTSAVE
        DBSIZE
        FLUSHALL
    """,
}


def differential_lines(family: str) -> list[str]:
    return [line.strip() for line in DIFFERENTIAL[family].strip().splitlines()]


@pytest.mark.parametrize("family", list(DIFFERENTIAL))
def test_resp3_replies_are_the_frames_redis_sends(server, reference_redis, family):
    same_frames(server, reference_redis, differential_lines(family))


# --- redis-py as a user runs it --------------------------------------------------------------

def exercise(client: redis.Redis) -> list:
    """One call of each family, through redis-py's own methods."""
    return [
        client.ping(), client.set("s", "v"), client.get("s"), client.incrbyfloat("f", 1.5),
        client.rpush("l", "a", "b"), client.lrange("l", 0, -1), client.lpop("missing", 2),
        client.hset("h", mapping={"a": "1", "b": "2"}), client.hgetall("h"), client.hgetall("missing"),
        client.hrandfield("h", 5, withvalues=True) is not None,
        client.sadd("set", "x", "y"), client.smembers("set"), client.sinter("set", "missing"),
        client.zadd("z", {"m": 1.5, "n": 2}), client.zscore("z", "m"), client.zrange("z", 0, -1, withscores=True),
        client.zincrby("z", 0.5, "m"), client.zmscore("z", ["m", "nope"]), client.zpopmin("z"),
        client.zrandmember("z", 1, withscores=True), client.config_get("hz"),
        client.exists("s", "l"), client.type("h"), client.ttl("s"), client.dbsize(),
        client.client_getname(), client.client_setname("me"), client.client_getname(),
        client.echo("hi"), client.touch("s", "missing"),
    ]


def test_redis_py_gets_what_it_gets_from_redis(server, reference_redis):
    redis_py_agrees(server, reference_redis, exercise)  # RESP3, its default, and RESP2


def test_redis_py_asyncio_client_gets_what_it_gets_from_redis(server, reference_redis):
    async def exercise_async(client: redis.asyncio.Redis) -> list:
        return [
            await client.ping(), await client.hset("h", "f", "v"), await client.hgetall("h"),
            await client.sadd("s", "a"), await client.smembers("s"), await client.zadd("z", {"a": 2.5}),
            await client.zrange("z", 0, -1, withscores=True), await client.zscore("z", "a"),
            await client.get("missing"), (await client.info("server"))["redis_version"][:2],
        ]

    asyncio_client_agrees(server, reference_redis, exercise_async)


def test_the_default_client_talks_to_the_server(r3):
    assert r3.ping() is True
    assert r3.set("greeting", "hello") is True
    assert r3.get("greeting") == b"hello"


# --- CLIENT ----------------------------------------------------------------------------------

def test_client_id_is_a_different_number_for_each_connection(raw):
    first, second = raw().call("CLIENT", "ID"), raw().call("CLIENT", "ID")
    assert isinstance(first, int) and isinstance(second, int)
    assert second > first


def test_client_setname_and_getname(call, raw):
    connection = raw()
    assert connection.call("CLIENT", "GETNAME") is None
    assert connection.call("CLIENT", "SETNAME", "reporter") == "OK"
    assert connection.call("CLIENT", "GETNAME") == b"reporter"
    assert connection.call("CLIENT", "SETNAME", "") == "OK"
    assert connection.call("CLIENT", "GETNAME") is None


def test_client_setname_refuses_names_with_spaces_or_newlines(call):
    for name in ["two words", "line\nbreak", "caf\xe9"]:
        assert call("CLIENT", "SETNAME", name) == \
            "ERR Client names cannot contain spaces, newlines or special characters."


def client_fields(line: bytes) -> dict[str, str]:
    return dict(field.split("=", 1) for field in line.decode().split(" "))


CLIENT_FIELDS_IN_ORDER = ["id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "sub", "psub",
                          "multi", "qbuf", "obl", "oll", "omem", "events", "cmd", "user", "resp"]


def test_client_info_describes_this_connection(server):
    connection = RawConnection(server.host, server.port)
    try:
        connection.call("SELECT", "3")
        connection.call("CLIENT", "SETNAME", "me")
        info = connection.call("CLIENT", "INFO")
        assert info.endswith(b"\n") and info.count(b"\n") == 1
        fields = client_fields(info.rstrip(b"\n"))
        ordered = [name for name in fields if name in CLIENT_FIELDS_IN_ORDER]
        assert ordered == CLIENT_FIELDS_IN_ORDER  # Redis's order, whatever other fields it adds
        host, port = connection.sock.getsockname()[:2]
        assert fields["addr"] == f"{host}:{port}"
        assert fields["laddr"] == f"{server.host}:{server.port}"
        assert fields["id"] == str(connection.call("CLIENT", "ID"))
        assert (fields["name"], fields["db"], fields["cmd"], fields["resp"]) == ("me", "3", "client|info", "2")
        assert fields["flags"] == "N" and fields["user"] == "default" and fields["multi"] == "-1"
    finally:
        connection.close()


def test_client_list_has_one_line_per_connection(raw):
    connections = [raw() for _ in range(3)]
    ids = [connection.call("CLIENT", "ID") for connection in connections]
    listed = [client_fields(line) for line in connections[0].call("CLIENT", "LIST").splitlines()]
    assert set(map(str, ids)) <= {fields["id"] for fields in listed}
    mine = next(fields for fields in listed if fields["id"] == str(ids[0]))
    assert mine["cmd"] == "client|list"
    other = next(fields for fields in listed if fields["id"] == str(ids[1]))
    assert other["cmd"] == "client|id"


def test_client_list_idle_counts_seconds_since_the_last_command(raw):
    sleeper, watcher = raw(), raw()
    sleeper.call("CLIENT", "SETNAME", "sleeper")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        listed = [client_fields(line) for line in watcher.call("CLIENT", "LIST").splitlines()]
        fields = next(fields for fields in listed if fields["name"] == "sleeper")
        if int(fields["idle"]) >= 1:
            assert int(fields["age"]) >= 1
            return
        time.sleep(0.1)
    pytest.fail("a connection that sent nothing for seconds still shows idle=0")


def test_client_list_by_id(raw):
    first, second = raw(), raw()
    second_id = second.call("CLIENT", "ID")
    listed = first.call("CLIENT", "LIST", "ID", second_id, 999999).splitlines()
    assert [client_fields(line)["id"] for line in listed] == [str(second_id)]


def test_client_list_by_type(call):
    assert b"cmd=client|list" in call("CLIENT", "LIST", "TYPE", "normal")
    assert call("CLIENT", "LIST", "TYPE", "pubsub") == b""
    assert call("CLIENT", "LIST", "TYPE", "bogus") == "ERR Unknown client type 'bogus'"


def test_client_list_bad_arguments(call):
    assert call("CLIENT", "LIST", "ID", "abc") == "ERR Invalid client ID"
    assert call("CLIENT", "LIST", "FOO") == "ERR syntax error"


def test_client_kill_by_id_closes_that_connection(raw):
    killer, victim = raw(), raw()
    assert killer.call("CLIENT", "KILL", "ID", victim.call("CLIENT", "ID")) == 1
    assert victim.is_closed_by_server()
    assert killer.call("PING") == "PONG"


def test_client_kill_by_address_in_the_old_form(raw):
    killer, victim = raw(), raw()
    host, port = victim.sock.getsockname()[:2]
    assert killer.call("CLIENT", "KILL", f"{host}:{port}") == "OK"
    assert victim.is_closed_by_server()
    assert killer.call("CLIENT", "KILL", f"{host}:{port}") == "ERR No such client"


def test_client_kill_skips_the_caller_unless_told_not_to(raw):
    caller = raw()
    host, port = caller.sock.getsockname()[:2]
    assert caller.call("CLIENT", "KILL", "ADDR", f"{host}:{port}") == 0
    assert caller.call("CLIENT", "KILL", "ADDR", f"{host}:{port}", "SKIPME", "no") == 1
    assert caller.is_closed_by_server()  # after the reply


def test_client_kill_bad_filters(call):
    assert call("CLIENT", "KILL", "ID", "0") == "ERR client-id should be greater than 0"
    assert call("CLIENT", "KILL", "ID", "x") == "ERR client-id should be greater than 0"
    assert call("CLIENT", "KILL", "TYPE", "bogus") == "ERR Unknown client type 'bogus'"
    assert call("CLIENT", "KILL", "USER", "nobody") == "ERR No such user 'nobody'"
    assert call("CLIENT", "KILL", "SKIPME", "maybe") == "ERR syntax error"
    assert call("CLIENT", "KILL", "ID", "5", "TYPE") == "ERR syntax error"


def test_client_reply_off_silences_until_on(raw):
    connection = raw()
    connection.send(b"CLIENT REPLY OFF\r\nSET a 1\r\nGET a\r\nCLIENT REPLY ON\r\nGET a\r\n")
    assert connection.read_reply() == "OK"  # the reply to ON is the first thing back
    assert connection.read_reply() == b"1"


def test_client_reply_skip_drops_the_next_reply_only(raw):
    connection = raw()
    connection.send(b"CLIENT REPLY SKIP\r\nECHO skipped\r\nECHO shown\r\n")
    assert connection.read_reply() == b"shown"
    assert connection.call("PING") == "PONG"


def test_client_reply_bad_mode_is_a_syntax_error(call):
    assert call("CLIENT", "REPLY", "MAYBE") == "ERR syntax error"


def test_client_no_evict_takes_on_and_off(call):
    assert call("CLIENT", "NO-EVICT", "on") == "OK"
    assert call("CLIENT", "NO-EVICT", "off") == "OK"
    assert call("CLIENT", "NO-EVICT", "maybe") == "ERR syntax error"


def test_client_subcommand_errors(call):
    assert call("CLIENT", "FOO") == "ERR unknown subcommand 'FOO'. Try CLIENT HELP."
    assert call("CLIENT", "ID", "extra") == "ERR wrong number of arguments for 'client|id' command"
    assert call("CLIENT") == "ERR wrong number of arguments for 'client' command"


def test_client_help_lists_subcommands_as_status_lines(call):
    lines = call("CLIENT", "HELP")
    assert lines[0] == "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    assert lines[-2:] == ["HELP", "    Prints this help."]
    assert "SETNAME <name>" in lines and "REPLY (ON|OFF|SKIP)" in lines


def test_command_help_lists_its_subcommands_as_status_lines(call):
    lines = call("COMMAND", "HELP")
    assert lines[0] == "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    assert lines[-2:] == ["HELP", "    Prints this help."]
    assert "COUNT" in lines and "DOCS [<command-name> ...]" in lines


def test_command_help_appears_in_the_command_table_as_in_redis(call, reference_redis):
    same_command_table_entries(call, reference_redis, ["command|help"])


# --- INFO ------------------------------------------------------------------------------------

DEFAULT_SECTIONS = ["Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU", "Modules",
                    "Errorstats", "Cluster", "Keyspace"]


def test_info_has_redis_default_sections_in_redis_order(call):
    text = call("INFO")
    assert text.startswith(b"# Server\r\n") and text.endswith(b"\r\n")
    assert list(sections(text)) == DEFAULT_SECTIONS


def test_info_all_adds_commandstats(call):
    assert "Commandstats" in sections(call("INFO", "all"))
    assert "Commandstats" in sections(call("INFO", "everything"))
    assert "Commandstats" not in sections(call("INFO", "default"))


def test_info_sections_can_be_chosen_in_any_case(call):
    assert list(sections(call("INFO", "KEYSPACE", "server"))) == ["Server", "Keyspace"]


def test_info_unknown_section_is_empty(call):
    assert call("INFO", "nosuchsection") == b""


def test_info_is_a_verbatim_string_in_resp3(resp3):
    reply = resp3().call("INFO", "server")
    assert reply.kind == "verbatim" and reply.value.startswith(b"txt:# Server\r\n")


def test_info_field_names_are_redis_field_names(call, reference_redis):
    ours = sections(call("INFO", "everything"))
    theirs_connection = RawConnection(reference_redis.host, reference_redis.port)
    try:
        theirs_connection.call("SET", "k", "v")  # so that both have a db0 line
        theirs_connection.call("NOSUCHCOMMAND")  # and an errorstat line
        theirs = sections(theirs_connection.call("INFO", "everything"))
    finally:
        theirs_connection.close()
    named_after_data = {"Commandstats", "Latencystats", "Errorstats", "Keyspace"}
    assert set(ours) - named_after_data <= set(theirs)
    for section, fields in ours.items():
        if section in named_after_data:
            continue  # their field names are commands, errors, databases
        ours_only = set(fields) - set(theirs[section]) - {"python_version", "mem_allocator"}
        assert not ours_only, f"# {section} fields Redis does not have: {ours_only}"


def test_info_counts_commands_processed(raw):
    connection = raw()
    before = int(sections(connection.call("INFO", "stats"))["Stats"]["total_commands_processed"])
    for _ in range(5):
        connection.call("PING")
    after = int(sections(connection.call("INFO", "stats"))["Stats"]["total_commands_processed"])
    assert after - before == 6  # the five PINGs and the first INFO


def test_info_counts_connected_clients(raw):
    first = raw()
    before = int(sections(first.call("INFO", "clients"))["Clients"]["connected_clients"])
    others = [raw() for _ in range(3)]
    for other in others:
        other.call("PING")
    assert int(sections(first.call("INFO", "clients"))["Clients"]["connected_clients"]) == before + 3


def test_info_counts_keyspace_hits_and_misses_of_reads(raw):
    connection = raw()
    connection.call("CONFIG", "RESETSTAT")
    connection.call("SET", "here", "1")
    connection.call("GET", "here")
    connection.call("GET", "here")
    connection.call("GET", "absent")
    connection.call("DEL", "absent")  # a write: not counted
    stats = sections(connection.call("INFO", "stats"))["Stats"]
    assert (stats["keyspace_hits"], stats["keyspace_misses"]) == ("2", "1")


# Redis counts a lookup as a keyspace hit or miss when it looks the key up
# to read it: every key of a read-only command, and in a command that
# writes, the keys it reads (the old value of SET ... GET, the sources of
# the *STORE commands), not those it only writes or moves.
LOOKUPS_COUNTED = [
    ("GET s", 1, 0),
    ("GET missing", 0, 1),
    ("MGET s missing", 1, 1),
    ("SET s 2", 0, 0),
    ("SET s 2 GET", 1, 0),
    ("SET missing 2 GET", 0, 1),
    ("GETSET s 3", 1, 0),
    ("GETDEL s", 1, 0),
    ("GETDEL missing", 0, 1),
    ("GETEX s PERSIST", 1, 0),
    ("APPEND s x", 0, 0),
    ("EXISTS s missing", 1, 1),
    ("COPY s copy", 1, 0),
    ("COPY missing copy", 0, 1),
    ("RENAME s t", 0, 0),
    ("LMOVE l l2 LEFT LEFT", 0, 0),
    ("SMOVE set set2 a", 0, 0),
    ("SINTERSTORE d set set2", 2, 0),
    ("SUNIONSTORE d set missing", 1, 1),
    ("SDIFFSTORE d set set2", 2, 0),
    ("ZRANGESTORE d z 0 -1", 1, 0),
    ("ZUNIONSTORE d 2 z z2", 2, 0),
    ("ZINTERSTORE d 2 z missing", 1, 1),
    ("ZDIFFSTORE d 2 z z2", 2, 0),
    ("SINTER set set2", 2, 0),
    ("ZUNION 2 z z2", 2, 0),
    ("SORT l ALPHA", 1, 0),
    ("SORT l ALPHA STORE d", 1, 0),
    ("SORT missing STORE s", 0, 1),  # the key it replaces is written, not read
    ("SORT_RO missing", 0, 1),
    ("SORT l BY w_* GET h_*", 1, 6),
]


@pytest.mark.parametrize("command, hits, misses", LOOKUPS_COUNTED)
def test_info_counts_the_lookups_that_read_as_hits_and_misses(call, command, hits, misses):
    for setup in ["SET s 1", "RPUSH l a b c", "SADD set a b", "SADD set2 b c", "ZADD z 1 a 2 b", "ZADD z2 1 b"]:
        call(*setup.split())
    assert lookups_counted(call, *command.split()) == (hits, misses)


def test_info_keyspace_lists_each_database_with_keys(raw):
    connection = raw()
    connection.call("SET", "a", "1")
    connection.call("SET", "b", "2", "EX", "100")
    connection.call("SELECT", "2")
    connection.call("SET", "c", "3")
    keyspace = sections(connection.call("INFO", "keyspace"))["Keyspace"]
    assert set(keyspace) == {"db0", "db2"}
    assert keyspace["db0"].startswith("keys=2,expires=1,avg_ttl=")
    assert keyspace["db2"] == "keys=1,expires=0,avg_ttl=0"


def test_info_counts_expired_keys(raw):
    connection = raw()
    connection.call("CONFIG", "RESETSTAT")
    connection.call("SET", "short", "1", "PX", "1")
    deadline = time.monotonic() + 5
    while connection.call("EXISTS", "short") and time.monotonic() < deadline:
        pass
    assert sections(connection.call("INFO", "stats"))["Stats"]["expired_keys"] == "1"


def test_info_commandstats_counts_calls_and_failures(raw):
    connection = raw()
    connection.call("CONFIG", "RESETSTAT")
    connection.call("SET", "s", "x")
    connection.call("INCR", "s")  # fails: not an integer
    connection.call("GET", "s", "extra")  # rejected: wrong arity
    stats = sections(connection.call("INFO", "commandstats"))["Commandstats"]
    assert re.fullmatch(r"calls=1,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=1",
                        stats["cmdstat_incr"])
    assert stats["cmdstat_get"].startswith("calls=0,") and stats["cmdstat_get"].endswith(
        ",rejected_calls=1,failed_calls=0")


def test_info_errorstats_counts_errors_by_kind(raw):
    connection = raw()
    connection.call("CONFIG", "RESETSTAT")
    connection.call("RPUSH", "list", "a")
    connection.call("GET", "list")
    connection.call("NOSUCHCOMMAND")
    connection.call("GET", "list")
    errors = sections(connection.call("INFO", "errorstats"))["Errorstats"]
    assert errors == {"errorstat_ERR": "count=1", "errorstat_WRONGTYPE": "count=2"}
    assert sections(connection.call("INFO", "stats"))["Stats"]["total_error_replies"] == "3"


def test_info_used_memory_grows_with_the_data(raw):
    connection = raw()
    before = int(sections(connection.call("INFO", "memory"))["Memory"]["used_memory"])
    connection.call("SET", "big", b"x" * 50_000_000)
    after = int(sections(connection.call("INFO", "memory"))["Memory"]["used_memory"])
    assert after - before >= 40_000_000


def test_info_server_tells_the_port_and_uptime(server, call):
    fields = sections(call("INFO", "server"))["Server"]
    assert fields["tcp_port"] == str(server.port)
    assert int(fields["uptime_in_seconds"]) >= 0 and re.fullmatch(r"[0-9a-f]{40}", fields["run_id"])


def test_redis_py_info_parses_it(r3):
    info = r3.info()
    assert info["redis_version"].startswith("7.")
    assert info["connected_clients"] >= 1 and isinstance(info["used_memory"], int)
    assert "cmdstat_ping" in r3.info("commandstats") or r3.ping()


# --- CONFIG --------------------------------------------------------------------------------

# Values that depend on how and where the server runs, rather than on Redis:
# its port and address, its working directory, and maxclients, which Redis
# lowers at startup when the limit on open files is too low for 10000 clients.
ENVIRONMENT = {"port", "bind", "dir", "maxclients"}


def config_get(call, *patterns) -> dict[str, str]:
    reply = call("CONFIG", "GET", *patterns)
    return {name.decode(): value.decode() for name, value in zip(reply[::2], reply[1::2])}


@pytest.fixture
def restore_config(call):
    """Put back every parameter a test changed, so that later tests see the defaults."""
    saved = config_get(call, "*")
    yield
    for name, value in config_get(call, "*").items():
        if value != saved[name]:
            assert call("CONFIG", "SET", name, saved[name]) == "OK", name


def config_set_failed(name: str, reason: str) -> str:
    return f"ERR CONFIG SET failed (possibly related to argument '{name}') - {reason}"


# --- CONFIG GET --------------------------------------------------------------------------------


def test_config_get_star_lists_every_parameter_redis_has(call, reference_redis):
    reference = RawConnection(reference_redis.host, reference_redis.port)
    try:
        ours, theirs = config_get(call, "*"), config_get(reference.call, "*")
    finally:
        reference.close()
    assert len(theirs) == 192
    assert sorted(ours) == sorted(theirs)
    assert {name: value for name, value in ours.items() if name not in ENVIRONMENT} == {
        name: value for name, value in theirs.items() if name not in ENVIRONMENT}


def test_config_get_port_is_the_port_the_server_listens_on(call, server):
    assert config_get(call, "port") == {"port": str(server.port)}


def test_config_get_dir_is_the_servers_working_directory(call):
    directory = config_get(call, "dir")["dir"]
    assert os.path.isabs(directory) and os.path.isdir(directory)


@pytest.mark.parametrize("old, new", [
    ("hash-max-ziplist-entries", "hash-max-listpack-entries"),
    ("zset-max-ziplist-value", "zset-max-listpack-value"),
    ("list-max-ziplist-size", "list-max-listpack-size"),
    ("slave-read-only", "replica-read-only"),
    ("lua-time-limit", "busy-reply-threshold"),
    ("slaveof", "replicaof"),
])
def test_an_old_name_is_listed_and_answers_with_the_parameters_value(call, old, new):
    everything = config_get(call, "*")
    assert old in everything and new in everything
    assert everything[old] == everything[new]
    assert config_get(call, old) == {old: everything[new]}


@pytest.mark.parametrize("pattern, names", [
    ("hash-max-*", ["hash-max-listpack-entries", "hash-max-listpack-value",
                    "hash-max-ziplist-entries", "hash-max-ziplist-value"]),
    ("SLAVE*", ["slave-announce-ip", "slave-announce-port", "slave-ignore-maxmemory", "slave-lazy-flush",
                "slave-priority", "slave-read-only", "slave-serve-stale-data", "slaveof"]),
    ("*_CPULIST", ["aof_rewrite_cpulist", "bgsave_cpulist", "bio_cpulist", "server_cpulist"]),
    ("maxmemory*", ["maxmemory", "maxmemory-clients", "maxmemory-eviction-tenacity", "maxmemory-policy",
                    "maxmemory-samples"]),
    ("tls-*-file", ["tls-ca-cert-file", "tls-cert-file", "tls-client-cert-file", "tls-client-key-file",
                    "tls-dh-params-file", "tls-key-file"]),
])
def test_config_get_patterns_match_names_old_and_new_in_any_case(call, pattern, names):
    assert sorted(config_get(call, pattern)) == names


def test_a_parameter_asked_for_twice_is_replied_once_under_the_first_name(call):
    assert call("CONFIG", "GET", "HZ", "h?") == [b"HZ", b"10"]
    assert call("CONFIG", "GET", "h?", "HZ") == [b"hz", b"10"]
    assert call("CONFIG", "GET", "HZ", "hz") == [b"HZ", b"10"]


def test_an_old_name_and_the_new_one_are_two_names_in_a_reply(call):
    assert config_get(call, "slave-priority", "replica-priority") == {
        "slave-priority": "100", "replica-priority": "100"}


# --- CONFIG SET: each kind of value, and how CONFIG GET prints it back -------------------------

PUBSUB_LIMITS, SLAVE_LIMITS = "pubsub 33554432 8388608 60", "slave 268435456 67108864 60"

ROUND_TRIPS = [
    # yes or no, in any case
    ("activerehashing", "NO", "no"),
    ("lazyfree-lazy-expire", "Yes", "yes"),
    # integers
    ("timeout", "300", "300"),
    ("list-max-listpack-size", "-5", "-5"),
    ("slowlog-log-slower-than", "-1", "-1"),
    ("hash-max-listpack-entries", "9223372036854775807", "9223372036854775807"),
    ("hz", "1000", "500"),  # clamped to 1..500
    ("hz", "0", "1"),
    # sizes: units on the way in, plain bytes on the way out
    ("maxmemory", "1gb", "1073741824"),
    ("maxmemory", "1g", "1000000000"),
    ("maxmemory", "100MB", "104857600"),
    ("maxmemory", "99999999999999999999", "18446744073709551615"),  # strtoull() saturates
    ("stream-node-max-bytes", "64k", "64000"),
    ("stream-node-max-bytes", "2Kb", "2048"),
    ("stream-node-max-bytes", "5B", "5"),
    ("stream-node-max-bytes", "007", "7"),
    ("stream-node-max-bytes", "", "0"),
    ("stream-node-max-bytes", "mb", "0"),
    ("hash-max-listpack-value", "1kb", "1024"),
    ("repl-backlog-size", "1kb", "16384"),  # no smaller than 16kb
    ("maxmemory-clients", "10%", "10%"),
    ("maxmemory-clients", "0%", "0"),
    ("maxmemory-clients", "1mb", "1048576"),
    # one word of a list, in any case, printed in lowercase
    ("maxmemory-policy", "ALLKEYS-LRU", "allkeys-lru"),
    ("loglevel", "Warning", "warning"),
    ("oom-score-adj", "relative", "yes"),  # a synonym, printed as the other name
    ("shutdown-on-sigterm", "force NOW", "now force"),  # several words, in Redis's order
    ("shutdown-on-sigterm", "now default", "now"),
    # strings, as given
    ("masteruser", "some user", "some user"),
    ("requirepass", "s3cret", "s3cret"),
    ("cluster-announce-hostname", "redis-1.example.com", "redis-1.example.com"),
    ("proc-title-template", "{title} on {{port}} {port}", "{title} on {{port}} {port}"),
    # formats of their own
    ("save", "3600 1 300 100", "3600 1 300 100"),
    ("save", "010 +1", "10 1"),  # read with strtoll()
    ("save", "100 ", "100 0"),  # ... which reads an empty word as 0
    ("client-output-buffer-limit", "pubsub 1mb 2k +3", f"normal 0 0 0 {SLAVE_LIMITS} pubsub 1048576 2000 3"),
    ("client-output-buffer-limit", "REPLICA 1 2 3", f"normal 0 0 0 slave 1 2 3 {PUBSUB_LIMITS}"),
    ("client-output-buffer-limit", "", f"normal 0 0 0 {SLAVE_LIMITS} {PUBSUB_LIMITS}"),
    ("oom-score-adj-values", "+1 -2 03", "1 -2 3"),
    ("notify-keyspace-events", "KEA", "AKE"),
    ("notify-keyspace-events", "Ex", "xE"),
    ("notify-keyspace-events", "gmK$", "g$Km"),
    ("notify-keyspace-events", "An", "A"),  # n is on, but A alone is printed
    ("notify-keyspace-events", "nK", "nK"),
    ("latency-tracking-info-percentiles", "50 99.90 100", "50 99.9 100"),
    ("latency-tracking-info-percentiles", "1e1 0.0001 0.0000001", "10 0.0001 0"),
    ("latency-tracking-info-percentiles", "", ""),
]


@pytest.mark.parametrize("name, value, shown", ROUND_TRIPS, ids=[f"{n} {v!r}" for n, v, _ in ROUND_TRIPS])
def test_config_set_then_get(call, name, value, shown, restore_config):
    assert call("CONFIG", "SET", name, value) == "OK"
    assert config_get(call, name) == {name: shown}


def test_config_set_of_an_old_name_sets_the_parameter(call, restore_config):
    assert call("CONFIG", "SET", "hash-max-ziplist-entries", "100") == "OK"
    assert config_get(call, "hash-max-*-entries") == {
        "hash-max-listpack-entries": "100", "hash-max-ziplist-entries": "100"}


def test_an_old_name_and_the_new_one_in_one_config_set_the_last_wins(call, restore_config):
    assert call("CONFIG", "SET", "slave-priority", "1", "replica-priority", "2") == "OK"
    assert config_get(call, "replica-priority") == {"replica-priority": "2"}


def test_config_set_of_several_kinds_at_once(call, restore_config):
    assert call("CONFIG", "SET", "maxmemory", "1gb", "maxmemory-policy", "allkeys-lfu",
                "notify-keyspace-events", "Kx") == "OK"
    assert config_get(call, "maxmemory", "maxmemory-policy", "notify-keyspace-events") == {
        "maxmemory": "1073741824", "maxmemory-policy": "allkeys-lfu", "notify-keyspace-events": "xK"}


# --- CONFIG SET: Redis's errors ----------------------------------------------------------------

MAXMEMORY_POLICIES = ("volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, "
                      "allkeys-random, noeviction")
BUFFER_LIMIT_NUMBERS = "Error in hard, soft or soft_seconds setting in buffer limit configuration."

CONFIG_SET_ERRORS = [
    (["appendonly", "maybe"], config_set_failed("appendonly", "argument must be 'yes' or 'no'")),
    (["activerehashing", "1"], config_set_failed("activerehashing", "argument must be 'yes' or 'no'")),
    # Debian's redis-server is built with the system's allocator, and cannot defragment.
    (["activedefrag", "yes"], config_set_failed("activedefrag", (
        "Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified "
        "Jemalloc like the one shipped by default with the Redis source distribution"))),
    # A Redis with no certificates cannot switch TLS on; we have no TLS at all.
    (["tls-port", "6380"], config_set_failed("tls-port", "Unable to update TLS configuration. Check server logs.")),
    (["tls-cluster", "yes"], config_set_failed(
        "tls-cluster", "Unable to update TLS configuration. Check server logs.")),
    (["timeout", "1.5"], config_set_failed("timeout", "argument couldn't be parsed into an integer")),
    (["timeout", "+5"], config_set_failed("timeout", "argument couldn't be parsed into an integer")),
    (["hash-max-listpack-entries", "1k"], config_set_failed(
        "hash-max-listpack-entries", "argument couldn't be parsed into an integer")),
    (["timeout", "-1"], config_set_failed("timeout", "argument must be between 0 and 2147483647 inclusive")),
    (["port", "70000"], config_set_failed("port", "argument must be between 0 and 65535 inclusive")),
    (["maxclients", "0"], config_set_failed("maxclients", "argument must be between 1 and 4294967295 inclusive")),
    (["active-defrag-cycle-min", "100"], config_set_failed(
        "active-defrag-cycle-min", "argument must be between 1 and 99 inclusive")),
    (["list-max-listpack-size", "99999999999"], config_set_failed(
        "list-max-listpack-size", "argument must be between -2147483648 and 2147483647 inclusive")),
    (["slowlog-log-slower-than", "-2"], config_set_failed(
        "slowlog-log-slower-than", "argument must be between -1 and 9223372036854775807 inclusive")),
    (["hash-max-listpack-entries", "-1"], config_set_failed(
        "hash-max-listpack-entries", "argument must be between 0 and 9223372036854775807 inclusive")),
    (["maxmemory", "-1"], config_set_failed("maxmemory", "argument must be a memory value")),
    (["maxmemory", "+1"], config_set_failed("maxmemory", "argument must be a memory value")),
    (["maxmemory", "1 mb"], config_set_failed("maxmemory", "argument must be a memory value")),
    (["maxmemory", "1tb"], config_set_failed("maxmemory", "argument must be a memory value")),
    (["maxmemory", "1.5gb"], config_set_failed("maxmemory", "argument must be a memory value")),
    (["proto-max-bulk-len", "1000"], config_set_failed(
        "proto-max-bulk-len", "argument must be between 1048576 and 9223372036854775807 inclusive")),
    (["hash-max-listpack-value", "99999999999999999999"], config_set_failed(
        "hash-max-listpack-value", "argument must be between 0 and 9223372036854775807 inclusive")),
    (["maxmemory-clients", "101%"], config_set_failed(
        "maxmemory-clients", "percentage argument must be less or equal to 100")),
    (["maxmemory-clients", "-5%"], config_set_failed(
        "maxmemory-clients", "argument must be a memory or percent value")),
    (["maxmemory-policy", "lru"], config_set_failed(
        "maxmemory-policy", f"argument(s) must be one of the following: {MAXMEMORY_POLICIES}")),
    (["loglevel", "notice warning"], config_set_failed(
        "loglevel", "argument(s) must be one of the following: debug, verbose, notice, warning")),
    (["shutdown-on-sigint", "save nosave"], config_set_failed(
        "shutdown-on-sigint", "shutdown options SAVE and NOSAVE can't be used simultaneously")),
    (["shutdown-on-sigint", ""], config_set_failed(
        "shutdown-on-sigint", "argument(s) must be one of the following: default, save, nosave, now, force")),
    (["save", "1 2 3"], config_set_failed("save", "Invalid save parameters")),
    (["save", "-0 1"], config_set_failed("save", "Invalid save parameters")),
    (["client-output-buffer-limit", "normal 0 0"], config_set_failed(
        "client-output-buffer-limit", "Wrong number of arguments in buffer limit configuration.")),
    (["client-output-buffer-limit", "master 0 0 0"], config_set_failed(
        "client-output-buffer-limit", "Invalid client class specified in buffer limit configuration.")),
    (["client-output-buffer-limit", "normal 0 0 -1"], config_set_failed(
        "client-output-buffer-limit", BUFFER_LIMIT_NUMBERS)),
    (["client-output-buffer-limit", "normal x 0 1"], config_set_failed(
        "client-output-buffer-limit", BUFFER_LIMIT_NUMBERS)),
    (["oom-score-adj-values", "1 2"], config_set_failed("oom-score-adj-values", "wrong number of arguments")),
    (["oom-score-adj-values", "1 2 3000"], config_set_failed(
        "oom-score-adj-values", "Invalid oom-score-adj-values, elements must be between -2000 and 2000.")),
    (["notify-keyspace-events", "KEq"], config_set_failed(
        "notify-keyspace-events", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")),
    (["latency-tracking-info-percentiles", "50 x 101"], config_set_failed(
        "latency-tracking-info-percentiles", "Invalid latency-tracking-info-percentiles parameters")),
    (["latency-tracking-info-percentiles", "1e-400"], config_set_failed(
        "latency-tracking-info-percentiles", "Invalid latency-tracking-info-percentiles parameters")),
    (["latency-tracking-info-percentiles", "101 x"], config_set_failed(
        "latency-tracking-info-percentiles",
        "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]")),
    (["bind", " ".join(["127.0.0.1"] * 17)], config_set_failed("bind", "Too many bind addresses specified.")),
    (["cluster-announce-hostname", "a_b"], config_set_failed(
        "cluster-announce-hostname", "Hostnames may only contain alphanumeric characters, hyphens or dots")),
    (["proc-title-template", "{title}"], config_set_failed(  # blank for an empty title
        "proc-title-template", "template format is invalid or contains unknown variables")),
    (["proc-title-template", "{port} {nope}"], config_set_failed(
        "proc-title-template", "template format is invalid or contains unknown variables")),
    (["proc-title-template", "{port} {"], config_set_failed(
        "proc-title-template", "template format is invalid or contains unknown variables")),
    (["daemonize", "no"], config_set_failed("daemonize", "can't set immutable config")),
    (["unixsocketperm", "700"], config_set_failed("unixsocketperm", "can't set immutable config")),
    (["enable-debug-command", "yes"], config_set_failed("enable-debug-command", "can't set immutable config")),
    (["slaveof", "no one"], config_set_failed("slaveof", "can't set immutable config")),
    (["dir", "/tmp"], config_set_failed("dir", "can't set protected config")),
    (["DBFILENAME", "x.rdb"], config_set_failed("DBFILENAME", "can't set protected config")),
    (["no-such-parameter", "1"], "ERR Unknown option or number of arguments for CONFIG SET - 'no-such-parameter'"),
    (["HASH-MAX-ZIPLIST-ENTRIES", "abc"], config_set_failed(  # a bad value: the name in lowercase
        "hash-max-ziplist-entries", "argument couldn't be parsed into an integer")),
    (["slave-read-only", "yes", "SLAVE-READ-ONLY", "no"], config_set_failed(
        "SLAVE-READ-ONLY", "duplicate parameter")),
    (["maxmemory", "x", "daemonize", "no"], config_set_failed("daemonize", "can't set immutable config")),
]


@pytest.mark.parametrize("args, message", CONFIG_SET_ERRORS, ids=[" ".join(words) for words, _ in CONFIG_SET_ERRORS])
def test_config_set_errors(call, args, message, restore_config):
    before = config_get(call, "*")
    assert call("CONFIG", "SET", *args) == message
    assert config_get(call, "*") == before


def test_config_set_changes_nothing_unless_every_value_is_good(call, restore_config):
    assert call("CONFIG", "SET", "maxmemory", "1gb", "client-output-buffer-limit", "pubsub 1 2 3 normal x 0 0",
                "maxmemory-policy", "nope").startswith("ERR CONFIG SET failed")
    assert config_get(call, "maxmemory", "client-output-buffer-limit") == {
        "maxmemory": "0", "client-output-buffer-limit": f"normal 0 0 0 {SLAVE_LIMITS} {PUBSUB_LIMITS}"}


# --- RESETSTAT, HELP, REWRITE ------------------------------------------------------------------


def test_config_resetstat_sets_the_info_stats_back_to_zero(call):
    call("PING")
    call("NO-SUCH-COMMAND")
    assert int(info_field(call, "stats", "total_commands_processed")) > 0
    assert call("CONFIG", "RESETSTAT") == "OK"
    # CONFIG RESETSTAT itself counts, once it is done; INFO not yet, while it runs.
    assert info_field(call, "stats", "total_commands_processed") == "1"
    assert info_field(call, "stats", "total_error_replies") == "0"
    assert call("INFO", "errorstats") == b"# Errorstats\r\n"


def test_config_help_lists_the_subcommands(call):
    assert call("CONFIG", "HELP") == [
        "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.",
        "HELP",
        "    Prints this help.",
    ]


def test_config_rewrite_needs_a_config_file(call):
    assert call("CONFIG", "REWRITE") == "ERR The server is running without a config file"


@pytest.mark.parametrize("subcommand", ["RESETSTAT", "HELP", "REWRITE"])
def test_config_subcommands_without_arguments_take_none(call, subcommand):
    assert call("CONFIG", subcommand, "x") == (
        f"ERR wrong number of arguments for 'config|{subcommand.lower()}' command")


def test_config_with_an_unknown_subcommand(call):
    assert call("CONFIG", "NOPE") == "ERR unknown subcommand 'NOPE'. Try CONFIG HELP."


CONFIG_SUBCOMMANDS = ["config|get", "config|set", "config|resetstat", "config|rewrite", "config|help"]


def test_command_info_of_the_config_subcommands_agrees_with_redis(call, reference_redis):
    same_command_table_entries(call, reference_redis, CONFIG_SUBCOMMANDS)


# --- AUTH and RESET --------------------------------------------------------------------------

@pytest.fixture
def password(raw):
    """requirepass set for the test, unset after it."""
    admin = raw()
    assert admin.call("CONFIG", "SET", "requirepass", "s3cret") == "OK"
    yield "s3cret"
    admin.call("CONFIG", "SET", "requirepass", "")


def test_with_requirepass_a_new_client_must_authenticate(raw, password):
    connection = raw()
    assert connection.call("GET", "k") == "NOAUTH Authentication required."
    assert connection.call("AUTH", password) == "OK"
    assert connection.call("GET", "k") is None


def test_clients_logged_in_before_requirepass_stay_logged_in(raw):
    before = raw()
    before.call("PING")
    before.call("CONFIG", "SET", "requirepass", "later")
    try:
        assert before.call("PING") == "PONG"
        assert raw().call("PING") == "NOAUTH Authentication required."
    finally:
        before.call("CONFIG", "SET", "requirepass", "")


def test_auth_with_a_wrong_password(raw, password):
    connection = raw()
    assert connection.call("AUTH", "wrong") == "WRONGPASS invalid username-password pair or user is disabled."
    assert connection.call("AUTH", "default", "wrong") == \
        "WRONGPASS invalid username-password pair or user is disabled."
    assert connection.call("GET", "k") == "NOAUTH Authentication required."


def test_auth_with_the_default_user_name(raw, password):
    connection = raw()
    assert connection.call("AUTH", "default", password) == "OK"
    assert connection.call("ACL", "WHOAMI") == b"default"


def test_auth_with_another_user_name_fails(raw, password):
    assert raw().call("AUTH", "alice", password) == "WRONGPASS invalid username-password pair or user is disabled."


def test_hello_before_auth_is_refused_unless_it_authenticates(raw, password):
    connection = raw()
    assert connection.call("HELLO", "3") == (
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH "
        "<user> <pass> option can be used to authenticate the client and select the RESP protocol "
        "version at the same time")
    reply = connection.call("HELLO", "2", "AUTH", "default", password)
    assert reply[1] == b"redis"
    assert connection.call("PING") == "PONG"


def test_commands_allowed_before_auth(raw, password):
    connection = raw()
    assert connection.call("RESET") == "RESET"
    assert connection.call("QUIT") == "OK"


def test_unknown_commands_say_so_even_before_auth(raw, password):
    assert raw().call("NOSUCH") == "ERR unknown command 'NOSUCH', with args beginning with: "


def test_redis_py_logs_in_with_a_password(server, password):
    client = default_client(server, password=password)
    try:
        assert client.ping() is True
    finally:
        client.close()


def test_auth_without_a_password_configured(call):
    assert call("AUTH", "foo") == ("ERR AUTH <password> called without any password configured for the "
                                   "default user. Are you sure your configuration is correct?")
    assert call("AUTH", "default", "anything") == "OK"


def test_auth_with_too_many_arguments_is_a_syntax_error(call):
    assert call("AUTH", "a", "b", "c") == "ERR syntax error"


def test_reset_brings_the_connection_back_to_its_start(resp3):
    connection = resp3()
    connection.call("SELECT", "5")
    connection.call("CLIENT", "SETNAME", "temp")
    assert connection.call("RESET") == Frame("simple", b"RESET")
    assert connection.call("GET", "missing") == Frame("null-bulk", None)  # RESP2 again
    assert connection.call("CLIENT", "GETNAME") == Frame("null-bulk", None)
    assert b" db=0 " in connection.call("CLIENT", "INFO").value


def test_reset_logs_out_when_a_password_is_required(raw, password):
    connection = raw()
    connection.call("AUTH", password)
    connection.call("RESET")
    assert connection.call("GET", "k") == "NOAUTH Authentication required."


# --- the rest of step 13 ---------------------------------------------------------------------

def test_touch_counts_the_keys_that_exist(call):
    call("SET", "a", "1")
    call("RPUSH", "b", "x")
    assert call("TOUCH", "a", "b", "missing", "a") == 3


def test_lastsave_is_a_unix_time_not_in_the_future(call):
    assert 0 < call("LASTSAVE") <= time.time() + 1


def test_function_commands_for_a_server_with_no_functions(call):
    assert call("FUNCTION", "FLUSH") == "OK"
    assert call("FUNCTION", "FLUSH", "ASYNC") == "OK"
    assert call("FUNCTION", "LIST") == []
    assert call("FUNCTION", "FLUSH", "NOW") == "ERR FUNCTION FLUSH only supports SYNC|ASYNC option"
    assert call("FUNCTION", "LIST", "BOGUS") == "ERR Unknown argument BOGUS"
    assert call("SCRIPT", "FLUSH") == "OK"
    assert call("SCRIPT", "EXISTS", "a", "b") == [0, 0]


def test_function_stats_when_nothing_runs(call):
    reply = call("FUNCTION", "STATS")
    assert reply[:2] == [b"running_script", None] and reply[2] == b"engines"


@pytest.mark.own_steps("Redis runs scripts, and so may yours; this server says it does not")
@pytest.mark.parametrize("words", [["EVAL", "return 1", "0"], ["EVALSHA", "abc", "0"], ["FCALL", "f", "0"],
                                   ["FUNCTION", "LOAD", "#!lua name=lib"], ["SCRIPT", "LOAD", "return 1"]])
def test_scripting_says_clearly_it_is_not_supported(call, words):
    reply = call(*words)
    assert isinstance(reply, ErrorReply) and "does not run scripts" in reply


# --- redis-cli, with and without -3 --------------------------------------------------------

@pytest.mark.parametrize("protocol", [[], ["-3"]])
def test_redis_cli_prints_maps_sets_and_doubles(server, protocol):
    redis_cli(server, "HSET", "h", "f", "v")
    redis_cli(server, "ZADD", "z", "1.5", "m")
    # Printed for a program (not a terminal), a RESP3 map is one "field value" line per entry.
    assert redis_cli(server, *protocol, "HGETALL", "h") == ("f v\n" if protocol else "f\nv\n")
    assert redis_cli(server, *protocol, "ZSCORE", "z", "m") == "1.5\n"
    # Printed for a person, the types show: 1# ... => ... is a map entry.
    shown = redis_cli(server, *protocol, "--no-raw", "HGETALL", "h")
    assert shown == ('1# "f" => "v"\n' if protocol else '1) "f"\n2) "v"\n')


def test_redis_cli_info_and_client_list(server):
    assert redis_cli(server, "INFO", "server").startswith("# Server\r\n")
    assert "cmd=client|list" in redis_cli(server, "CLIENT", "LIST")
    assert "cmd=client|list" in redis_cli(server, "-3", "CLIENT", "LIST")


def test_a_client_that_vanishes_is_gone_from_client_list(server, raw):
    watcher = raw()
    leaving = socket.create_connection((server.host, server.port))
    leaving.sendall(b"CLIENT SETNAME leaving\r\n")
    assert leaving.recv(100) == b"+OK\r\n"
    leaving.close()
    deadline = time.monotonic() + 5
    while b"name=leaving" in watcher.call("CLIENT", "LIST"):
        assert time.monotonic() < deadline, "a closed connection is still listed"
