"""Step 15: publish/subscribe, and keyspace notifications.

A client subscribes to channels, patterns or shard channels; PUBLISH pushes
a message to every subscriber, which is another client than the one that
published. In RESP2 a subscribed client may run only the pub/sub commands;
in RESP3 its messages are push frames and it may run anything. Keyspace
notifications publish what commands and expiry do to keys. A subscriber
that does not read is disconnected by client-output-buffer-limit before it
can fill the server's memory.

Two differential tests run the same schedule against the step and a real
redis-server and compare every frame each client receives: a subscriber and
a publisher in both protocols, and a subscriber to every keyspace event
while commands of steps 06-13 run.
"""

from __future__ import annotations

import asyncio
import os
import re
import select
import shlex
import socket
import subprocess
import time

import pytest
import redis
import redis.asyncio

from clients import TIMEOUT, RawConnection, encode_command, redis_cli_help
from helpers import expire_now, ms_now, same_command_table_entries, wait_past, wait_until
from resp3 import Frame, Resp3Connection
from scenarios import run_scenario

ONLY_PUBSUB = ("ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET "
               "are allowed in this context")


@pytest.fixture
def channel(request) -> str:
    """A channel name no other test uses (without glob characters, so patterns can be built on it)."""
    return re.sub(r"\W", "_", request.node.name)


def push(*items) -> Frame:
    """The RESP3 push frame of bulk strings, integers and nulls (None)."""
    return Frame("push", tuple(plain_frame(item) for item in items))


def plain_frame(item) -> Frame:
    if item is None:
        return Frame("null", b"")
    if isinstance(item, int):
        return Frame("integer", b"%d" % item)
    return Frame("bulk", item if isinstance(item, bytes) else item.encode())


def subscribed(connection: RawConnection, command: str, *names: str) -> list:
    """Send (P|S)SUBSCRIBE or its opposite and read one confirmation per name (RESP2)."""
    connection.send(encode_command(command, *names))
    return [connection.read_reply() for _ in names or [None]]


# --- SUBSCRIBE and PUBLISH -------------------------------------------------------------------

def test_subscribe_confirms_each_channel_with_the_number_of_subscriptions_so_far(raw, channel):
    assert subscribed(raw(), "SUBSCRIBE", f"{channel}:a", f"{channel}:b") == [
        [b"subscribe", f"{channel}:a".encode(), 1], [b"subscribe", f"{channel}:b".encode(), 2]]


def test_subscribing_again_to_a_channel_confirms_it_but_counts_it_once(raw, channel):
    assert subscribed(raw(), "SUBSCRIBE", channel, channel) == [
        [b"subscribe", channel.encode(), 1], [b"subscribe", channel.encode(), 1]]


def test_publish_delivers_the_message_to_a_subscriber(raw, channel):
    subscriber, publisher = raw(), raw()
    subscribed(subscriber, "SUBSCRIBE", channel)
    assert publisher.call("PUBLISH", channel, "hello") == 1
    assert subscriber.read_reply() == [b"message", channel.encode(), b"hello"]


def test_publish_counts_every_subscriber_and_each_gets_the_message(raw, channel):
    subscribers = [raw() for _ in range(5)]
    for subscriber in subscribers:
        subscribed(subscriber, "SUBSCRIBE", channel)
    assert raw().call("PUBLISH", channel, "to all") == 5
    for subscriber in subscribers:
        assert subscriber.read_reply() == [b"message", channel.encode(), b"to all"]


def test_publish_to_a_channel_nobody_listens_to_reaches_nobody(call, channel):
    assert call("PUBLISH", channel, "lost") == 0


def test_a_subscriber_gets_only_the_channels_it_subscribed_to(raw, channel):
    subscriber, publisher = raw(), raw()
    subscribed(subscriber, "SUBSCRIBE", channel)
    assert publisher.call("PUBLISH", f"{channel}:other", "not for you") == 0
    publisher.call("PUBLISH", channel, "for you")
    assert subscriber.read_reply() == [b"message", channel.encode(), b"for you"]


def test_messages_arrive_in_the_order_they_were_published(raw, channel):
    subscriber, publisher = raw(), raw()
    subscribed(subscriber, "SUBSCRIBE", channel)
    publisher.send(b"".join(encode_command("PUBLISH", channel, n) for n in range(100)))
    assert [publisher.read_reply() for _ in range(100)] == [1] * 100
    assert [subscriber.read_reply()[2] for _ in range(100)] == [b"%d" % n for n in range(100)]


def test_channels_and_messages_are_binary_safe(raw, channel):
    subscriber, publisher = raw(), raw()
    name, message = channel.encode() + b"\r\n\x00\xff", b"\x00\r\n\xfe" * 1000
    subscribed(subscriber, "SUBSCRIBE", name)
    assert publisher.call("PUBLISH", name, message) == 1
    assert subscriber.read_reply() == [b"message", name, message]


def test_a_subscriber_that_sends_nothing_more_still_gets_every_message(resp3, channel):
    # The message is written by the event loop when another client's command
    # queues it, not when the subscriber itself is next served.
    subscriber, publisher = resp3(2), resp3(2)
    subscriber.send("SUBSCRIBE", channel)
    subscriber.read()
    for n in range(3):
        publisher.call("PUBLISH", channel, n)
        assert subscriber.read().value[2] == Frame("bulk", b"%d" % n)


# --- patterns ----------------------------------------------------------------------------------

def test_psubscribe_gets_pmessage_with_the_pattern_that_matched(raw, channel):
    subscriber, publisher = raw(), raw()
    assert subscribed(subscriber, "PSUBSCRIBE", f"{channel}.*") == [[b"psubscribe", f"{channel}.*".encode(), 1]]
    assert publisher.call("PUBLISH", f"{channel}.eu", "rain") == 1
    assert subscriber.read_reply() == [b"pmessage", f"{channel}.*".encode(), f"{channel}.eu".encode(), b"rain"]


@pytest.mark.parametrize("pattern, matches, does_not_match", [
    ("h?llo", "hello", "heello"),
    ("h*llo", "heeello", "hella"),
    ("h[ae]llo", "hallo", "hillo"),
    ("h[^e]llo", "hallo", "hello"),
    ("h[a-c]llo", "hbllo", "hdllo"),
    ("h\\*llo", "h*llo", "hello"),
])
def test_patterns_are_glob_patterns(raw, channel, pattern, matches, does_not_match):
    subscriber, publisher = raw(), raw()
    subscribed(subscriber, "PSUBSCRIBE", f"{channel}:{pattern}")
    assert publisher.call("PUBLISH", f"{channel}:{does_not_match}", "no") == 0
    assert publisher.call("PUBLISH", f"{channel}:{matches}", "yes") == 1
    assert subscriber.read_reply()[2:] == [f"{channel}:{matches}".encode(), b"yes"]


def test_a_client_on_a_channel_and_a_matching_pattern_gets_the_message_twice(raw, channel):
    subscriber, publisher = raw(), raw()
    subscribed(subscriber, "SUBSCRIBE", channel)
    subscribed(subscriber, "PSUBSCRIBE", f"{channel}*")
    assert publisher.call("PUBLISH", channel, "twice") == 2
    # The channel's subscribers first, then the patterns'.
    assert subscriber.read_reply() == [b"message", channel.encode(), b"twice"]
    assert subscriber.read_reply() == [b"pmessage", f"{channel}*".encode(), channel.encode(), b"twice"]


def test_the_subscription_count_adds_channels_and_patterns(raw, channel):
    connection = raw()
    subscribed(connection, "SUBSCRIBE", channel)
    assert subscribed(connection, "PSUBSCRIBE", f"{channel}*") == [[b"psubscribe", f"{channel}*".encode(), 2]]
    assert subscribed(connection, "UNSUBSCRIBE", channel) == [[b"unsubscribe", channel.encode(), 1]]


# --- unsubscribing -----------------------------------------------------------------------------

def test_unsubscribe_from_one_channel_keeps_the_others(raw, channel):
    subscriber, publisher = raw(), raw()
    subscribed(subscriber, "SUBSCRIBE", f"{channel}:a", f"{channel}:b")
    assert subscribed(subscriber, "UNSUBSCRIBE", f"{channel}:a") == [[b"unsubscribe", f"{channel}:a".encode(), 1]]
    assert publisher.call("PUBLISH", f"{channel}:a", "gone") == 0
    assert publisher.call("PUBLISH", f"{channel}:b", "still here") == 1


def test_unsubscribe_without_arguments_leaves_every_channel_one_confirmation_each(raw, channel):
    connection = raw()
    subscribed(connection, "SUBSCRIBE", f"{channel}:a", f"{channel}:b")
    connection.send(encode_command("UNSUBSCRIBE"))
    confirmations = [connection.read_reply(), connection.read_reply()]
    # In the order of Redis's hash table, so either channel may come first.
    assert sorted(name for _, name, _ in confirmations) == [f"{channel}:a".encode(), f"{channel}:b".encode()]
    assert [count for _, _, count in confirmations] == [1, 0]
    assert connection.call("PING") == "PONG"  # out of pub/sub mode


def test_unsubscribe_from_a_channel_not_subscribed_to_confirms_it_anyway(raw, channel):
    connection = raw()
    subscribed(connection, "SUBSCRIBE", channel)
    assert subscribed(connection, "UNSUBSCRIBE", f"{channel}:never") == [
        [b"unsubscribe", f"{channel}:never".encode(), 1]]


@pytest.mark.parametrize("command, word", [
    ("UNSUBSCRIBE", b"unsubscribe"), ("PUNSUBSCRIBE", b"punsubscribe"), ("SUNSUBSCRIBE", b"sunsubscribe")])
def test_unsubscribing_from_everything_when_subscribed_to_nothing_confirms_a_null(call, command, word):
    assert call(command) == [word, None, 0]


def test_in_resp3_that_null_is_the_resp3_null(resp3):
    connection = resp3()
    connection.send("UNSUBSCRIBE")
    assert connection.read() == push("unsubscribe", None, 0)


def test_punsubscribe_without_arguments_leaves_every_pattern_in_the_order_given(raw, channel):
    connection = raw()
    subscribed(connection, "SUBSCRIBE", channel)
    subscribed(connection, "PSUBSCRIBE", f"{channel}:1*", f"{channel}:2*")
    # Redis keeps a client's patterns in a list: they go in the order subscribed.
    assert subscribed(connection, "PUNSUBSCRIBE") + [connection.read_reply()] == [
        [b"punsubscribe", f"{channel}:1*".encode(), 2], [b"punsubscribe", f"{channel}:2*".encode(), 1]]


def test_a_client_that_disconnects_is_unsubscribed(raw, call, channel):
    subscriber = raw()
    subscribed(subscriber, "SUBSCRIBE", channel)
    assert call("PUBSUB", "NUMSUB", channel) == [channel.encode(), 1]
    subscriber.close()
    assert wait_until(lambda: call("PUBSUB", "NUMSUB", channel) == [channel.encode(), 0])


# --- shard channels ----------------------------------------------------------------------------

def test_ssubscribe_and_spublish_deliver_smessage(raw, channel):
    subscriber, publisher = raw(), raw()
    assert subscribed(subscriber, "SSUBSCRIBE", channel) == [[b"ssubscribe", channel.encode(), 1]]
    assert publisher.call("SPUBLISH", channel, "sharded") == 1
    assert subscriber.read_reply() == [b"smessage", channel.encode(), b"sharded"]


def test_shard_channels_are_a_namespace_of_their_own(raw, channel):
    shard, plain, pattern, publisher = raw(), raw(), raw(), raw()
    subscribed(shard, "SSUBSCRIBE", channel)
    subscribed(plain, "SUBSCRIBE", channel)
    subscribed(pattern, "PSUBSCRIBE", "*")
    assert publisher.call("SPUBLISH", channel, "s") == 1  # patterns never see shard messages
    assert publisher.call("PUBLISH", channel, "p") == 2  # the channel's and the pattern's subscribers
    assert shard.read_reply() == [b"smessage", channel.encode(), b"s"]
    assert plain.read_reply() == [b"message", channel.encode(), b"p"]


def test_shard_subscriptions_are_counted_apart(raw, channel):
    connection = raw()
    subscribed(connection, "SUBSCRIBE", channel)
    assert subscribed(connection, "SSUBSCRIBE", f"{channel}:s") == [[b"ssubscribe", f"{channel}:s".encode(), 1]]
    assert subscribed(connection, "PSUBSCRIBE", f"{channel}*") == [[b"psubscribe", f"{channel}*".encode(), 2]]


# --- a subscribed RESP2 client -----------------------------------------------------------------

@pytest.mark.parametrize("words, name", [
    (["GET", "k"], "get"), (["SET", "k", "v"], "set"), (["PUBLISH", "c", "m"], "publish"),
    (["CLIENT", "LIST"], "client|list"), (["HELLO", "3"], "hello"), (["PUBSUB", "NUMPAT"], "pubsub|numpat"),
])
def test_in_resp2_a_subscriber_may_run_only_pubsub_commands(raw, channel, words, name):
    connection = raw()
    subscribed(connection, "SUBSCRIBE", channel)
    assert connection.call(*words) == ONLY_PUBSUB.format(name)


def test_a_command_refused_to_a_subscriber_counts_as_rejected(raw, channel):
    connection, observer = raw(), raw()
    observer.call("CONFIG", "RESETSTAT")
    subscribed(connection, "SUBSCRIBE", channel)
    connection.call("GET", "k")
    stats = observer.call("INFO", "commandstats").decode()
    assert re.search(r"cmdstat_get:calls=0,.*rejected_calls=1,failed_calls=0", stats)


def test_unknown_commands_and_wrong_arity_are_reported_first(raw, channel):
    connection = raw()
    subscribed(connection, "SUBSCRIBE", channel)
    assert connection.call("NOSUCH") == "ERR unknown command 'NOSUCH', with args beginning with: "
    assert connection.call("GET") == "ERR wrong number of arguments for 'get' command"


def test_ping_while_subscribed_in_resp2_replies_with_an_array(raw, channel):
    connection = raw()
    subscribed(connection, "SUBSCRIBE", channel)
    assert connection.call("PING") == [b"pong", b""]
    assert connection.call("PING", "hi") == [b"pong", b"hi"]


def test_quit_while_subscribed_says_ok_and_hangs_up(raw, channel):
    connection = raw()
    subscribed(connection, "SUBSCRIBE", channel)
    assert connection.call("QUIT") == "OK"
    assert connection.is_closed_by_server()


def test_reset_unsubscribes_from_everything_without_a_word(raw, call, channel):
    connection = raw()
    subscribed(connection, "SUBSCRIBE", channel)
    subscribed(connection, "PSUBSCRIBE", f"{channel}*")
    subscribed(connection, "SSUBSCRIBE", channel)
    assert connection.call("RESET") == "RESET"  # and no unsubscribe confirmations
    assert connection.call("GET", "k") is None
    assert call("PUBLISH", channel, "m") == 0
    assert call("SPUBLISH", channel, "m") == 0


def test_once_unsubscribed_from_everything_other_commands_work_again(raw, channel):
    connection = raw()
    subscribed(connection, "SUBSCRIBE", channel)
    subscribed(connection, "UNSUBSCRIBE", channel)
    assert connection.call("PING") == "PONG"
    assert connection.call("SET", "k", "v") == "OK"


# --- RESP3 -------------------------------------------------------------------------------------

def test_in_resp3_confirmations_and_messages_are_push_frames(resp3, channel):
    subscriber, publisher = resp3(), resp3()
    subscriber.send("SUBSCRIBE", channel)
    assert subscriber.read() == push("subscribe", channel, 1)
    publisher.call("PUBLISH", channel, "hello")
    assert subscriber.read() == push("message", channel, "hello")


def test_in_resp3_a_subscriber_may_run_any_command(resp3, channel):
    connection = resp3()
    connection.send("SUBSCRIBE", channel)
    connection.read()
    assert connection.call("SET", "k", "v") == Frame("simple", b"OK")
    assert connection.call("GET", "k") == Frame("bulk", b"v")
    assert connection.call("PING") == Frame("simple", b"PONG")  # not the RESP2 array


def test_in_resp3_a_client_gets_its_own_message_before_the_reply_to_publish(resp3, channel):
    connection = resp3()
    connection.send("SUBSCRIBE", channel)
    connection.read()
    connection.send("PUBLISH", channel, "to myself")
    assert connection.read() == push("message", channel, "to myself")
    assert connection.read() == Frame("integer", b"1")


def test_pushes_arrive_even_under_client_reply_off(resp3, channel):
    subscriber, publisher = resp3(), resp3()
    subscriber.send("CLIENT", "REPLY", "OFF")
    subscriber.send("SUBSCRIBE", channel)
    assert subscriber.read() == push("subscribe", channel, 1)
    publisher.call("PUBLISH", channel, "still heard")
    assert subscriber.read() == push("message", channel, "still heard")


def test_a_resp2_subscriber_that_says_hello_3_later_cannot(raw, channel):
    connection = raw()
    subscribed(connection, "SUBSCRIBE", channel)
    assert connection.call("HELLO", "3") == ONLY_PUBSUB.format("hello")


def test_a_resp3_subscriber_that_goes_back_to_resp2_is_limited_again(resp3, channel):
    connection = resp3()
    connection.send("SUBSCRIBE", channel)
    connection.read()
    assert connection.call("HELLO", "2").kind == "array"
    assert connection.call("GET", "k") == Frame("error", ONLY_PUBSUB.format("get").encode())


# --- PUBSUB ------------------------------------------------------------------------------------

def test_pubsub_channels_lists_the_channels_someone_listens_to(raw, call, channel):
    subscribed(raw(), "SUBSCRIBE", f"{channel}:a", f"{channel}:b")
    subscribed(raw(), "SUBSCRIBE", f"{channel}:b")
    subscribed(raw(), "PSUBSCRIBE", f"{channel}:p*")  # a pattern is not a channel
    both = [f"{channel}:a".encode(), f"{channel}:b".encode()]  # in no particular order
    assert sorted(call("PUBSUB", "CHANNELS", f"{channel}:*")) == both
    assert call("PUBSUB", "CHANNELS", f"{channel}:[a]") == both[:1]
    assert set(both) <= set(call("PUBSUB", "CHANNELS"))  # without a pattern: every channel


def test_pubsub_numsub_counts_subscribers_of_each_channel_but_not_patterns(raw, call, channel):
    subscribed(raw(), "SUBSCRIBE", channel)
    subscribed(raw(), "SUBSCRIBE", channel)
    subscribed(raw(), "PSUBSCRIBE", "*")
    assert call("PUBSUB", "NUMSUB", channel, f"{channel}:none") == [channel.encode(), 2,
                                                                     f"{channel}:none".encode(), 0]
    assert call("PUBSUB", "NUMSUB") == []


def test_pubsub_numpat_counts_distinct_patterns(raw, call, channel):
    before = call("PUBSUB", "NUMPAT")
    subscribed(raw(), "PSUBSCRIBE", f"{channel}:1*", f"{channel}:2*")
    subscribed(raw(), "PSUBSCRIBE", f"{channel}:1*")
    assert call("PUBSUB", "NUMPAT") == before + 2


def test_pubsub_shardchannels_and_shardnumsub_see_shard_channels_only(raw, call, channel):
    subscribed(raw(), "SSUBSCRIBE", f"{channel}:s")
    subscribed(raw(), "SUBSCRIBE", f"{channel}:c")
    assert call("PUBSUB", "SHARDCHANNELS", f"{channel}*") == [f"{channel}:s".encode()]
    assert call("PUBSUB", "SHARDNUMSUB", f"{channel}:s", f"{channel}:c") == [
        f"{channel}:s".encode(), 1, f"{channel}:c".encode(), 0]
    assert call("PUBSUB", "CHANNELS", f"{channel}*") == [f"{channel}:c".encode()]


def test_a_channel_nobody_listens_to_any_more_is_not_listed(raw, call, channel):
    connection = raw()
    subscribed(connection, "SUBSCRIBE", channel)
    subscribed(connection, "UNSUBSCRIBE", channel)
    assert call("PUBSUB", "CHANNELS", channel) == []


def test_pubsub_help_lists_the_subcommands(call):
    assert call("PUBSUB", "HELP") == [
        "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the currently active shard level channels matching a <pattern> (default: '*').",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)",
        "HELP",
        "    Prints this help.",
    ]


@pytest.mark.parametrize("words, error", [
    (["PUBSUB", "CHANNELS", "a", "b"],
     "ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP."),
    (["PUBSUB", "shardchannels", "a", "b"],
     "ERR unknown subcommand or wrong number of arguments for 'shardchannels'. Try PUBSUB HELP."),
    (["PUBSUB", "NUMPAT", "x"], "ERR wrong number of arguments for 'pubsub|numpat' command"),
    (["PUBSUB", "NOPE"], "ERR unknown subcommand 'NOPE'. Try PUBSUB HELP."),
    (["PUBSUB"], "ERR wrong number of arguments for 'pubsub' command"),
    (["PUBLISH", "c"], "ERR wrong number of arguments for 'publish' command"),
    (["SUBSCRIBE"], "ERR wrong number of arguments for 'subscribe' command"),
    (["SPUBLISH", "c", "m", "x"], "ERR wrong number of arguments for 'spublish' command"),
])
def test_pubsub_errors(call, words, error):
    assert call(*words) == error


# --- CLIENT and INFO ---------------------------------------------------------------------------

def client_fields(line: bytes) -> dict[str, str]:
    return dict(field.split("=", 1) for field in line.decode().split(" "))


def test_client_list_counts_each_kind_of_subscription_and_flags_the_client_p(raw, call, channel):
    connection = raw()
    client_id = connection.call("CLIENT", "ID")
    subscribed(connection, "SUBSCRIBE", f"{channel}:a", f"{channel}:b")
    subscribed(connection, "PSUBSCRIBE", f"{channel}*")
    subscribed(connection, "SSUBSCRIBE", channel)
    fields = client_fields(call("CLIENT", "LIST", "ID", client_id).rstrip(b"\n"))
    assert (fields["flags"], fields["sub"], fields["psub"], fields["ssub"]) == ("P", "2", "1", "1")


def test_client_list_type_pubsub_lists_subscribers_and_type_normal_the_others(raw, call, channel):
    subscriber, other = raw(), raw()
    subscriber_id, other_id = subscriber.call("CLIENT", "ID"), other.call("CLIENT", "ID")
    subscribed(subscriber, "SUBSCRIBE", channel)
    ids = {kind: {client_fields(line)["id"] for line in call("CLIENT", "LIST", "TYPE", kind).splitlines()}
           for kind in ("pubsub", "normal")}
    assert str(subscriber_id) in ids["pubsub"] and str(subscriber_id) not in ids["normal"]
    assert str(other_id) in ids["normal"] and str(other_id) not in ids["pubsub"]


def test_client_kill_type_pubsub_disconnects_the_subscribers_only(raw, call, channel):
    subscriber, bystander = raw(), raw()
    subscribed(subscriber, "SUBSCRIBE", channel)
    bystander.call("PING")
    assert call("CLIENT", "KILL", "TYPE", "pubsub") >= 1
    assert subscriber.is_closed_by_server()
    assert bystander.call("PING") == "PONG"


def info_stats(call) -> dict[str, int]:
    text = call("INFO", "stats").decode()
    return {name: int(value) for name, value in re.findall(r"(pubsub\w*):(\d+)", text)}


def test_info_stats_counts_channels_patterns_and_shard_channels(raw, call, channel):
    before = info_stats(call)
    subscribed(raw(), "SUBSCRIBE", f"{channel}:a", f"{channel}:b")
    subscribed(raw(), "SUBSCRIBE", f"{channel}:a")
    subscribed(raw(), "PSUBSCRIBE", f"{channel}*")
    subscribed(raw(), "SSUBSCRIBE", channel)
    after = info_stats(call)
    assert {name: after[name] - before[name] for name in after} == {
        "pubsub_channels": 2, "pubsub_patterns": 1, "pubsubshard_channels": 1}


# --- the command table -------------------------------------------------------------------------

PUBSUB_COMMANDS = ["subscribe", "unsubscribe", "psubscribe", "punsubscribe", "ssubscribe", "sunsubscribe",
                   "publish", "spublish", "pubsub", "pubsub|channels", "pubsub|numsub", "pubsub|numpat",
                   "pubsub|shardchannels", "pubsub|shardnumsub", "pubsub|help"]


def test_command_info_and_docs_of_the_pubsub_commands_agree_with_redis(call, reference_redis):
    same_command_table_entries(call, reference_redis, PUBSUB_COMMANDS)


@pytest.mark.parametrize("command, syntax", [
    ("SUBSCRIBE", "SUBSCRIBE channel [channel ...]"),
    ("PUBLISH", "PUBLISH channel message"),
    ("SPUBLISH", "SPUBLISH shardchannel message"),
])
def test_redis_cli_help_shows_the_syntax_of_pubsub_commands(server, command, syntax):
    text = redis_cli_help(server.port, command)
    assert f"  {syntax}\n" in text
    assert "  group: pubsub\n" in text


# --- subscribers and publishers, compared with Redis frame by frame ----------------------------

# Schedules of several clients, run on the step and on Redis: see
# scenarios.py. "S: <" reads the next frame that reached S: a push, a
# message or a confirmation of a subscription after the first. A PING at the
# end shows that nothing else is waiting. Unsubscribing from all of several
# channels at once, and listing several channels, are left out: Redis goes
# through them in the order of its hash table.
SCENARIOS = {
    "channels and patterns": """
        S: SUBSCRIBE news sports
        S: <
        P: PUBLISH news hello
        S: <
        P: PUBLISH weather rain
        S: PSUBSCRIBE n*
        P: PUBLISH news again
        S: <
        S: <
        P: PUBLISH nothing-else x
        S: <
        S: SUBSCRIBE news
        S: UNSUBSCRIBE sports
        S: UNSUBSCRIBE never-subscribed
        P: PUBLISH sports gone
        S: PING
        S: PING hi
        S: GET k
        S: PUNSUBSCRIBE
        S: PUNSUBSCRIBE
        S: UNSUBSCRIBE
        S: UNSUBSCRIBE
        S: GET k
        S: PING
    """,
    "several subscribers": """
        A: SUBSCRIBE news
        B: SUBSCRIBE news
        C: PSUBSCRIBE *s
        P: PUBLISH news one
        A: <
        B: <
        C: <
        B: UNSUBSCRIBE news
        P: PUBLISH news two
        A: <
        C: <
        B: PING
    """,
    "shard channels": """
        S: SSUBSCRIBE orders
        T: PSUBSCRIBE *
        P: SPUBLISH orders o1
        S: <
        P: PUBLISH orders not-for-shards
        T: <
        P: PUBSUB SHARDCHANNELS
        P: PUBSUB SHARDNUMSUB orders other
        S: SUBSCRIBE orders
        S: SUNSUBSCRIBE
        S: SUNSUBSCRIBE
        S: UNSUBSCRIBE
        S: PING
    """,
    "introspection": """
        A: SUBSCRIBE c1
        B: SUBSCRIBE c1 d2
        B: <
        C: PSUBSCRIBE p1 p2
        C: <
        P: PUBSUB NUMSUB c1 d2 e3
        P: PUBSUB NUMPAT
        P: PUBSUB CHANNELS c?
        P: PUBSUB CHANNELS *2
        P: PUBSUB CHANNELS x*
        A: RESET
        P: PUBSUB NUMSUB c1
        P: PUBLISH c1 after-reset
        B: <
        A: GET k
    """,
}


@pytest.mark.parametrize("protocol", [2, 3])
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_subscribers_receive_the_frames_redis_sends(server, reference_redis, scenario, protocol):
    ours = run_scenario(server.host, server.port, SCENARIOS[scenario], protocol)
    theirs = run_scenario(reference_redis.host, reference_redis.port, SCENARIOS[scenario], protocol)
    assert ours == theirs


def test_a_resp3_subscriber_that_publishes_gets_frames_as_from_redis(server, reference_redis):
    # Its own message comes first, then the reply to PUBLISH; in RESP2 it
    # could not publish at all.
    scenario = """
        S: SUBSCRIBE news
        S: PUBLISH news mine
        S: <
        S: SET k v
        S: GET k
        S: UNSUBSCRIBE
        S: UNSUBSCRIBE
    """
    assert run_scenario(server.host, server.port, scenario, 3) == \
        run_scenario(reference_redis.host, reference_redis.port, scenario, 3)


# --- keyspace notifications --------------------------------------------------------------------

@pytest.fixture
def notify(call):
    """notify(flags) sets notify-keyspace-events for the test; off again after it."""
    yield lambda flags: call("CONFIG", "SET", "notify-keyspace-events", flags)
    call("CONFIG", "SET", "notify-keyspace-events", "")


def keyspace(key: str, db: int = 0) -> str:
    return f"__keyspace@{db}__:{key}"


def test_keyspace_notifications_are_off_by_default(raw, call, key):
    assert call("CONFIG", "GET", "notify-keyspace-events") == [b"notify-keyspace-events", b""]
    listener = raw()
    subscribed(listener, "PSUBSCRIBE", "__key*__:*")
    call("SET", key, "v")
    assert call("PUBLISH", "__keymarker__:end", "m") == 1  # the first, and only, thing the listener gets
    assert listener.read_reply() == [b"pmessage", b"__key*__:*", b"__keymarker__:end", b"m"]


def test_k_publishes_the_event_on_the_keys_channel(raw, call, notify, key):
    listener = raw()
    subscribed(listener, "SUBSCRIBE", keyspace(key))
    notify("K$")
    call("SET", key, "v")
    assert listener.read_reply() == [b"message", keyspace(key).encode(), b"set"]


def test_e_publishes_the_key_on_the_events_channel(raw, call, notify, key):
    listener = raw()
    subscribed(listener, "SUBSCRIBE", "__keyevent@0__:set")
    notify("E$")
    call("SET", key, "v")
    assert listener.read_reply() == [b"message", b"__keyevent@0__:set", key.encode()]


def test_k_and_e_together_send_both_keyspace_first(raw, call, notify, key):
    listener = raw()
    subscribed(listener, "PSUBSCRIBE", "__key*__:*")
    notify("KE$")
    call("APPEND", key, "v")
    assert [listener.read_reply()[2:] for _ in range(2)] == [
        [keyspace(key).encode(), b"append"], [b"__keyevent@0__:append", key.encode()]]


@pytest.mark.parametrize("flags, fired", [
    ("Kl", ["rpush"]), ("Kg", ["del"]), ("K$", ["set"]), ("Kh", ["hset"]), ("Ks", ["sadd"]),
    ("Kz", ["zadd"]), ("KA", ["set", "rpush", "hset", "sadd", "zadd", "del"]),
])
def test_the_class_letters_choose_which_events_are_sent(raw, call, notify, key, flags, fired):
    listener = raw()
    subscribed(listener, "PSUBSCRIBE", f"__keyspace@0__:{key}*")
    notify(flags)
    for words in (["SET", f"{key}s", "v"], ["RPUSH", f"{key}l", "a"], ["HSET", f"{key}h", "f", "v"],
                  ["SADD", f"{key}t", "m"], ["ZADD", f"{key}z", "1", "m"], ["DEL", f"{key}s"]):
        call(*words)
    call("CONFIG", "SET", "notify-keyspace-events", "KA")
    call("RPUSH", f"{key}:marker", "end")
    events = []
    while (message := listener.read_reply())[2] != f"__keyspace@0__:{key}:marker".encode():
        events.append(message[3].decode())
    assert events == fired


def test_a_write_that_changes_nothing_fires_nothing(raw, call, notify, key):
    listener = raw()
    subscribed(listener, "PSUBSCRIBE", f"__keyspace@0__:{key}*")
    call("SADD", key, "m")
    call("ZADD", f"{key}z", "1", "m")
    notify("KA")
    for words in (["SADD", key, "m"], ["SREM", key, "nope"], ["ZADD", f"{key}z", "1", "m"],
                  ["ZREM", f"{key}z", "nope"], ["LPUSHX", f"{key}l", "x"], ["DEL", f"{key}none"],
                  ["EXPIRE", f"{key}none", "10"], ["PERSIST", key], ["SET", key, "v", "NX"]):
        call(*words)
    call("SET", f"{key}:marker", "end")
    assert listener.read_reply()[2:] == [f"__keyspace@0__:{key}:marker".encode(), b"set"]


def test_n_reports_new_keys_even_when_config_get_shows_only_a(raw, call, notify, key):
    listener = raw()
    subscribed(listener, "SUBSCRIBE", keyspace(key))
    notify("KAn")
    assert call("CONFIG", "GET", "notify-keyspace-events") == [b"notify-keyspace-events", b"AK"]
    call("RPUSH", key, "a")
    call("RPUSH", key, "b")
    assert [listener.read_reply()[2] for _ in range(3)] == [b"new", b"rpush", b"rpush"]


def test_rename_reports_the_destination_as_new_even_if_it_existed(raw, call, notify, key):
    call("SET", key, "1")
    call("SET", f"{key}:to", "2")
    listener = raw()
    subscribed(listener, "PSUBSCRIBE", f"__keyspace@0__:{key}*")
    notify("KAn")
    call("RENAME", key, f"{key}:to")
    assert [listener.read_reply()[2:] for _ in range(3)] == [
        [keyspace(f"{key}:to").encode(), b"new"], [keyspace(key).encode(), b"rename_from"],
        [keyspace(f"{key}:to").encode(), b"rename_to"]]


def test_m_reports_reads_of_missing_keys(raw, call, notify, key):
    listener = raw()
    subscribed(listener, "SUBSCRIBE", "__keyevent@0__:keymiss")
    notify("Em")
    call("GET", key)
    assert listener.read_reply() == [b"message", b"__keyevent@0__:keymiss", key.encode()]


def test_lazy_expiry_reports_expired(raw, call, notify, key, no_active_expiry):
    call("SET", key, "v")
    listener = raw()
    subscribed(listener, "SUBSCRIBE", keyspace(key))
    notify("Kx")
    expire_now(call, key)
    assert call("GET", key) is None  # the lookup finds it expired and deletes it
    assert listener.read_reply() == [b"message", keyspace(key).encode(), b"expired"]


def test_active_expiry_reports_expired_with_nobody_touching_the_key(raw, call, notify, key):
    listener = raw()
    subscribed(listener, "SUBSCRIBE", keyspace(key))
    notify("Kx")
    call("SET", key, "v", "PX", "1")
    assert listener.read_reply() == [b"message", keyspace(key).encode(), b"expired"]


def test_events_carry_the_number_of_the_database(raw, notify, key):
    listener, writer = raw(), raw()
    subscribed(listener, "PSUBSCRIBE", f"__keyspace@*__:{key}")
    notify("Kg$")
    writer.call("SELECT", "3")
    writer.call("SET", key, "v")
    writer.call("MOVE", key, "5")
    assert [listener.read_reply()[2:] for _ in range(3)] == [
        [keyspace(key, 3).encode(), b"set"], [keyspace(key, 3).encode(), b"move_from"],
        [keyspace(key, 5).encode(), b"move_to"]]


def test_after_swapdb_events_carry_the_number_the_data_is_now_under(raw, notify, key):
    listener, writer = raw(), raw()
    subscribed(listener, "PSUBSCRIBE", f"__keyspace@*__:{key}")
    notify("K$")
    writer.call("SELECT", "1")
    writer.call("SET", key, "v")
    writer.call("SWAPDB", "0", "1")
    writer.call("SELECT", "0")
    writer.call("APPEND", key, "w")
    assert [listener.read_reply()[2:] for _ in range(2)] == [
        [keyspace(key, 1).encode(), b"set"], [keyspace(key, 0).encode(), b"append"]]


# --- keyspace notifications, compared with Redis ----------------------------------------------

# Each family runs on an empty server with active expiry off, so that only
# the commands (and "wait", which lets keys given PX 1 expire) fire events.
# "~" compares a reply whose order Redis does not promise as a set.
KEYSPACE_DIFFERENTIAL = {
    "strings": """
        SET s v
        SET s v2 EX 100
        SET s v3 KEEPTTL
        SET s v NX
        SET s2 x XX
        SET s x XX GET
        SETNX s x
        SETNX s3 x
        SETEX se 100 v
        PSETEX pe 100000 v
        GETEX se EX 200
        GETEX se PERSIST
        GETEX se PERSIST
        GETEX se PXAT 1
        GETDEL s3
        GETDEL s3
        SET n 10
        INCR n
        INCRBY n 5
        DECR n
        DECRBY n 2
        INCRBYFLOAT n 1.5
        INCR s
        INCR fresh
        APPEND s !!
        APPEND newa x
        SETRANGE s 1 ab
        SETRANGE s 1 ""
        SETRANGE sr 3 x
        MSET a 1 b 2 a 3
        MSETNX a 1 c 3
        MSETNX c 3 d 4
        GETSET a new
        SET t v PX 1
        wait
        GET t
        SET t2 v PX 1
        wait
        SET t2 again
        SET t3 v PX 1
        wait
        MSET t3 x
    """,
    "keys": """
        SET a 1
        SET b 2
        SET c 3
        EXPIRE a 100
        EXPIRE a 100 NX
        PEXPIRE a 200000
        EXPIREAT a 1
        EXPIRE missing 10
        PERSIST b
        EXPIRE b 100
        PERSIST b
        RENAME b b2
        RENAME b2 c
        SET d 4
        RENAMENX c d
        RENAMENX c e
        RENAME e e
        RENAME nope x
        COPY e f
        COPY e f
        COPY e f REPLACE
        COPY e f2 DB 1
        MOVE f 2
        SET f again
        MOVE f 2
        DEL e f2 missing d
        UNLINK f
        SELECT 1
        SET one 1
        DEL f2
        SELECT 0
        SWAPDB 0 1
        SET after-swap v
        DEL one
        TOUCH after-swap missing
        FLUSHDB
        SET x v PX 1
        wait
        EXPIRE x 100
        SET y v PX 1
        wait
        TTL y
        SET z v PX 1
        wait
        RENAME z w
        SET q v PX 1
        SET q2 v
        wait
        COPY q2 q
    """,
    "lists": """
        RPUSH l a b c
        LPUSH l z
        LPUSHX missing a
        RPUSHX l d
        LPOP l
        RPOP l 2
        LPOP l 0
        LPOP missing
        LSET l 0 A
        LSET l 99 x
        LINSERT l BEFORE A first
        LINSERT l BEFORE nope x
        LREM l 1 A
        LREM l 1 nope
        LTRIM l 0 0
        LTRIM l 0 -1
        LMOVE l dest RIGHT LEFT
        LMOVE dest dest LEFT RIGHT
        RPUSH dest more
        LMOVE dest dest LEFT RIGHT
        RPOPLPUSH dest l2
        LMPOP 2 missing l2 LEFT COUNT 5
        LMPOP 2 missing dest RIGHT
        RPUSH one x
        LTRIM one 1 0
        RPUSH many a b c
        LPOP many 10
        SET s x
        LPUSH s a
        RPUSH many a
        LMOVE many s LEFT LEFT
    """,
    "blocking pops": """
        RPUSH l a b c
        BLPOP l 0
        BRPOP l 0
        BLMPOP 0 1 l LEFT COUNT 5
        RPUSH src x y
        BLMOVE src dst LEFT RIGHT 0
        BRPOPLPUSH src dst 0
        ZADD z 1 a 2 b 3 c
        BZPOPMIN z 0
        BZPOPMAX z 0
        BZMPOP 0 1 z MIN COUNT 2
        BLPOP missing 0.01
    """,
    "hashes": """
        HSET h f1 v1 f2 v2
        HSET h f1 v1
        HSETNX h f1 x
        HSETNX h f3 x
        HSETNX new f x
        HMSET h f4 v4
        HDEL h nope
        HDEL h f4
        HINCRBY h n 2
        HINCRBYFLOAT h n 0.5
        HINCRBY h f1 1
        HINCRBY fresh c 1
        HINCRBYFLOAT fresher c 1.5
        HDEL h f1 f2 f3 n
        HDEL missing f
    """,
    "sets": """
        SADD s1 a b c
        SADD s1 a
        SADD s1 a d
        SREM s1 z
        SREM s1 a
        SMOVE s1 s2 b
        SMOVE s1 s2 z
        SMOVE s1 s1 c
        SADD s2 c
        SMOVE s1 s2 c
        SMOVE s1 s2 d
        SADD one x
        SPOP one
        SADD two x y
        SPOP two 0
        ~SPOP two 10
        SPOP missing
        SADD t1 a b
        SADD t2 b c
        SINTERSTORE i t1 t2
        SUNIONSTORE u t1 t2
        SDIFFSTORE d t1 t2
        SINTERSTORE d t1 missing
        SINTERSTORE d t1 missing
        SDIFFSTORE u t1 t1
        SUNIONSTORE t1 t1 t2
        SREM t1 a b c
        SORT t2 ALPHA STORE sorted
        SORT missing STORE sorted
        SORT missing STORE sorted
    """,
    "sorted sets": """
        ZADD z 1 a 2 b
        ZADD z 1 a
        ZADD z XX 5 new
        ZADD z NX 9 a
        ZADD z CH 3 a
        ZADD z GT 1 a
        ZINCRBY z 0 a
        ZINCRBY z 1 a
        ZADD z INCR 1 b
        ZADD z INCR nan b
        ZINCRBY newz 2 m
        ZREM z nope
        ZREM z b
        ZADD z 4 c 5 d 6 e
        ZREMRANGEBYRANK z 0 0
        ZREMRANGEBYRANK z 10 20
        ZREMRANGEBYSCORE z 100 200
        ZREMRANGEBYSCORE z 5 5
        ZADD lex 0 a 0 b 0 c
        ZREMRANGEBYLEX lex [a [a
        ZREMRANGEBYLEX lex [x [y
        ZPOPMIN z
        ZPOPMAX z 0
        ZPOPMIN missing
        ZUNIONSTORE u 2 lex z
        ZINTERSTORE i 2 lex missing
        ZINTERSTORE u 2 lex missing
        ZDIFFSTORE d 1 lex
        ZRANGESTORE r lex 0 0
        ZRANGESTORE r lex 5 10
        ZRANGESTORE d z 0 -1
        ZMPOP 1 lex MIN COUNT 10
        ZMPOP 2 missing d MAX
        ZPOPMAX z 10
        ZREMRANGEBYSCORE newz -inf +inf
    """,
}


def drain(connection: Resp3Connection) -> list[Frame]:
    """Every frame the server sent before the reply to a PING sent now:
    everything that earlier commands, this client's or others', made it send."""
    connection.send("PING", "drained")
    frames = []
    while (frame := connection.read()) not in (Frame("bulk", b"drained"), PONG_WHILE_SUBSCRIBED):
        frames.append(frame)
    return frames


PONG_WHILE_SUBSCRIBED = Frame("array", (Frame("bulk", b"pong"), Frame("bulk", b"drained")))


def keyspace_events_of(target, flags: str, lines: str) -> list[tuple[str, Frame, list[Frame]]]:
    """Run commands against a server: each command, its reply, and the
    keyspace events a subscriber to all of them received for it."""
    commands, listener = Resp3Connection(target.host, target.port, 2), Resp3Connection(target.host, target.port, 2)
    try:
        commands.call("FLUSHALL")
        commands.call("DEBUG", "SET-ACTIVE-EXPIRE", "0")
        listener.send("PSUBSCRIBE", "__key*__:*")
        listener.read()
        commands.call("CONFIG", "SET", "notify-keyspace-events", flags)
        seen = []
        for line in lines.strip().splitlines():
            if line.strip() == "wait":
                wait_past(ms_now() + 2)  # keys set with PX 1 have expired
                continue
            reply = commands.call(*shlex.split(line.lstrip(" ~")))
            if line.strip().startswith("~"):
                reply = reply.canonical(arrays=True)
            seen.append((line.strip(), reply, drain(listener)))
        return seen
    finally:
        commands.call("CONFIG", "SET", "notify-keyspace-events", "")
        commands.call("DEBUG", "SET-ACTIVE-EXPIRE", "1")
        commands.close()
        listener.close()


@pytest.mark.parametrize("flags", ["KEA", "KEAn"])
@pytest.mark.parametrize("family", list(KEYSPACE_DIFFERENTIAL))
def test_commands_fire_the_keyspace_events_redis_fires(server, reference_redis, family, flags):
    compare_keyspace_events(server, reference_redis, flags, KEYSPACE_DIFFERENTIAL[family])


def compare_keyspace_events(server, reference_redis, flags: str, lines: str) -> None:
    ours, theirs = keyspace_events_of(server, flags, lines), keyspace_events_of(reference_redis, flags, lines)
    for (line, our_reply, our_events), (_, their_reply, their_events) in zip(ours, theirs):
        assert our_reply == their_reply, line
        assert our_events == their_events, line


MISSES = """
    GET nope
    MGET a nope b
    EXISTS nope
    TYPE nope
    TTL nope
    STRLEN nope
    LRANGE nope 0 -1
    HGET nope f
    SMEMBERS nope
    ZSCORE nope m
    SET here v
    GET here
    SINTER here2 nope
"""


def test_reads_of_missing_keys_fire_the_keymiss_events_redis_fires(server, reference_redis):
    compare_keyspace_events(server, reference_redis, "KEm", MISSES)


# --- a subscriber that does not read -----------------------------------------------------------

def silent_subscriber(server, channel: str) -> socket.socket:
    """A subscriber that never reads what it is sent, with a small receive
    buffer so that the kernel cannot take much of it either."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((server.host, server.port))
    sock.sendall(encode_command("SUBSCRIBE", channel))
    return sock


def is_hung_up(sock: socket.socket) -> bool:
    """Read what the server sent until it hangs up; True if it did."""
    sock.settimeout(TIMEOUT)
    try:
        while sock.recv(1 << 20):
            pass
    except ConnectionResetError:
        pass  # what it was owed was dropped: the connection ends with a reset
    return True


def test_a_subscriber_that_never_reads_is_disconnected_and_the_server_keeps_serving(server, raw, channel):
    bystander, publisher = raw(), raw()
    bystander.call("PING")
    sock = silent_subscriber(server, channel)
    try:
        assert wait_until(lambda: publisher.call("PUBSUB", "NUMSUB", channel) == [channel.encode(), 1])
        # 64 MB to a subscriber whose hard limit is 32 MB (Redis's default).
        message = b"x" * (1 << 20)
        receivers = [publisher.call("PUBLISH", channel, message) for _ in range(64)]
        assert receivers[0] == 1 and receivers[-1] == 0  # it was disconnected on the way
        assert bystander.call("PING") == "PONG"
        assert publisher.call("PUBSUB", "NUMSUB", channel) == [channel.encode(), 0]
        assert is_hung_up(sock)
    finally:
        sock.close()


@pytest.fixture
def buffer_limits(call):
    """buffer_limits(value) sets client-output-buffer-limit for the test; Redis's default again after it."""
    yield lambda value: call("CONFIG", "SET", "client-output-buffer-limit", value)
    call("CONFIG", "SET", "client-output-buffer-limit", "pubsub 32mb 8mb 60")


def test_a_subscriber_past_the_soft_limit_is_disconnected_once_its_seconds_are_up(server, raw, channel,
                                                                                  buffer_limits):
    publisher = raw()
    assert buffer_limits("pubsub 0 1mb 2") == "OK"  # no hard limit: only the soft one can act
    sock = silent_subscriber(server, channel)
    try:
        assert wait_until(lambda: publisher.call("PUBSUB", "NUMSUB", channel) == [channel.encode(), 1])
        for _ in range(8):  # 8 MB: more than the soft limit, whatever the kernel buffers take
            assert publisher.call("PUBLISH", channel, b"x" * (1 << 20)) == 1
        started = time.monotonic()
        assert wait_until(lambda: publisher.call("PUBSUB", "NUMSUB", channel) == [channel.encode(), 0], timeout=10)
        assert time.monotonic() - started > 0.5  # not at once: once the 2 seconds were up
        assert is_hung_up(sock)
    finally:
        sock.close()


# --- redis-py and redis-cli --------------------------------------------------------------------

def redis_py_client(server, protocol: int) -> redis.Redis:
    return redis.Redis(host=server.host, port=server.port, protocol=protocol, socket_timeout=30, retry=None)


@pytest.mark.parametrize("protocol", [2, 3])
def test_redis_py_pubsub_get_message(server, channel, protocol):
    client = redis_py_client(server, protocol)
    pubsub = client.pubsub()
    try:
        pubsub.subscribe(channel)
        assert pubsub.get_message(timeout=TIMEOUT) == {
            "type": "subscribe", "pattern": None, "channel": channel.encode(), "data": 1}
        assert client.publish(channel, "hello") == 1
        assert pubsub.get_message(timeout=TIMEOUT) == {
            "type": "message", "pattern": None, "channel": channel.encode(), "data": b"hello"}
        if protocol == 3:
            assert client.set("k", "v") is True  # the same connection pool, while subscribed
    finally:
        pubsub.close()
        client.close()


@pytest.mark.parametrize("protocol", [2, 3])
def test_redis_py_pubsub_listen_and_pattern_handlers(server, channel, protocol):
    client = redis_py_client(server, protocol)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    handled = []
    try:
        pubsub.psubscribe(**{f"{channel}.*": handled.append})
        pubsub.subscribe(channel)
        # Until the server has run SUBSCRIBE, sent on the other connection, nobody hears.
        assert wait_until(lambda: client.publish(channel, "first") == 1)
        message = next(pubsub.listen())  # subscribe confirmations are skipped
        assert (message["type"], message["data"]) == ("message", b"first")
        client.publish(f"{channel}.eu", "for the handler")
        # get_message() reads the pmessage and hands it to the handler instead of returning it.
        assert wait_until(lambda: pubsub.get_message(timeout=0.1) is None and handled)
        assert handled == [{"type": "pmessage", "pattern": f"{channel}.*".encode(),
                            "channel": f"{channel}.eu".encode(), "data": b"for the handler"}]
    finally:
        pubsub.close()
        client.close()


def test_redis_py_asyncio_pubsub(server, channel):
    async def run() -> list:
        client = redis.asyncio.Redis(host=server.host, port=server.port, retry=None)
        pubsub = client.pubsub()
        try:
            await pubsub.subscribe(channel)
            confirmation = await pubsub.get_message(timeout=TIMEOUT)
            receivers = await client.publish(channel, "async hello")
            message = await pubsub.get_message(timeout=TIMEOUT)
            return [confirmation["type"], receivers, message["data"]]
        finally:
            await pubsub.aclose()
            await client.aclose()

    assert asyncio.run(run()) == ["subscribe", 1, b"async hello"]


def read_lines(process: subprocess.Popen, count: int) -> list[str]:
    """The next `count` lines a program prints, waiting at most TIMEOUT
    seconds. (Byte by byte, so that nothing waits in a buffer of ours.)"""
    output, deadline = b"", time.monotonic() + TIMEOUT
    while output.count(b"\n") < count and time.monotonic() < deadline:
        if select.select([process.stdout], [], [], 0.1)[0]:
            output += os.read(process.stdout.fileno(), 1)
    return output.decode().splitlines()


@pytest.mark.parametrize("protocol", [[], ["-3"]])
def test_redis_cli_subscribe_prints_each_message(server, call, channel, protocol):
    cli = subprocess.Popen(["redis-cli", "-p", str(server.port), *protocol, "SUBSCRIBE", channel],
                           stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        # Printed for a program, not a terminal: one line per item.
        assert read_lines(cli, 3) == ["subscribe", channel, "1"]
        assert call("PUBLISH", channel, "hello there") == 1
        assert read_lines(cli, 3) == ["message", channel, "hello there"]
    finally:
        cli.kill()
        cli.wait()
