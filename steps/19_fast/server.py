"""Step 19: where the time goes, and making it fast.

The server of step 18, profiled under load and sped up where the profile
points, without changing anything a client can see.
"""

from __future__ import annotations

import os
import selectors
import signal
import socket
import sys
import time
from functools import partial
from typing import Callable

from commands import ServerState, Session, execute
from blocking import BlockedClients
from commands.config import ConfigError, output_limits, startup_config
from commands.config_file import ConfigFileError, read_config
from commands.connection import client_info_line, type_of
from commands.info import memory_in_use
from commands.pubsub import notify_keyspace_event
from keyspace_events import KeyEvents
from log import log
from persistence import LoadError, Persistence
from resp import Error, ProtocolError, Reply, RequestParser, encode
from stats import Stats
from store import Store, now_ms

READ_SIZE = 64 * 1024  # bytes asked of recv() at a time
# Once this much output waits for a client that is not reading it, we stop
# running that client's commands (and reading its socket) until it catches up.
OUTPUT_LIMIT = 1024 * 1024


def parse_args(words: list[str]) -> tuple[dict[str, bytes], str]:
    """The server's config and its config file: as redis-server takes them,
    the file's path first if there is one, then Redis-style `--name value`
    pairs (--port 6380 --dir /tmp --save ""), plus --host, which is --bind."""
    if {"-h", "--help"} & set(words):
        print(f"{__doc__.splitlines()[0]}\nusage: server.py [/path/to/redis.conf] [--host ADDRESS] [--port N] "
              "[--<config name> <value> ...]")
        sys.exit(0)
    path = words.pop(0) if words and not words[0].startswith("--") else ""
    words = ["--bind" if word == "--host" else word for word in words]
    try:
        return (read_config(path, words) if path else startup_config(words)), path and os.path.abspath(path)
    except ConfigFileError as error:
        sys.exit(str(error))
    except ConfigError as error:
        sys.exit(f"*** FATAL CONFIG ERROR ***\n{error}")


# --8<-- [start:client]
class Client:
    """One connection: the bytes it sent that we have not run yet (in the
    parser) and the reply bytes it has not taken yet (the outbox)."""

    def __init__(self, sock: socket.socket, server: ServerState, got_pushes: Callable[[Client], None]) -> None:
        self.sock = sock
        # What commands see of this client: its database, protocol, name, ...
        self.session = Session(server, id=server.new_client_id(), address=address_of(sock.getpeername()),
                               local_address=address_of(sock.getsockname()), fd=sock.fileno(),
                               authenticated=not server.config["requirepass"],
                               buffered=lambda: (self.parser.buffered(), len(self.outbox)), push=self.push)
        self.parser = RequestParser()
        self.outbox = bytearray()
        self.events = selectors.EVENT_READ  # what the selector is waiting for on this socket
        self.got_pushes = got_pushes  # tells the event loop to serve this client after the command
        self.over_soft_limit_since: float | None = None  # see check_output_limit

    @property
    def persistence(self) -> Persistence:
        return self.session.server.persistence

    def run_commands(self) -> None:
        """Run the complete commands in the parser, appending replies to the outbox.

        Stops early once the outbox holds OUTPUT_LIMIT bytes: the rest waits in
        the parser until the client has read its replies.
        """
        session = self.session
        server, next_command = session.server, self.parser.next_command
        try:
            # A blocked client's next commands wait until it is answered.
            while (not session.closing and session.blocked is None and len(self.outbox) < OUTPUT_LIMIT
                   and not server.shutting_down):
                # A command CLIENT PAUSE held comes first, once the pause is over.
                args, session.postponed = session.postponed or next_command(), None
                if args is None:
                    return
                session.last_active = time.monotonic()
                reply = execute(session, args)
                if session.postponed is not None:
                    return  # held again, and what the client sent after it waits too
                server.persistence.commit()  # what it changed, to the AOF buffer
                if session.blocked is None:  # a blocked command has no reply yet
                    self.send(reply)
                while session.own_feed:  # a monitor's line about this very command
                    self.push(session.own_feed.pop(0))
                # The command may have created keys that blocked clients wait for.
                server.blocked.serve_ready_keys()
                if args[0].lower() == b"quit":
                    session.closing = True  # anything after QUIT is never run
        except ProtocolError as error:
            # The commands before the bad bytes ran; like Redis, say what was
            # wrong and hang up.
            self.outbox += encode(Error(f"ERR {error}"), session.protocol)
            session.closing = True

    def send(self, reply: object) -> None:
        """Queue a reply in the client's protocol, unless CLIENT REPLY said not to."""
        session = self.session
        if session.reply_mode == "on":
            self.outbox += encode(reply, session.protocol)
        elif session.reply_mode == "skip-next":
            session.reply_mode = "on"  # CLIENT REPLY SKIP: only the next reply is dropped
        elif session.reply_mode == "skip":
            session.reply_mode = "skip-next"  # this reply was to CLIENT REPLY SKIP itself

    # --8<-- [start:push]
    def push(self, reply: Reply) -> None:
        """Queue a push: a reply nobody asked for, such as a message that
        another client's PUBLISH sends this one. The event loop writes it out
        after the command. CLIENT REPLY OFF does not silence pushes, in Redis."""
        session = self.session
        if session.closing:
            return  # a client on its way out gets nothing more, as in Redis
        self.outbox += encode(reply, session.protocol)
        self.got_pushes(self)
        self.check_output_limit()

    def check_output_limit(self) -> None:
        """Hang up on this client if the output waiting for it is past the
        client-output-buffer-limit of its class, normal or pubsub: at once
        past the hard limit, or once it has stayed past the soft limit for
        longer than the soft seconds (0 turns a limit off), as Redis does.

        OUTPUT_LIMIT alone would not do: it stops reading a client, so a
        client cannot ask for more replies than it takes; but a subscriber
        gets messages from other clients' PUBLISH however little it reads."""
        session = self.session
        hard, soft, seconds = output_limits(session.server.config["client-output-buffer-limit"])[type_of(session)]
        waiting, now = len(self.outbox), time.monotonic()
        if not soft or waiting < soft:
            self.over_soft_limit_since = None
        elif self.over_soft_limit_since is None:
            self.over_soft_limit_since = now
        too_long = self.over_soft_limit_since is not None and now - self.over_soft_limit_since > seconds
        if (hard and waiting >= hard) or too_long:
            log(f"Client {client_info_line(session)} scheduled to be closed ASAP for overcoming of "
                "output buffer limits.", "warning")
            session.closing = True
            session.server.to_close.append(session)  # closed by the event loop; its output is dropped
    # --8<-- [end:push]

    def wants(self) -> int:
        """The events to wait for on this socket."""
        events = 0
        if not self.session.closing and len(self.outbox) < OUTPUT_LIMIT:
            events |= selectors.EVENT_READ
        if self.outbox:
            events |= selectors.EVENT_WRITE
        return events
# --8<-- [end:client]


# --8<-- [start:event_loop]
class Server:
    """The event loop: the only thread, owner of the databases and of every socket."""

    def __init__(self, listener: socket.socket, config: dict[str, bytes], config_file: str = "") -> None:
        databases, stats = int(config["databases"]), Stats()
        blocked, key_events = BlockedClients(), KeyEvents()
        self.state = ServerState([Store(stats, blocked, index, key_events) for index in range(databases)],
                                 config, stats, key_events, blocked=blocked, config_file=config_file)
        # Keyspace notifications hear of every change to a key, and so does WATCH.
        key_events.listeners.append(partial(notify_keyspace_event, self.state))
        key_events.listeners.append(self.state.watches.key_changed)
        # What the files on disk hold is loaded before any client is served.
        self.persistence = self.state.persistence = Persistence(self.state)
        key_events.listeners.append(self.persistence.key_event)
        self.state.config_listeners.append(self.persistence.config_set)
        # maxmemory and its policy, from the config file or CONFIG SET
        self.state.config_listeners.append(lambda changes: self.state.evictor.config_changed(memory_in_use()))
        self.state.evictor.config_changed(memory_in_use())
        self.state.config_listeners.append(lambda changes: log.configure(self.state.config))  # loglevel
        self.persistence.load_at_start()
        self.first_db = 0  # where the next expiry cycle starts
        self.clients: dict[int, Client] = {}  # by id, as CLIENT KILL names them
        # Clients that another client's command gave output to: a blocked
        # client it woke, a subscriber it published to. They are served as
        # soon as that command is done.
        self.pending: set[Client] = set()
        blocked.deliver = self.deliver
        self.selector = selectors.DefaultSelector()
        # EpollSelector -> "epoll": what INFO calls the multiplexing API
        self.state.multiplexing_api = type(self.selector).__name__.removesuffix("Selector").lower()
        # CONFIG GET port and bind tell where this server listens.
        host, port = listener.getsockname()[:2]
        self.state.config["bind"], self.state.config["port"] = host.encode(), b"%d" % port
        listener.setblocking(False)
        # The listening socket is "ready to read" when a client is waiting in accept().
        self.selector.register(listener, selectors.EVENT_READ, data=None)
        self.signal: int | None = None
        signal.signal(signal.SIGTERM, self.signalled)
        signal.signal(signal.SIGINT, self.signalled)

    # --8<-- [start:run_forever]
    def run_forever(self) -> None:
        next_cron = time.monotonic()
        while True:
            # Sleep until a socket is ready, the next timer event is due, or
            # a blocked client's deadline comes.
            timeout = next_cron - time.monotonic()
            if (deadline := self.state.blocked.next_deadline()) is not None:
                timeout = min(timeout, (deadline - now_ms()) / 1000)
            ready = self.selector.select(timeout=max(timeout, 0))
            for key, events in ready:
                if key.data is None:
                    self.accept(key.fileobj)
                else:
                    self.serve(key.data, events)
                self.serve_pending()
            self.state.blocked.expire(now_ms())
            if time.monotonic() >= next_cron:
                self.cron()
                self.persistence.commit(atomic=False)  # the keys the cron expired
                next_cron = time.monotonic() + 1 / self.hz
            # CLIENT KILL and the output limits chose these; their replies so far are not waited for.
            while self.state.to_close:
                session = self.state.to_close.pop()
                if session.id in self.clients:  # it may have hung up by itself meanwhile
                    self.close(self.clients[session.id])
            self.serve_pending()  # expiry in cron may have pushed keyspace events
            # CLIENT PAUSE is over (by UNPAUSE, or its time is up): what it held runs, in order.
            for session in self.state.pause.released():
                if session.id in self.clients:
                    self.respond(self.clients[session.id])
            self.serve_pending()
            self.shut_down_if_asked()
    # --8<-- [end:run_forever]

    # --8<-- [start:cron]
    @property
    def hz(self) -> int:
        """How many times a second cron runs; CONFIG SET hz changes it."""
        return int(self.state.config["hz"])

    def cron(self) -> None:
        """Timer work, like Redis's serverCron: hz times a second."""
        # At most 25% of each tick goes to expiring keys, so a flood of
        # expiring keys cannot starve the clients. The databases share it;
        # each tick starts with the next one, so none waits forever.
        databases = self.state.databases
        ends = time.monotonic() + 0.25 / self.hz
        self.first_db = (self.first_db + 1) % len(databases)
        for db in databases[self.first_db:] + databases[:self.first_db]:
            db.expire_some_keys(time_budget=ends - time.monotonic())
        self.state.stats.sample()  # for INFO's instantaneous_ops_per_sec
        self.state.evictor.tick()  # the LRU clock
        self.persistence.cron()  # save points, background saves, fsync once a second
        # A client past its soft output limit is let go once the soft seconds are up.
        for client in self.clients.values():
            client.check_output_limit()
        self.close_idle_clients()
    # --8<-- [end:cron]

    def close_idle_clients(self) -> None:
        """timeout: a client that sent nothing for that many seconds is closed,
        unless it is waiting on purpose: blocked, or subscribed."""
        timeout = int(self.state.config["timeout"])
        if not timeout:
            return
        now = time.monotonic()
        for client in list(self.clients.values()):
            session = client.session
            if now - session.last_active > timeout and session.blocked is None and not session.subscriptions:
                log("Closing idle client", "verbose")
                self.close(client)

    # --8<-- [start:shutdown]
    def signalled(self, number: int, _frame: object) -> None:
        """SIGTERM or SIGINT: shut down at the next turn of the loop, not in
        the middle of whatever the loop was doing when the signal came."""
        self.signal = number

    def shut_down_if_asked(self) -> None:
        """Exit if SHUTDOWN asked for it, or a signal did and the shutdown
        succeeds: the flags come from shutdown-on-sigterm / -sigint."""
        if self.signal is not None:
            name = signal.Signals(self.signal).name
            flags = self.state.config["shutdown-on-sigint" if name == "SIGINT" else "shutdown-on-sigterm"].split()
            self.signal = None
            log(f"Received {name} scheduling shutdown...", "warning")
            log("User requested shutdown...", "warning")
            save = True if b"save" in flags else False if b"nosave" in flags else None
            if self.persistence.shutdown(save, force=b"force" in flags):
                self.state.shutting_down = True
            else:
                log("Errors trying to shut down the server. Check the logs for more information.", "warning")
        if self.state.shutting_down:
            for client in self.clients.values():
                client.sock.close()
            log("Redis is now ready to exit, bye bye...", "warning")
            raise SystemExit(0)
    # --8<-- [end:shutdown]

    def accept(self, listener: socket.socket) -> None:
        while True:  # take every client that is waiting, not just one
            try:
                sock, _address = listener.accept()
            except BlockingIOError:
                return
            except OSError as error:
                # Out of file descriptors, or a client that gave up before we
                # took it: like Redis, say so and carry on serving the others.
                log(f"Accepting client connection: {error}", "warning")
                return
            if len(self.clients) >= int(self.state.config["maxclients"]):
                # Told why, then let go: as Redis does, before reading a byte of it.
                try:
                    sock.send(b"-ERR max number of clients reached\r\n")
                except OSError:
                    pass
                sock.close()
                self.state.stats.rejected_connections += 1
                continue
            try:
                client = Client(sock, self.state, self.pending.add)
            except OSError:  # it hung up before we could ask its address
                sock.close()
                continue
            sock.setblocking(False)
            # Replies are small and we send each batch in one call; don't let
            # Nagle's algorithm hold them back waiting for more.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if keepalive := int(self.state.config["tcp-keepalive"]):
                keep_alive(sock, keepalive)
            self.selector.register(sock, selectors.EVENT_READ, data=client)
            log(f"Accepted {client.session.address}", "verbose")
            self.clients[client.session.id] = client
            self.state.clients[client.session.id] = client.session
            self.state.stats.connections_received += 1

    def serve(self, client: Client, events: int) -> None:
        if events & selectors.EVENT_READ:
            try:
                data = client.sock.recv(READ_SIZE)
            except ConnectionError:
                data = b""
            if not data:
                if log.wants("verbose"):
                    log(f"Client closed connection {client_info_line(client.session)}", "verbose")
                self.close(client)  # the client hung up, or vanished
                return
            client.parser.feed(data)
            self.state.stats.net_input_bytes += len(data)
            # A client that sends more than it lets us run (one huge
            # command, or commands while it is blocked) is cut off.
            config = self.state.config
            if client.parser.buffered() > int(config["client-query-buffer-limit"]):
                log(f"Closing client that reached max query buffer length: {client_info_line(client.session)}",
                    "warning")
                self.close(client)
                return
            client.parser.max_bulk_len = int(config["proto-max-bulk-len"])
        self.respond(client)

    # --8<-- [start:wake]
    def deliver(self, session: Session, reply: object) -> None:
        """Answer a blocked client, from whichever client's command woke it."""
        client = self.clients[session.id]
        client.send(reply)
        self.pending.add(client)

    def serve_pending(self) -> None:
        """Send the clients that got output from elsewhere what they got, and
        run the commands they sent meanwhile (which may give others output)."""
        while self.pending:
            client = self.pending.pop()
            # Not if it hung up since, or if it is to be closed, owed or not.
            if client.session.id in self.clients and client.session not in self.state.to_close:
                self.respond(client)
    # --8<-- [end:wake]

    def respond(self, client: Client) -> None:
        """Run the client's complete commands, send what is ready, and choose
        what to wait for on its socket next."""
        try:
            client.run_commands()
            # Write now rather than wait for the next turn of the loop: most of
            # the time the whole reply fits in the socket's buffer at once.
            self.write(client)
        except ConnectionError:
            self.close(client)  # the client vanished; nobody else notices
            return
        if client.session.closing and not client.outbox:
            self.close(client)
            return
        wanted = client.wants()
        if wanted != client.events:  # skip the system call when nothing changed
            self.selector.modify(client.sock, wanted, data=client)
            client.events = wanted

    # --8<-- [start:write]
    def write(self, client: Client) -> None:
        # Nothing a reply tells of may be lost: it goes to the AOF first.
        self.persistence.write_aof()
        while client.outbox:
            try:
                sent = client.sock.send(client.outbox)
            except BlockingIOError:
                return  # the socket's buffer is full: EVENT_WRITE tells us when to go on
            del client.outbox[:sent]  # a partial write keeps the rest for later
            self.state.stats.net_output_bytes += sent
            # Commands held back by OUTPUT_LIMIT may run now that there is room.
            client.run_commands()
            self.persistence.write_aof()
    # --8<-- [end:write]

    def close(self, client: Client) -> None:
        if client.session.blocked is not None:
            self.state.blocked.unblock(client.session)  # nobody is left to answer
        self.state.watches.unwatch(client.session)
        self.selector.unregister(client.sock)
        client.sock.close()
        del self.clients[client.session.id]
        del self.state.clients[client.session.id]
        self.state.pubsub.forget(client.session)
        if client.session in self.state.monitors:
            self.state.monitors.remove(client.session)
# --8<-- [end:event_loop]


# --8<-- [start:keepalive]
def keep_alive(sock: socket.socket, seconds: int) -> None:
    """tcp-keepalive: after `seconds` of silence the kernel probes the peer,
    three times `seconds` / 3 apart, and resets a connection nobody answers.
    Without it, a client whose machine vanished (no FIN, no RST) would hold
    its connection, and its place under maxclients, forever."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, seconds)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, max(seconds // 3, 1))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 3)
# --8<-- [end:keepalive]


def address_of(socket_address: tuple) -> str:
    """ "ip:port" as Redis writes a client's address; "[ip]:port" for IPv6."""
    host, port = socket_address[:2]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def main() -> None:
    config, config_file = parse_args(sys.argv[1:])
    log.configure(config)
    # Like Redis, work in `dir`: the files the server writes are relative to it.
    try:
        os.chdir(config["dir"])
    except OSError as error:
        sys.exit(f"Can't chdir to '{os.fsdecode(config['dir'])}': {error.strerror}")
    config["dir"] = os.fsencode(os.getcwd())
    # Redis listens on every address by default; we keep to this machine unless told.
    host = config["bind"].split()[0].decode() if "--bind" in sys.argv or "--host" in sys.argv else "127.0.0.1"
    with socket.create_server((host, int(config["port"]))) as listener:
        host, port = listener.getsockname()[:2]
        try:
            server = Server(listener, config, config_file)
        except LoadError as error:
            # Never start on part of the data: whoever runs the server decides.
            sys.exit(f"{error}\nThe server is not started; the files are left as they are.")
        print(f"Listening on {host}:{port}", flush=True)
        log("Ready to accept connections")
        server.run_forever()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass  # Ctrl-C is how you stop this server; no traceback needed.
