"""Commands about the connection itself: PING and SELECT, and from step 13 the
handshake (HELLO), logging in (AUTH), RESET, and CLIENT, which lets a client
see and manage the connections of everyone."""

from __future__ import annotations

import hmac
import time

from commands.base import (NOT_AN_INTEGER, SYNTAX_ERROR, CommandError, Session, as_text, command, database_index,
                           help_reply)
from pubsub import CHANNEL, PATTERN, SHARD
from resp import NULL_ARRAY, OK, Error, Map, Reply, SimpleString, Verbatim, parse_int64

# The version of Redis whose behaviour this server follows. Clients read it
# from HELLO and INFO to decide which commands they may use.
REDIS_VERSION = "7.0.15"
WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled."
# There are no ACL users here but Redis's "default", whose password is requirepass.
DEFAULT_USER = b"default"


@command("ping", -1, "fast", (0, 0, 0), "connection", "1.0.0", "Ping the server", "[message]")
def ping(session: Session, args: list[bytes]) -> Reply:
    if len(args) > 2:
        raise CommandError("ERR wrong number of arguments for 'ping' command")
    if session.subscriptions and session.protocol == 2:
        # Shaped like a push, so that a RESP2 subscriber can read it among its messages.
        return [b"pong", args[1] if len(args) == 2 else b""]
    return args[1] if len(args) == 2 else SimpleString("PONG")


@command("echo", 2, "loading stale fast", (0, 0, 0), "connection", "1.0.0", "Echo the given string",
         "message")
def echo(session: Session, args: list[bytes]) -> Reply:
    return args[1]


@command("quit", -1, "noscript loading stale fast no_auth allow_busy", (0, 0, 0), "connection", "1.0.0",
         "Close the connection")
def quit_(session: Session, args: list[bytes]) -> Reply:
    return OK  # the connection hangs up after sending this; see Client.run_commands


@command("select", 2, "loading stale fast", (0, 0, 0), "connection", "2.0.0",
         "Change the selected database for the current connection", "index")
def select(session: Session, args: list[bytes]) -> Reply:
    session.db_index = database_index(session, args[1])
    return OK


# --8<-- [start:auth]
def password_matches(session: Session, username: bytes, password: bytes) -> bool:
    """Whether `username` may log in with `password`. With no requirepass the
    default user has no password, and any password will do, as in Redis."""
    required = session.server.config["requirepass"]
    # compare_digest takes as long whatever the password, so timing tells an attacker nothing.
    return username == DEFAULT_USER and (not required or hmac.compare_digest(password, required))


@command("auth", -2, "noscript loading stale fast no_auth allow_busy", (0, 0, 0), "connection", "1.0.0",
         "Authenticate to the server", "[username] password")
def auth(session: Session, args: list[bytes]) -> Reply:
    if len(args) > 3:
        raise CommandError(SYNTAX_ERROR)
    if len(args) == 2 and not session.server.config["requirepass"]:
        raise CommandError("ERR AUTH <password> called without any password configured for the default user. "
                           "Are you sure your configuration is correct?")
    username, password = (DEFAULT_USER, args[1]) if len(args) == 2 else (args[1], args[2])
    if not password_matches(session, username, password):
        raise CommandError(WRONGPASS)  # and a client that was logged in stays logged in
    session.authenticated = True
    return OK
# --8<-- [end:auth]


# --8<-- [start:hello]
@command("hello", -1, "noscript loading stale fast no_auth allow_busy", (0, 0, 0), "connection", "6.0.0",
         "Handshake with Redis", "[protover [AUTH username password] [SETNAME clientname]]")
def hello(session: Session, args: list[bytes]) -> Reply:
    protocol = None
    if len(args) > 1:
        protocol = parse_int64(args[1])
        if protocol is None:
            raise CommandError("ERR Protocol version is not an integer or out of range")
        if protocol not in (2, 3):
            raise CommandError("NOPROTO unsupported protocol version")
    # Options act in the order given, and each stands on its own: a name set
    # before a failing AUTH stays set, as in Redis.
    i = 2
    while i < len(args):
        option, more = args[i].upper(), len(args) - 1 - i
        if option == b"AUTH" and more >= 2:
            if not password_matches(session, args[i + 1], args[i + 2]):
                raise CommandError(WRONGPASS)
            session.authenticated = True
            i += 3
        elif option == b"SETNAME" and more >= 1:
            set_name(session, args[i + 1])
            i += 2
        else:
            raise CommandError(f"ERR Syntax error in HELLO option '{as_text(args[i])}'")
    if not session.authenticated:
        raise CommandError("NOAUTH HELLO must be called with the client already authenticated, otherwise the "
                           "HELLO AUTH <user> <pass> option can be used to authenticate the client and select "
                           "the RESP protocol version at the same time")
    if protocol is not None:
        session.protocol = protocol  # this very reply already goes out in the new protocol
    return Map({
        b"server": b"redis", b"version": REDIS_VERSION.encode(), b"proto": session.protocol,
        b"id": session.id, b"mode": b"standalone", b"role": b"master", b"modules": [],
    })
# --8<-- [end:hello]


@command("reset", 1, "noscript loading stale fast no_auth allow_busy", (0, 0, 0), "connection", "6.2.0",
         "Reset the connection")
def reset(session: Session, args: list[bytes]) -> Reply:
    # Back to what a new connection has; its id, address and age stay.
    session.server.pubsub.forget(session)  # no unsubscribe pushes: the reply is RESET alone
    session.db_index = 0
    session.protocol = 2
    session.name = b""
    session.authenticated = not session.server.config["requirepass"]
    session.reply_mode = "on"
    session.transaction = None
    session.server.watches.unwatch(session)
    if session in session.server.monitors:
        session.server.monitors.remove(session)
    return SimpleString("RESET")


# --8<-- [start:client]
@command("client", -2, "", (0, 0, 0), "connection", "2.4.0", "A container for client connection commands")
def client(session: Session, args: list[bytes]) -> Reply:
    raise CommandError(f"ERR unknown subcommand '{as_text(args[1])}'. Try CLIENT HELP.")


@command("client|id", 2, "noscript loading stale", (0, 0, 0), "connection", "5.0.0",
         "Returns the client ID for the current connection")
def client_id(session: Session, args: list[bytes]) -> Reply:
    return session.id


def set_name(session: Session, name: bytes) -> None:
    # Names must keep CLIENT LIST splittable on spaces: printable ASCII only.
    if any(not 0x21 <= byte <= 0x7E for byte in name):
        raise CommandError("ERR Client names cannot contain spaces, newlines or special characters.")
    session.name = name  # b"" removes the name


@command("client|setname", 3, "noscript loading stale", (0, 0, 0), "connection", "2.6.9",
         "Set the current connection name", "connection-name")
def client_setname(session: Session, args: list[bytes]) -> Reply:
    set_name(session, args[2])
    return OK


@command("client|getname", 2, "noscript loading stale", (0, 0, 0), "connection", "2.6.9",
         "Get the current connection name")
def client_getname(session: Session, args: list[bytes]) -> Reply:
    return session.name or None


def client_info_line(session: Session) -> str:
    """One line of CLIENT LIST: Redis's fields in Redis's order, but for the
    ones about its memory allocation (qbuf-free, argv-mem, rbs, tot-mem, ...)."""
    waiting_input, waiting_output = session.buffered()
    now = time.monotonic()
    subscribed, transaction = session.subscriptions.names, session.transaction
    flags = "".join(flag for flag, on in [
        ("O", session in session.server.monitors), ("P", session.subscriptions), ("x", transaction), ("b", session.blocked),
        ("d", session.server.watches.is_broken(session)), ("c", session.closing), ("e", session.no_evict)]
        if on) or "N"
    events = "" if session.closing else "r"
    events += "w" if waiting_output else ""
    fields = [
        ("id", session.id), ("addr", session.address), ("laddr", session.local_address), ("fd", session.fd),
        ("name", as_text(session.name, len(session.name))), ("age", int(now - session.created)),
        ("idle", int(now - session.last_active)), ("flags", flags), ("db", session.db_index),
        ("sub", len(subscribed[CHANNEL])), ("psub", len(subscribed[PATTERN])), ("ssub", len(subscribed[SHARD])),
        ("multi", -1 if transaction is None else len(transaction.queue)),
        ("qbuf", waiting_input), ("obl", waiting_output), ("oll", 0), ("omem", 0),
        ("events", events), ("cmd", session.last_command), ("user", "default"), ("redir", -1),
        ("resp", session.protocol),
    ]
    return " ".join(f"{name}={value}" for name, value in fields)


@command("client|info", 2, "noscript loading stale", (0, 0, 0), "connection", "6.2.0",
         "Returns information about the current client connection.")
def client_info(session: Session, args: list[bytes]) -> Reply:
    return Verbatim(client_info_line(session) + "\n")


CLIENT_TYPES = (b"normal", b"master", b"replica", b"slave", b"pubsub")


def client_type(arg: bytes) -> bytes:
    """A TYPE filter's value."""
    if arg.lower() not in CLIENT_TYPES:
        raise CommandError(f"ERR Unknown client type '{as_text(arg)}'")
    return b"normal" if arg.lower() == b"normal" else arg.lower()


def type_of(session: Session) -> bytes:
    """Which TYPE a client is, and whose client-output-buffer-limit applies
    to it: a client subscribed to anything is a pubsub client, in Redis."""
    return b"pubsub" if session.subscriptions else b"normal"


@command("client|list", -2, "admin noscript loading stale", (0, 0, 0), "connection", "2.4.0",
         "Get the list of client connections", "[TYPE <NORMAL | MASTER | REPLICA | PUBSUB>] [ID client-id [client-id ...]]")
def client_list(session: Session, args: list[bytes]) -> Reply:
    clients = list(session.server.clients.values())
    if len(args) == 4 and args[2].lower() == b"type":
        wanted = client_type(args[3])
        clients = [client for client in clients if type_of(client) == wanted]
    elif len(args) > 3 and args[2].lower() == b"id":
        ids = []
        for arg in args[3:]:
            if (client_id := parse_int64(arg)) is None:
                raise CommandError("ERR Invalid client ID")
            ids.append(client_id)
        by_id = session.server.clients
        clients = [by_id[client_id] for client_id in ids if client_id in by_id]
    elif len(args) != 2:
        raise CommandError(SYNTAX_ERROR)
    return Verbatim("".join(client_info_line(client) + "\n" for client in clients))


@command("client|kill", -3, "admin noscript loading stale", (0, 0, 0), "connection", "2.4.0",
         "Kill the connection of a client",
         "<ip:port | [ID client-id] [TYPE <NORMAL | MASTER | SLAVE | REPLICA | PUBSUB>] [USER username] "
         "[ADDR ip:port] [LADDR ip:port] [SKIPME <YES | NO>]>")
def client_kill(session: Session, args: list[bytes]) -> Reply:
    old_form = len(args) == 3  # CLIENT KILL ip:port, which may kill the caller too
    filters: dict[bytes, bytes | int] = {b"addr": args[2]} if old_form else {}
    skip_me = not old_form
    options = [] if old_form else args[2:]
    for i in range(0, len(options), 2):
        if i + 1 == len(options):
            raise CommandError(SYNTAX_ERROR)  # an option without its value
        option, value = options[i].lower(), options[i + 1]
        if option == b"id":
            client_id = parse_int64(value)
            if client_id is None or client_id < 1:
                raise CommandError("ERR client-id should be greater than 0")
            filters[option] = client_id
        elif option == b"type":
            filters[option] = client_type(value)
        elif option == b"user":
            if value != DEFAULT_USER:
                raise CommandError(f"ERR No such user '{as_text(value)}'")
        elif option in (b"addr", b"laddr"):
            filters[option] = value
        elif option == b"skipme" and value.lower() in (b"yes", b"no"):
            skip_me = value.lower() == b"yes"
        else:
            raise CommandError(SYNTAX_ERROR)
    killed = 0
    for other in list(session.server.clients.values()):
        if (filters.get(b"addr", other.address.encode()) != other.address.encode()
                or filters.get(b"laddr", other.local_address.encode()) != other.local_address.encode()
                or filters.get(b"id", other.id) != other.id
                or filters.get(b"type", type_of(other)) != type_of(other)
                or (other is session and skip_me)):
            continue
        other.closing = True  # it runs no more commands
        if other is not session:  # the caller still gets this reply; the others are closed
            session.server.to_close.append(other)  # at once, dropping what they were owed
        killed += 1
    if old_form:
        if not killed:
            raise CommandError("ERR No such client")
        return OK
    return killed


@command("client|unblock", -3, "admin noscript loading stale", (0, 0, 0), "connection", "5.0.0",
         "Unblock a client blocked in a blocking command from a different connection",
         "client-id [TIMEOUT | ERROR]")
def client_unblock(session: Session, args: list[bytes]) -> Reply:
    if len(args) > 4:
        raise CommandError(f"ERR unknown subcommand or wrong number of arguments for '{as_text(args[1])}'. "
                           "Try CLIENT HELP.")
    client_id = parse_int64(args[2])
    if client_id is None:
        raise CommandError(NOT_AN_INTEGER)
    how = args[3].upper() if len(args) == 4 else b"TIMEOUT"
    if how not in (b"TIMEOUT", b"ERROR"):
        raise CommandError("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
    other = session.server.clients.get(client_id)
    if other is None or other.blocked is None:
        return 0
    blocked = session.server.blocked
    blocked.unblock(other)
    # As if it had timed out, or with an error it can tell from a timeout.
    blocked.deliver(other, NULL_ARRAY if how == b"TIMEOUT" else Error("UNBLOCKED client unblocked via CLIENT UNBLOCK"))
    return 1


@command("client|reply", 3, "noscript loading stale", (0, 0, 0), "connection", "3.2.0",
         "Instruct the server whether to reply to commands", "<ON | OFF | SKIP>")
def client_reply(session: Session, args: list[bytes]) -> Reply:
    mode = args[2].lower().decode("utf-8", "surrogateescape")
    if mode not in ("on", "off", "skip"):
        raise CommandError(SYNTAX_ERROR)
    # The event loop drops the replies (see Client.send): OFF and SKIP are
    # not answered themselves, and SKIP under OFF changes nothing.
    if not (mode == "skip" and session.reply_mode == "off"):
        session.reply_mode = mode
    return OK


@command("client|no-evict", 3, "admin noscript loading stale", (0, 0, 0), "connection", "7.0.0",
         "Set client eviction mode for the current connection", "<ON | OFF>")
def client_no_evict(session: Session, args: list[bytes]) -> Reply:
    # Kept and shown in CLIENT LIST (flag e); eviction itself comes with maxmemory in step 18.
    if args[2].lower() not in (b"on", b"off"):
        raise CommandError(SYNTAX_ERROR)
    session.no_evict = args[2].lower() == b"on"
    return OK


@command("client|help", 2, "loading stale", (0, 0, 0), "connection", "5.0.0",
         "Show helpful text about the different subcommands")
def client_help(session: Session, args: list[bytes]) -> Reply:
    # Redis's text, for the subcommands this server has.
    return help_reply("CLIENT", [
        "GETNAME", "    Return the name of the current connection.",
        "ID", "    Return the ID of the current connection.",
        "INFO", "    Return information about the current client connection.",
        "KILL <ip:port>", "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]", "    Kill connections. Options are:",
        "    * ADDR (<ip:port>|<unixsocket>:0)", "      Kill connections made from the specified address",
        "    * LADDR (<ip:port>|<unixsocket>:0)", "      Kill connections made to specified local address",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)", "      Kill connections by type.",
        "    * USER <username>", "      Kill connections authenticated by <username>.",
        "    * SKIPME (YES|NO)", "      Skip killing current connection (default: yes).",
        "LIST [options ...]", "    Return information about client connections. Options:",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)", "      Return clients of specified type.",
        "UNPAUSE", "    Stop the current client pause, resuming traffic.",
        "PAUSE <timeout> [WRITE|ALL]", "    Suspend all, or just write, clients for <timeout> milliseconds.",
        "REPLY (ON|OFF|SKIP)", "    Control the replies sent to the current connection.",
        "SETNAME <name>", "    Assign the name <name> to the current connection.",
        "UNBLOCK <clientid> [TIMEOUT|ERROR]", "    Unblock the specified blocked client.",
        "NO-EVICT (ON|OFF)", "    Protect current client connection from eviction.",
    ])
# --8<-- [end:client]


@command("acl", -2, "", (0, 0, 0), "server", "6.0.0", "A container for Access List Control commands ")
def acl(session: Session, args: list[bytes]) -> Reply:
    raise CommandError(f"ERR unknown subcommand '{as_text(args[1])}'. Try ACL HELP.")


@command("acl|whoami", 2, "noscript loading stale", (0, 0, 0), "server", "6.0.0",
         "Return the name of the user associated to the current connection")
def acl_whoami(session: Session, args: list[bytes]) -> Reply:
    return DEFAULT_USER
