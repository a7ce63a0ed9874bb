"""Step 04: one store shared by every client, owned by a single thread.

The line protocol of step 03 grows four commands:

    SET key value -> OK          (the value is the rest of the line)
    GET key       -> value, or (nil)
    DEL key       -> 1 if the key existed, else 0
    INCR key      -> the new number

Client threads never touch the store. They send each command to the store's
own thread through a queue and wait for its answer, so commands run one at a
time and an INCR can never interleave with another.
"""

import argparse
import queue
import re
import socket
import sys
import threading


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    # 6379 is Redis's port. --port 0 asks the OS for any free port, which is how
    # the tests start many servers side by side.
    parser.add_argument("--port", type=int, default=6379, help="port to listen on")
    return parser.parse_args()


# --8<-- [start:integers]
# Redis accepts exactly the decimal integers it would print itself: no "+",
# no spaces, no leading zeros, and they must fit in a signed 64-bit integer.
INTEGER = re.compile(r"0|-?[1-9][0-9]*")
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def parse_int64(text: str) -> int | None:
    if INTEGER.fullmatch(text) and INT64_MIN <= int(text) <= INT64_MAX:
        return int(text)
    return None
# --8<-- [end:integers]


# --8<-- [start:execute]
def execute(store: dict[str, str], name: str, rest: str) -> str:
    """Run one data command against the store. Only the store's thread calls this."""
    key, _, value = rest.partition(" ")
    if name == "SET" and key and value:
        store[key] = value
        return "OK"
    if name == "GET" and key and not value:
        return store.get(key, "(nil)")
    if name == "DEL" and key and not value:
        return "1" if store.pop(key, None) is not None else "0"
    if name == "INCR" and key and not value:
        # Read, modify, write: safe here because no other thread touches the store.
        number = parse_int64(store.get(key, "0"))
        if number is None:
            return "ERR value is not an integer or out of range"
        if number == INT64_MAX:
            return "ERR increment or decrement would overflow"
        store[key] = str(number + 1)
        return store[key]
    return f"ERR wrong number of arguments for '{name.lower()}' command"
# --8<-- [end:execute]


# --8<-- [start:store_thread]
DATA_COMMANDS = {"SET", "GET", "DEL", "INCR"}

# Each request is (command name, rest of the line, where to put the reply).
Request = tuple[str, str, "queue.Queue[str]"]


def run_store(requests: "queue.Queue[Request]") -> None:
    """The store's thread: the only code that ever reads or writes `store`."""
    store: dict[str, str] = {}
    while True:
        name, rest, reply_box = requests.get()  # waits for the next command
        reply_box.put(execute(store, name, rest))
# --8<-- [end:store_thread]


# --8<-- [start:respond]
def respond(line: str, requests: "queue.Queue[Request]", reply_box: "queue.Queue[str]") -> tuple[str, bool]:
    """Answer one command line. Returns the reply and whether to keep talking."""
    # "ECHO hello world" -> name "ECHO", rest "hello world".
    command, _, rest = line.partition(" ")
    name = command.upper()  # Redis command names are case-insensitive.
    if name in DATA_COMMANDS:
        # Ask the store's thread and wait for its answer: like sending on a
        # channel in Go and receiving on another.
        requests.put((name, rest, reply_box))
        return reply_box.get(), True
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
def handle_client(client: socket.socket, requests: "queue.Queue[Request]") -> None:
    # One reply box per client, reused for each of its commands: a client
    # waits for one reply at a time, so it never holds more than one.
    reply_box: "queue.Queue[str]" = queue.Queue(maxsize=1)
    # makefile() wraps the socket in a buffered reader. TCP delivers a stream
    # of bytes, not lines: one recv() may return half a line or three lines.
    # The reader collects bytes until it sees "\n", so we get whole lines.
    with client, client.makefile("rb") as reader:
        for raw_line in reader:
            # Accept both "\n" (nc) and "\r\n" (telnet, Windows).
            line = raw_line.rstrip(b"\r\n").decode("utf-8", errors="replace")
            if not line:
                continue  # an empty line is not a command
            reply, keep_open = respond(line, requests, reply_box)
            client.sendall(reply.encode("utf-8") + b"\n")
            if not keep_open:
                break
        # The loop also ends when the client hangs up: the reader returns
        # no more lines once recv() reports the end of the stream.
# --8<-- [end:handle_client]


def serve_client(client: socket.socket, requests: "queue.Queue[Request]") -> None:
    """The body of a client's thread."""
    try:
        handle_client(client, requests)
    except ConnectionError:
        pass  # the client vanished mid-conversation; the others carry on


def main() -> None:
    args = parse_args()
    # --8<-- [start:start_store]
    requests: "queue.Queue[Request]" = queue.Queue()
    threading.Thread(target=run_store, args=(requests,), daemon=True).start()
    # --8<-- [end:start_store]
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
            # Hand the client to a thread of its own and go straight back to
            # accept(). daemon=True: these threads must not keep the process
            # alive after Ctrl-C stops the main thread.
            threading.Thread(target=serve_client, args=(client, requests), daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass  # Ctrl-C is how you stop this server; no traceback needed.
