"""Step 02: keep the connection open and answer a tiny line protocol.

One command per line, one reply per line:

    PING        -> PONG
    ECHO text   -> text
    QUIT        -> OK, then the server hangs up
    anything else -> ERR ...

Still one client at a time: while we talk to one client, the next one waits.
"""

import argparse
import socket
import sys


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    # 6379 is Redis's port. --port 0 asks the OS for any free port, which is how
    # the tests start many servers side by side.
    parser.add_argument("--port", type=int, default=6379, help="port to listen on")
    return parser.parse_args()


# --8<-- [start:respond]
def respond(line: str) -> tuple[str, bool]:
    """Answer one command line. Returns the reply and whether to keep talking."""
    # "ECHO hello world" -> name "ECHO", rest "hello world".
    command, _, rest = line.partition(" ")
    name = command.upper()  # Redis command names are case-insensitive.
    if name == "PING" and not rest:
        return "PONG", True
    if name == "ECHO" and rest:
        return rest, True
    if name == "QUIT":
        return "OK", False
    if name in ("PING", "ECHO"):
        return f"ERR wrong number of arguments for '{name.lower()}' command", True
    return f"ERR unknown command '{command}'", True
# --8<-- [end:respond]


# --8<-- [start:handle_client]
def handle_client(client: socket.socket) -> None:
    # makefile() wraps the socket in a buffered reader. TCP delivers a stream
    # of bytes, not lines: one recv() may return half a line or three lines.
    # The reader collects bytes until it sees "\n", so we get whole lines.
    with client, client.makefile("rb") as reader:
        for raw_line in reader:
            # Accept both "\n" (nc) and "\r\n" (telnet, Windows).
            line = raw_line.rstrip(b"\r\n").decode("utf-8", errors="replace")
            if not line:
                continue  # an empty line is not a command
            reply, keep_open = respond(line)
            client.sendall(reply.encode("utf-8") + b"\n")
            if not keep_open:
                break
        # The loop also ends when the client hangs up: the reader returns
        # no more lines once recv() reports the end of the stream.
# --8<-- [end:handle_client]


def main() -> None:
    args = parse_args()
    with socket.create_server((args.host, args.port)) as server:
        host, port = server.getsockname()[:2]
        print(f"Listening on {host}:{port}", flush=True)
        while True:
            try:
                client, _address = server.accept()
            except OSError as error:
                # A client that gave up while waiting to be accepted, or a
                # process out of file descriptors: say so and keep serving.
                print(f"Accepting client connection: {error}", file=sys.stderr)
                continue
            # --8<-- [start:one_at_a_time]
            # We serve this client until it leaves. Meanwhile new clients
            # queue up in the kernel's listen backlog: their connect()
            # succeeds, but nobody reads what they send.
            try:
                handle_client(client)
            except ConnectionError:
                pass  # the client vanished mid-conversation; serve the next one
            # --8<-- [end:one_at_a_time]


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass  # Ctrl-C is how you stop this server; no traceback needed.
