"""Step 01: a TCP server that says hello and hangs up.

Run it with `python steps/01_hello/server.py`, then `nc -v localhost 6379`.
"""

import argparse
import socket
import sys

GREETING = "Hello 👋\n"


# --8<-- [start:parse_args]
def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    # 6379 is Redis's port. --port 0 asks the OS for any free port, which is how
    # the tests start many servers side by side.
    parser.add_argument("--port", type=int, default=6379, help="port to listen on")
    return parser.parse_args()
# --8<-- [end:parse_args]


# --8<-- [start:main]
def main() -> None:
    args = parse_args()
    # create_server() does socket(), setsockopt(SO_REUSEADDR), bind() and
    # listen() in one call. SO_REUSEADDR lets us restart right away on the
    # same port instead of waiting for the old connections to time out.
    with socket.create_server((args.host, args.port)) as server:
        host, port = server.getsockname()[:2]
        # Print the port we really got: with --port 0 nobody else knows it.
        print(f"Listening on {host}:{port}", flush=True)
        while True:
            try:
                # accept() blocks until a client connects and returns a new
                # socket just for that client; `server` keeps listening.
                client, _address = server.accept()
                with client:
                    client.sendall(GREETING.encode("utf-8"))
                # Leaving the `with` block closes the client socket: the client
                # sees the end of the stream, and we go back to accept().
            except OSError as error:
                # A client that hung up before we greeted it, or a process out
                # of file descriptors: say so, and keep serving the next one.
                print(f"Lost a client: {error}", file=sys.stderr)
# --8<-- [end:main]


# --8<-- [start:entry_point]
if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass  # Ctrl-C is how you stop this server; no traceback needed.
# --8<-- [end:entry_point]
