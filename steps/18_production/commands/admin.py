"""Redis's "server" group: the databases as a whole, time, configuration,
and COMMAND, which describes every command from the dispatch table."""

from __future__ import annotations

import time

from commands.base import (COMMANDS, SYNTAX_ERROR, Command, CommandError, Session, as_text, c_int, check_database,
                           command, help_reply)
from glob_match import glob_match
from resp import OK, Map, Reply, Set, SimpleString


@command("dbsize", 1, "readonly fast", (0, 0, 0), "server", "1.0.0",
         "Return the number of keys in the selected database",
         categories="@keyspace")
def dbsize(session: Session, args: list[bytes]) -> Reply:
    return len(session.db)


def check_flush_mode(args: list[bytes]) -> None:
    # ASYNC and SYNC choose how Redis frees the memory; either way the keys are gone at once.
    if len(args) > 2 or (len(args) == 2 and args[1].upper() not in (b"ASYNC", b"SYNC")):
        raise CommandError(SYNTAX_ERROR)


# --8<-- [start:flush]
@command("flushdb", -1, "write", (0, 0, 0), "server", "1.0.0",
         "Remove all keys from the current database", "[ASYNC | SYNC]",
         categories="@keyspace @dangerous")
def flushdb(session: Session, args: list[bytes]) -> Reply:
    check_flush_mode(args)
    session.server.watches.databases_replaced(session.db_index)
    session.db.clear()
    session.server.stats.dirty += 1  # a change even if it was empty: the AOF gets it all the same
    return OK


@command("flushall", -1, "write", (0, 0, 0), "server", "1.0.0",
         "Remove all keys from all databases", "[ASYNC | SYNC]",
         categories="@keyspace @dangerous")
def flushall(session: Session, args: list[bytes]) -> Reply:
    check_flush_mode(args)
    for index, db in enumerate(session.server.databases):
        session.server.watches.databases_replaced(index)
        db.clear()
    # As in Redis, a snapshot in progress is dropped, and with save points
    # the empty data is saved at once: the old dump.rdb must not come back.
    persistence = session.server.persistence
    if persistence is not None:
        persistence.data_flushed()
    session.server.stats.dirty += 1
    return OK


@command("swapdb", 3, "write fast", (0, 0, 0), "server", "4.0.0", "Swaps two Redis databases",
         "index1 index2",
         categories="@keyspace @dangerous")
def swapdb(session: Session, args: list[bytes]) -> Reply:
    # Both numbers are read before either is checked against the number of databases.
    first = c_int(args[1], "ERR invalid first DB index")
    second = c_int(args[2], "ERR invalid second DB index")
    check_database(session, first)
    check_database(session, second)
    # Clients stay on their database number and see the other data from now
    # on: for a client watching a key, that key changed.
    session.server.watches.databases_replaced(first, second)
    session.server.watches.databases_replaced(second, first)
    databases = session.server.databases
    databases[first], databases[second] = databases[second], databases[first]
    # A database keeps its number, which its keyspace events carry: only the data moved.
    databases[first].index, databases[second].index = first, second
    session.server.blocked.swap_databases(first, second, databases)
    session.server.stats.dirty += 1
    return OK
# --8<-- [end:flush]


@command("time", 1, "loading stale fast", (0, 0, 0), "server", "2.6.0", "Return the current server time")
def time_(session: Session, args: list[bytes]) -> Reply:
    now_us = time.time_ns() // 1000
    return [b"%d" % (now_us // 1_000_000), b"%d" % (now_us % 1_000_000)]


@command("debug", -2, "admin noscript loading stale", (0, 0, 0), "server", "1.0.0",
         "A container for debugging commands", "subcommand [argument ...]")
def debug(session: Session, args: list[bytes]) -> Reply:
    # Only the DEBUG subcommands the tests need. Redis's own test suite
    # turns the active expiry cycle off with SET-ACTIVE-EXPIRE to watch lazy
    # expiry alone, checks a save and a load with RELOAD, and stalls the
    # server on purpose with SLEEP (seconds, a fraction allowed).
    if args[1].lower() == b"set-active-expire" and len(args) == 3:
        for db in session.server.databases:
            db.active_expiry = args[2] != b"0"
        return OK
    if args[1].lower() == b"reload" and len(args) == 2:
        session.server.persistence.reload()
        return OK
    if args[1].lower() == b"sleep" and len(args) == 3:
        try:  # read as Redis reads it, with strtod(): what is no number sleeps 0
            seconds = float(args[2])
        except ValueError:
            seconds = 0.0
        if 0 < seconds < 1e9:  # not NaN, not forever
            time.sleep(seconds)
        return OK
    raise CommandError(f"ERR unknown subcommand or wrong number of arguments for "
                       f"'{as_text(args[1])}'. Try DEBUG HELP.")


# --8<-- [start:introspection]
@command("command", -1, "loading stale", (0, 0, 0), "server", "2.8.13", "Get array of Redis command details",
         categories="@connection")
def command_(session: Session, args: list[bytes]) -> Reply:
    return [command_info(entry) for entry in COMMANDS.values()]


@command("command|count", 2, "loading stale", (0, 0, 0), "server", "2.8.13",
         "Get total number of Redis commands",
         categories="@connection")
def command_count(session: Session, args: list[bytes]) -> Reply:
    return len(COMMANDS)


@command("command|info", -2, "loading stale", (0, 0, 0), "server", "2.8.13",
         "Get array of specific Redis command details, or all when no argument is given",
         "[command-name [command-name ...]]",
         categories="@connection")
def command_info_(session: Session, args: list[bytes]) -> Reply:
    names = args[2:] or [name.encode() for name in COMMANDS]
    return [command_info(entry) if (entry := find(name)) else None for name in names]


@command("command|docs", -2, "loading stale", (0, 0, 0), "server", "7.0.0",
         "Get array of specific Redis command documentation", "[command-name [command-name ...]]",
         categories="@connection")
def command_docs(session: Session, args: list[bytes]) -> Reply:
    # redis-cli asks for this when it starts, to offer help and hints. A map
    # of name -> docs (in RESP2 a flat list: name, docs, name, docs, ...).
    # Unknown names are skipped.
    entries = [entry for name in args[2:] if (entry := find(name))] if len(args) > 2 else COMMANDS.values()
    return Map({entry.name.encode(): command_docs_of(entry) for entry in entries})


@command("command|list", -2, "loading stale", (0, 0, 0), "server", "7.0.0",
         "Get an array of Redis command names",
         "[FILTERBY MODULE module-name | ACLCAT category | PATTERN pattern]", categories="@connection")
def command_list(session: Session, args: list[bytes]) -> Reply:
    entries = [every for entry in COMMANDS.values() for every in [entry, *entry.subcommands.values()]]
    if len(args) == 2:
        return [entry.name.encode() for entry in entries]
    if len(args) != 5 or args[2].upper() != b"FILTERBY":
        raise CommandError(SYNTAX_ERROR)
    kind, value = args[3].upper(), args[4]
    if kind == b"MODULE":
        return []  # no module is ever loaded here
    if kind == b"ACLCAT":  # a category's name, without its "@"
        category = "@" + value.decode("utf-8", "surrogateescape").lower()
        return [entry.name.encode() for entry in entries if category in acl_categories(entry)]
    if kind == b"PATTERN":  # a glob pattern, matched without regard to case, as in Redis
        return [entry.name.encode() for entry in entries if glob_match(value, entry.name.encode(), nocase=True)]
    raise CommandError(SYNTAX_ERROR)


@command("command|help", 2, "loading stale", (0, 0, 0), "server", "5.0.0",
         "Show helpful text about the different subcommands",
         categories="@connection")
def command_help(session: Session, args: list[bytes]) -> Reply:
    return help_reply("COMMAND", [
        "(no subcommand)",
        "    Return details about all Redis commands.",
        "COUNT",
        "    Return the total number of commands in this Redis server.",
        "LIST",
        "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
    ])


def find(name: bytes) -> Command | None:
    """A command or "container|sub" by name, as COMMAND INFO and DOCS look them up."""
    container, _, sub = name.decode("utf-8", "surrogateescape").lower().partition("|")
    entry = COMMANDS.get(container)
    return entry.subcommands.get(sub) if entry and sub else entry


# Where an ACL category's name differs from the docs' group name.
# --8<-- [start:categories]
# The ACL category of each group of commands; the server's own have none.
GROUP_CATEGORIES = {"generic": "@keyspace", "string": "@string", "list": "@list", "hash": "@hash", "set": "@set",
                    "sorted-set": "@sortedset", "pubsub": "@pubsub", "transactions": "@transaction",
                    "connection": "@connection", "scripting": "@scripting"}
# What a flag puts a command in, besides.
FLAG_CATEGORIES = {"write": ("@write",), "readonly": ("@read",), "admin": ("@admin", "@dangerous"),
                   "pubsub": ("@pubsub",), "fast": ("@fast",), "blocking": ("@blocking",)}
# The order Redis lists them in (the order of its category bits).
CATEGORY_ORDER = ["@keyspace", "@read", "@write", "@set", "@sortedset", "@list", "@hash", "@string", "@bitmap",
                  "@hyperloglog", "@geo", "@stream", "@pubsub", "@admin", "@fast", "@slow", "@blocking",
                  "@dangerous", "@connection", "@transaction", "@scripting"]


def acl_categories(entry: Command) -> list[SimpleString]:
    """The ACL categories of a command, by Redis's rule: its group's (unless
    it says otherwise, or is a container of subcommands), then what its
    flags imply: write, read, admin (which is dangerous too), fast or else slow."""
    if entry.categories is not None:
        categories = set(entry.categories)
    elif entry.subcommands or entry.group not in GROUP_CATEGORIES:
        categories = set()
    else:
        categories = {GROUP_CATEGORIES[entry.group]}
    for flag in entry.flags:
        categories.update(FLAG_CATEGORIES.get(flag, ()))
    if "@scripting" in categories:
        categories.discard("@read")  # a script may do anything: never a read-only category
    if "@fast" not in categories:
        categories.add("@slow")
    return [SimpleString(name) for name in CATEGORY_ORDER if name in categories]
# --8<-- [end:categories]


def command_info(entry: Command) -> Reply:
    """The ten fields Redis 7 gives for a command."""
    first, last, step = entry.keys
    categories = Set(acl_categories(entry))
    return [
        entry.name.encode(), entry.arity, Set(SimpleString(flag) for flag in entry.flags),
        first, last, step, categories,
        Set(),  # tips for cluster clients: none
        key_specs(entry),
        # Redis sends an empty set for no subcommands, but a list of them.
        [command_info(sub) for sub in entry.subcommands.values()] or Set(),
    ]


def key_specs(entry: Command) -> Reply:
    """Where the keys are, in Redis 7's newer form: begin at `first`, then a range."""
    first, last, step = entry.keys
    if not first:
        return Set()
    # A shard channel is not a key, but a cluster finds its node as it finds a key's.
    access = "not_key" if entry.group == "pubsub" else "RW" if "write" in entry.flags else "RO"
    return Set([Map({
        b"flags": Set([SimpleString(access)]),
        b"begin_search": Map({b"type": b"index", b"spec": Map({b"index": first})}),
        b"find_keys": Map({b"type": b"range", b"spec": Map({
            b"lastkey": last - first if last >= 0 else last, b"keystep": step, b"limit": 0})}),
    })])


def command_docs_of(entry: Command) -> Reply:
    docs = Map({b"summary": entry.summary.encode(), b"since": entry.since.encode(), b"group": entry.group.encode()})
    if entry.syntax:
        docs[b"arguments"] = parse_syntax(entry.syntax)
    if entry.subcommands:
        docs[b"subcommands"] = Map({sub.name.encode(): command_docs_of(sub) for sub in entry.subcommands.values()})
    return docs
# --8<-- [end:introspection]


# --8<-- [start:syntax]
Argument = dict[str, object]
REPEAT = {"name": "..."}  # marks "x [x ...]" while parsing


def parse_syntax(syntax: str) -> list[Reply]:
    """Turn "key [key ...]" or "key [EX seconds | PERSIST]" into the argument
    maps of COMMAND DOCS, from which redis-cli rebuilds its hints.

    lowercase words are arguments, UPPERCASE words are tokens (with the value
    that follows, as in "MATCH pattern"), [...] is optional, <...> groups
    what is required, as in "<LEFT | RIGHT>", a | b is one of, and
    "x [x ...]" means x may repeat.
    """
    for bracket in "[]<>|":
        syntax = syntax.replace(bracket, f" {bracket} ")
    words = syntax.split()
    arguments, _ = parse_choice(words, 0)
    return [as_reply(argument) for argument in arguments]


def parse_choice(words: list[str], at: int) -> tuple[list[Argument], int]:
    """One sequence, or several separated by "|", up to a "]", a ">" or the end."""
    options = []
    while True:
        sequence, at = parse_sequence(words, at)
        options.append(sequence)
        if at == len(words) or words[at] != "|":
            break
        at += 1
    if len(options) == 1:
        return options[0], at
    return [{"name": "choice", "type": "oneof", "arguments": [as_one(option) for option in options]}], at


def parse_sequence(words: list[str], at: int) -> tuple[list[Argument], int]:
    arguments: list[Argument] = []
    while at < len(words) and words[at] not in ("]", ">", "|"):
        word = words[at]
        takes_value = word.isupper() and at + 1 < len(words) and words[at + 1][0].islower()
        if word == "[":
            inner, at = parse_choice(words, at + 1)
            if inner[-1] is REPEAT:  # the arguments just before this repeat
                # Taken as written before the brackets, so that a token stays
                # with them: "WEIGHTS weight [weight ...]".
                repeated = arguments[-(len(inner) - 1):]
                del arguments[-len(repeated):]
                arguments.append(with_flag(as_one(repeated), "multiple"))
            else:
                arguments.append(with_flag(as_one(inner), "optional"))
        elif word == "<":
            inner, at = parse_choice(words, at + 1)
            arguments.append(as_one(inner))
        elif word == "...":
            arguments.append(REPEAT)
        elif takes_value:
            arguments.append({"name": words[at + 1], "type": "string", "token": word})
            at += 1
        elif word.isupper():
            arguments.append({"name": word.lower(), "type": "pure-token", "token": word})
        else:
            kind = "key" if word in ("key", "source", "destination", "newkey") else "string"
            arguments.append({"name": word, "type": kind})
        at += 1
    return arguments, at


def as_one(arguments: list[Argument]) -> Argument:
    """A group of arguments as one: itself if alone, else a block."""
    return arguments[0] if len(arguments) == 1 else {"name": "block", "type": "block", "arguments": arguments}


def with_flag(argument: Argument, flag: str) -> Argument:
    return {**argument, "flags": [*argument.get("flags", []), flag]}


def as_reply(argument: Argument) -> Reply:
    """An argument as COMMAND DOCS sends it: a map of field -> value."""
    reply = Map()
    for field_name, value in argument.items():
        if field_name == "arguments":
            value = [as_reply(inner) for inner in value]
        elif field_name == "flags":
            value = Set(SimpleString(flag) for flag in value)  # redis-cli wants status replies here
        else:
            value = value.encode()
        reply[field_name.encode()] = value
    return reply
# --8<-- [end:syntax]
