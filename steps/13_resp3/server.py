"""Step 12: sorted sets.

A key can now hold a sorted set: members ordered by score, kept in a
skiplist of our own beside a dict (sorted_set.py), as Redis keeps them. The
commands live in commands/sorted_sets.py; the event loop below is the one of
step 08.
"""

from __future__ import annotations

import argparse
import selectors
import socket
import sys
import time

from commands import ServerState, Session, execute
from commands.config import DEFAULT_CONFIG
from resp import Error, ProtocolError, RequestParser, encode
from store import Store

READ_SIZE = 64 * 1024  # bytes asked of recv() at a time
# Once this much output waits for a client that is not reading it, we stop
# running that client's commands (and reading its socket) until it catches up.
OUTPUT_LIMIT = 1024 * 1024


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    # 6379 is Redis's port. --port 0 asks the OS for any free port, which is how
    # the tests start many servers side by side.
    parser.add_argument("--port", type=int, default=6379, help="port to listen on")
    return parser.parse_args()


# --8<-- [start:client]
class Client:
    """One connection: the bytes it sent that we have not run yet (in the
    parser) and the reply bytes it has not taken yet (the outbox)."""

    def __init__(self, sock: socket.socket, server: ServerState) -> None:
        self.sock = sock
        self.session = Session(server)  # the selected database, and what commands can reach
        self.parser = RequestParser()
        self.outbox = bytearray()
        self.events = selectors.EVENT_READ  # what the selector is waiting for on this socket
        self.hang_up = False  # after QUIT or a protocol error: close once the outbox is sent

    def run_commands(self) -> None:
        """Run the complete commands in the parser, appending replies to the outbox.

        Stops early once the outbox holds OUTPUT_LIMIT bytes: the rest waits in
        the parser until the client has read its replies.
        """
        try:
            while not self.hang_up and len(self.outbox) < OUTPUT_LIMIT:
                args = self.parser.next_command()
                if args is None:
                    return
                self.outbox += encode(execute(self.session, args))
                if args[0].lower() == b"quit":
                    self.hang_up = True  # anything after QUIT is never run
        except ProtocolError as error:
            # The commands before the bad bytes ran; like Redis, say what was
            # wrong and hang up.
            self.outbox += encode(Error(f"ERR {error}"))
            self.hang_up = True

    def wants(self) -> int:
        """The events to wait for on this socket."""
        events = 0
        if not self.hang_up and len(self.outbox) < OUTPUT_LIMIT:
            events |= selectors.EVENT_READ
        if self.outbox:
            events |= selectors.EVENT_WRITE
        return events
# --8<-- [end:client]


# --8<-- [start:event_loop]
class Server:
    """The event loop: the only thread, owner of the databases and of every socket."""

    def __init__(self, listener: socket.socket) -> None:
        databases = int(DEFAULT_CONFIG["databases"])
        self.state = ServerState([Store() for _ in range(databases)], dict(DEFAULT_CONFIG))
        self.first_db = 0  # where the next expiry cycle starts
        self.selector = selectors.DefaultSelector()
        listener.setblocking(False)
        # The listening socket is "ready to read" when a client is waiting in accept().
        self.selector.register(listener, selectors.EVENT_READ, data=None)

    def run_forever(self) -> None:
        next_cron = time.monotonic()
        while True:
            # Sleep until a socket is ready or the next timer event is due.
            ready = self.selector.select(timeout=max(next_cron - time.monotonic(), 0))
            for key, events in ready:
                if key.data is None:
                    self.accept(key.fileobj)
                else:
                    self.serve(key.data, events)
            if time.monotonic() >= next_cron:
                self.cron()
                next_cron = time.monotonic() + 1 / self.hz

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
    # --8<-- [end:cron]

    def accept(self, listener: socket.socket) -> None:
        while True:  # take every client that is waiting, not just one
            try:
                sock, _address = listener.accept()
            except BlockingIOError:
                return
            except OSError as error:
                # Out of file descriptors, or a client that gave up before we
                # took it: like Redis, say so and carry on serving the others.
                print(f"Accepting client connection: {error}", file=sys.stderr)
                return
            sock.setblocking(False)
            # Replies are small and we send each batch in one call; don't let
            # Nagle's algorithm hold them back waiting for more.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.selector.register(sock, selectors.EVENT_READ, data=Client(sock, self.state))

    def serve(self, client: Client, events: int) -> None:
        try:
            if events & selectors.EVENT_READ:
                data = client.sock.recv(READ_SIZE)
                if not data:
                    self.close(client)  # the client hung up
                    return
                client.parser.feed(data)
            client.run_commands()
            # Write now rather than wait for the next turn of the loop: most of
            # the time the whole reply fits in the socket's buffer at once.
            self.write(client)
        except ConnectionError:
            self.close(client)  # the client vanished; nobody else notices
            return
        if client.hang_up and not client.outbox:
            self.close(client)
            return
        wanted = client.wants()
        if wanted != client.events:  # skip the system call when nothing changed
            self.selector.modify(client.sock, wanted, data=client)
            client.events = wanted

    def write(self, client: Client) -> None:
        while client.outbox:
            try:
                sent = client.sock.send(client.outbox)
            except BlockingIOError:
                return  # the socket's buffer is full: EVENT_WRITE tells us when to go on
            del client.outbox[:sent]  # a partial write keeps the rest for later
            # Commands held back by OUTPUT_LIMIT may run now that there is room.
            client.run_commands()

    def close(self, client: Client) -> None:
        self.selector.unregister(client.sock)
        client.sock.close()
# --8<-- [end:event_loop]


def main() -> None:
    args = parse_args()
    with socket.create_server((args.host, args.port)) as listener:
        host, port = listener.getsockname()[:2]
        print(f"Listening on {host}:{port}", flush=True)
        Server(listener).run_forever()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass  # Ctrl-C is how you stop this server; no traceback needed.
