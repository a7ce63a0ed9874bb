"""Pub/sub commands: SUBSCRIBE and its kin, PUBLISH, PUBSUB, and keyspace
notifications, which publish what happens to keys on channels of their own.

The subscriptions themselves are kept in pubsub.py. Every reply of the
(un)subscribe commands is a push, one per name, even to the client that
asked: that is how Redis sends them, so they arrive even under CLIENT REPLY
OFF, and a RESP3 client reads them where it reads messages.
"""

from __future__ import annotations

from commands.base import CommandError, ServerState, Session, as_text, command, help_reply
from glob_match import glob_match
from pubsub import CHANNEL, PATTERN, SHARD
from resp import NO_REPLY, Reply


# --8<-- [start:subscribe]
def subscribe_generic(session: Session, args: list[bytes], kind: str) -> Reply:
    for name in args[1:]:
        session.server.pubsub.subscribe(session, kind, name)
    return NO_REPLY  # the confirmations were pushed


def unsubscribe_generic(session: Session, args: list[bytes], kind: str) -> Reply:
    pubsub = session.server.pubsub
    if len(args) == 1:
        pubsub.unsubscribe_all(session, kind)
    for name in args[1:]:
        pubsub.unsubscribe(session, kind, name)
    return NO_REPLY


@command("subscribe", -2, "pubsub noscript loading stale", (0, 0, 0), "pubsub", "2.0.0",
         "Listen for messages published to the given channels", "channel [channel ...]")
def subscribe(session: Session, args: list[bytes]) -> Reply:
    return subscribe_generic(session, args, CHANNEL)


@command("unsubscribe", -1, "pubsub noscript loading stale", (0, 0, 0), "pubsub", "2.0.0",
         "Stop listening for messages posted to the given channels", "[channel [channel ...]]")
def unsubscribe(session: Session, args: list[bytes]) -> Reply:
    return unsubscribe_generic(session, args, CHANNEL)


@command("psubscribe", -2, "pubsub noscript loading stale", (0, 0, 0), "pubsub", "2.0.0",
         "Listen for messages published to channels matching the given patterns", "pattern [pattern ...]")
def psubscribe(session: Session, args: list[bytes]) -> Reply:
    return subscribe_generic(session, args, PATTERN)


@command("punsubscribe", -1, "pubsub noscript loading stale", (0, 0, 0), "pubsub", "2.0.0",
         "Stop listening for messages posted to channels matching the given patterns", "[pattern [pattern ...]]")
def punsubscribe(session: Session, args: list[bytes]) -> Reply:
    return unsubscribe_generic(session, args, PATTERN)


# A shard channel's name is where a cluster finds its node, as a key's is:
# hence key positions for commands that have no keys.
@command("ssubscribe", -2, "pubsub noscript loading stale", (1, -1, 1), "pubsub", "7.0.0",
         "Listen for messages published to the given shard channels", "shardchannel [shardchannel ...]")
def ssubscribe(session: Session, args: list[bytes]) -> Reply:
    return subscribe_generic(session, args, SHARD)


@command("sunsubscribe", -1, "pubsub noscript loading stale", (1, -1, 1), "pubsub", "7.0.0",
         "Stop listening for messages posted to the given shard channels", "[shardchannel [shardchannel ...]]")
def sunsubscribe(session: Session, args: list[bytes]) -> Reply:
    return unsubscribe_generic(session, args, SHARD)
# --8<-- [end:subscribe]


# --8<-- [start:publish]
@command("publish", 3, "pubsub loading stale fast", (0, 0, 0), "pubsub", "2.0.0", "Post a message to a channel",
         "channel message")
def publish(session: Session, args: list[bytes]) -> Reply:
    return session.server.pubsub.publish(args[1], args[2])


@command("spublish", 3, "pubsub loading stale fast", (1, 1, 1), "pubsub", "7.0.0",
         "Post a message to a shard channel", "shardchannel message")
def spublish(session: Session, args: list[bytes]) -> Reply:
    return session.server.pubsub.publish(args[1], args[2], SHARD)
# --8<-- [end:publish]


# --8<-- [start:introspection]
@command("pubsub", -2, "", (0, 0, 0), "pubsub", "2.8.0", "A container for Pub/Sub commands")
def pubsub_(session: Session, args: list[bytes]) -> Reply:
    raise CommandError(f"ERR unknown subcommand '{as_text(args[1])}'. Try PUBSUB HELP.")


def active_names(session: Session, args: list[bytes], kind: str) -> Reply:
    """PUBSUB CHANNELS and SHARDCHANNELS [pattern]: the names someone listens to."""
    if len(args) > 3:
        raise CommandError(f"ERR unknown subcommand or wrong number of arguments for '{as_text(args[1])}'. "
                           "Try PUBSUB HELP.")
    names = session.server.pubsub.subscribers[kind]
    return [name for name in names if len(args) == 2 or glob_match(args[2], name)]


def subscriber_counts(session: Session, args: list[bytes], kind: str) -> Reply:
    """PUBSUB NUMSUB and SHARDNUMSUB [name ...]: name, count, name, count, ...
    (patterns that match a channel are not counted)."""
    names = session.server.pubsub.subscribers[kind]
    return [item for name in args[2:] for item in (name, len(names.get(name, ())))]


@command("pubsub|channels", -2, "pubsub loading stale", (0, 0, 0), "pubsub", "2.8.0", "List active channels",
         "[pattern]")
def pubsub_channels(session: Session, args: list[bytes]) -> Reply:
    return active_names(session, args, CHANNEL)


@command("pubsub|numsub", -2, "pubsub loading stale", (0, 0, 0), "pubsub", "2.8.0",
         "Get the count of subscribers for channels", "[channel [channel ...]]")
def pubsub_numsub(session: Session, args: list[bytes]) -> Reply:
    return subscriber_counts(session, args, CHANNEL)


@command("pubsub|numpat", 2, "pubsub loading stale", (0, 0, 0), "pubsub", "2.8.0",
         "Get the count of unique patterns pattern subscriptions")
def pubsub_numpat(session: Session, args: list[bytes]) -> Reply:
    return len(session.server.pubsub.subscribers[PATTERN])


@command("pubsub|shardchannels", -2, "pubsub loading stale", (0, 0, 0), "pubsub", "7.0.0",
         "List active shard channels", "[pattern]")
def pubsub_shardchannels(session: Session, args: list[bytes]) -> Reply:
    return active_names(session, args, SHARD)


@command("pubsub|shardnumsub", -2, "pubsub loading stale", (0, 0, 0), "pubsub", "7.0.0",
         "Get the count of subscribers for shard channels", "[shardchannel [shardchannel ...]]")
def pubsub_shardnumsub(session: Session, args: list[bytes]) -> Reply:
    return subscriber_counts(session, args, SHARD)


@command("pubsub|help", 2, "loading stale", (0, 0, 0), "pubsub", "6.2.0",
         "Show helpful text about the different subcommands",
         categories="")  # as in Redis: @slow, and not @pubsub
def pubsub_help(session: Session, args: list[bytes]) -> Reply:
    return help_reply("PUBSUB", [
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
    ])
# --8<-- [end:introspection]


# --8<-- [start:notifications]
def notify_keyspace_event(state: ServerState, db: int, key: bytes, event: str, kind: str) -> None:
    """Keyspace notifications: a listener of keyspace_events.KeyEvents that
    publishes each event whose class notify-keyspace-events turns on. With K,
    on the key's channel, with the event as the message:

        __keyspace@0__:mykey  set

    and with E, on the event's channel, with the key as the message:

        __keyevent@0__:set  mykey

    Like every message, these go to whoever listens at that moment and are
    gone: a client that was not subscribed when a key expired never learns it."""
    classes = state.config["notify-keyspace-events"].decode()  # the letters that are on, "A" spelled out
    if kind not in classes:
        return
    if "K" in classes:
        state.pubsub.publish(b"__keyspace@%d__:%b" % (db, key), event.encode())
    if "E" in classes:
        state.pubsub.publish(b"__keyevent@%d__:%b" % (db, event.encode()), key)
# --8<-- [end:notifications]
