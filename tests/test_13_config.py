"""Step 13: CONFIG knows every parameter of Redis 7.0.

CONFIG GET * lists the same 192 names as a real redis-server, with the same
defaults; CONFIG SET takes each kind of value Redis takes (yes/no, integers
within bounds, sizes with units, words from a list, and the formats of save,
client-output-buffer-limit, notify-keyspace-events, ...), prints it back the
way Redis does, and refuses a bad one with Redis's message. CONFIG RESETSTAT,
HELP and REWRITE are here too.

Every expectation is Redis 7.0's own behaviour (Debian's redis-server 7.0.15):
`pytest --against-redis` runs this file against a real redis-server to
prove it. The parameters set here have no effect on what the tests do, and
each test puts back what it changed.
"""

import os

import pytest

from clients import RawConnection, command_docs

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


def info_field(call, section: str, field: str) -> str:
    lines = call("INFO", section).decode().split("\r\n")
    return dict(line.split(":", 1) for line in lines if ":" in line)[field]


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
    reference = RawConnection(reference_redis.host, reference_redis.port)
    try:
        for name in CONFIG_SUBCOMMANDS:
            ours, theirs = call("COMMAND", "INFO", name)[0], reference.call("COMMAND", "INFO", name)[0]
            assert ours[:6] == theirs[:6], name  # name, arity, flags, first key, last key, step
            ours, theirs = command_docs(call, name), command_docs(reference.call, name)
            for field in (b"summary", b"since", b"group"):
                assert ours[field] == theirs[field], (name, field)
    finally:
        reference.close()
