"""A load generator for servers that answer every command with one line.

redis-benchmark speaks only RESP, so it cannot measure steps 03 and 04, which
speak the toy line protocol. This tool can: it sends inline commands, one per
line, and counts the reply lines that come back. The three commands it knows
were chosen because each gets exactly ONE reply line from every server in this
tutorial, in the line protocol and in RESP alike:

    command   line protocol (03, 04)   RESP (05 on, and Redis)
    PING      PONG\\n                   +PONG\\r\\n
    SET       OK\\n                     +OK\\r\\n
    INCR      1\\n                      :1\\r\\n

(GET would not do: RESP answers it with two lines, "$3\\r\\n" and the value.)
So the same tool measures every step, and Redis too, which is what lets the
Performance page compare all of them side by side.

It works like redis-benchmark: C connections, each sending P commands at once
(the pipeline), waiting for P replies, and sending the next P, until the
requested number of commands has been answered. The connections are driven by
a `selectors` loop, optionally split over several processes, because a single
Python process soon becomes the bottleneck itself. Whatever it measures is a
lower bound: a fast server (Redis) can answer faster than Python can ask.

Usage, against a server that is already running:

    python bench/line_load.py --port 6379 --command PING --clients 50 --pipeline 16 --requests 100000
"""

from __future__ import annotations

import argparse
import multiprocessing
import selectors
import socket
import time
from dataclasses import dataclass
from typing import cast

COMMANDS = ("PING", "SET", "INCR")
READ_SIZE = 64 * 1024
STALL_SECONDS = 10.0  # a server that sends nothing for this long has hung


class LoadError(Exception):
    """The server hung up, stalled, or could not be reached."""


def command_line(command: str, slot: int) -> bytes:
    """The inline command, with its line end. `slot` makes SET keys distinct."""
    if command == "PING":
        return b"PING\r\n"
    if command == "SET":
        # A 3-byte value, like redis-benchmark's default (-d 3).
        return b"SET key:%d xxx\r\n" % slot
    if command == "INCR":
        return b"INCR counter\r\n"
    raise ValueError(f"unknown command {command!r}; choose from {', '.join(COMMANDS)}")


def is_error(line: bytes) -> bool:
    """An error reply: "-ERR ..." in RESP, "ERR ..." in the line protocol."""
    return line.startswith((b"-", b"ERR"))


def probe(host: str, port: int, command: str) -> str | None:
    """Send the command once. Returns None if the server supports it, else its
    error reply (step 03, for instance, has no SET: "ERR unknown command 'SET'")."""
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(command_line(command, 0))
        reply = b""
        while not reply.endswith(b"\n"):
            chunk = sock.recv(READ_SIZE)
            if not chunk:
                raise LoadError(f"the server hung up after {command}")
            reply += chunk
    line = reply.rstrip(b"\r\n")
    return line.decode("utf-8", "replace") if is_error(line) else None


@dataclass
class WorkerResult:
    started: float  # time.perf_counter() when the first batch went out
    finished: float  # ... and when the last reply came in
    replies: int
    errors: int


@dataclass
class LoadResult:
    requests: int  # how many commands were sent and answered
    seconds: float
    errors: int  # how many replies were errors

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds


def run_connections(host: str, port: int, command: str, slots: range, pipeline: int,
                    batches: int, start_barrier: multiprocessing.synchronize.Barrier | None) -> WorkerResult:
    """Drive the connections of one process until each has sent `batches` batches
    of `pipeline` commands and read every reply."""
    selector = selectors.DefaultSelector()
    # Per connection: the batch it sends, how many batches it has left, how many
    # replies it still waits for, and the unfinished line of the last read.
    batch_of: dict[socket.socket, bytes] = {}
    batches_left: dict[socket.socket, int] = {}
    replies_due: dict[socket.socket, int] = {}
    partial: dict[socket.socket, bytes] = {}
    for slot in slots:
        sock = socket.create_connection((host, port), timeout=5)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # send small batches at once
        sock.setblocking(False)
        batch_of[sock] = b"".join(command_line(command, slot * pipeline + i) for i in range(pipeline))
        batches_left[sock] = batches
        replies_due[sock] = 0
        partial[sock] = b""
        selector.register(sock, selectors.EVENT_READ)

    def send_batch(sock: socket.socket) -> None:
        # A batch is a few hundred bytes: an empty socket buffer always takes it whole.
        if sock.send(batch_of[sock]) != len(batch_of[sock]):
            raise LoadError("short send")
        batches_left[sock] -= 1
        replies_due[sock] = pipeline

    # Every process connects first and then waits here, so that all of them
    # start sending together and the clock measures only the load.
    if start_barrier is not None:
        start_barrier.wait()
    replies = errors = 0
    started = time.perf_counter()
    for sock in batch_of:
        send_batch(sock)
    open_connections = len(batch_of)
    while open_connections:
        events = selector.select(timeout=STALL_SECONDS)
        if not events:
            raise LoadError(f"no reply for {STALL_SECONDS:.0f} s: the server stalled")
        for key, _mask in events:
            sock = cast(socket.socket, key.fileobj)
            data = sock.recv(READ_SIZE)
            if not data:
                raise LoadError("the server closed a connection in the middle of the load")
            # Count whole lines. The text after the last "\n" is kept for the
            # next read, so a reply cut in two by TCP is counted once.
            text = partial[sock] + data
            cut = text.rfind(b"\n") + 1
            complete, partial[sock] = text[:cut], text[cut:]
            lines = complete.count(b"\n")
            if lines:
                # Every reply line starts right after a "\n" (or at the start).
                joined = b"\n" + complete
                errors += joined.count(b"\n-") + joined.count(b"\nERR")
            replies += lines
            replies_due[sock] -= lines
            if replies_due[sock] < 0:
                raise LoadError("more reply lines than commands: not a one-line-per-command server")
            if replies_due[sock] == 0:
                if batches_left[sock]:
                    send_batch(sock)
                else:
                    selector.unregister(sock)
                    sock.close()
                    open_connections -= 1
    finished = time.perf_counter()
    selector.close()
    return WorkerResult(started, finished, replies, errors)


def _worker(host: str, port: int, command: str, slots: range, pipeline: int, batches: int,
            start_barrier: multiprocessing.synchronize.Barrier, results: multiprocessing.Queue[object]) -> None:
    """The body of one load process: runs its connections and reports back."""
    try:
        results.put(run_connections(host, port, command, slots, pipeline, batches, start_barrier))
    except Exception as error:  # noqa: BLE001 - reported to the parent, which raises it
        start_barrier.abort()  # don't leave the others waiting for us
        results.put(LoadError(f"{type(error).__name__}: {error}"))


def run_load(host: str, port: int, command: str, clients: int, pipeline: int, requests: int,
             processes: int = 1) -> LoadResult:
    """Send about `requests` commands over `clients` connections, `pipeline` at a time.

    The count is rounded up so that every connection sends whole batches.
    With processes > 1 the connections are dealt out over that many processes.
    """
    batches = max(1, -(-requests // (clients * pipeline)))  # batches per connection, rounded up
    processes = max(1, min(processes, clients))
    if processes == 1:
        worker_results = [run_connections(host, port, command, range(clients), pipeline, batches, None)]
    else:
        context = multiprocessing.get_context("fork")
        barrier = context.Barrier(processes)
        queue: multiprocessing.Queue[object] = context.Queue()
        # Deal the connections out: process i gets slots i, i + processes, ...
        workers = [context.Process(target=_worker, daemon=True,
                                   args=(host, port, command, range(i, clients, processes),
                                         pipeline, batches, barrier, queue))
                   for i in range(processes)]
        for worker in workers:
            worker.start()
        outcomes = [queue.get(timeout=600) for _ in workers]
        for worker in workers:
            worker.join()
        failures = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
        if failures:
            raise failures[0]
        worker_results = [outcome for outcome in outcomes if isinstance(outcome, WorkerResult)]
    replies = sum(result.replies for result in worker_results)
    expected = clients * pipeline * batches
    if replies != expected:
        raise LoadError(f"expected {expected} replies, got {replies}")
    # From the first command sent by any process to the last reply read by any:
    # perf_counter() is the system-wide monotonic clock on Linux.
    seconds = max(r.finished for r in worker_results) - min(r.started for r in worker_results)
    return LoadResult(requests=replies, seconds=seconds, errors=sum(r.errors for r in worker_results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--command", choices=COMMANDS, default="PING")
    parser.add_argument("--clients", type=int, default=50, help="connections (default 50)")
    parser.add_argument("--pipeline", type=int, default=1, help="commands in flight per connection (default 1)")
    parser.add_argument("--requests", type=int, default=100_000, help="commands in total (default 100000)")
    parser.add_argument("--processes", type=int, default=1, help="load processes (default 1)")
    args = parser.parse_args()
    try:
        refusal = probe(args.host, args.port, args.command)
    except OSError as error:
        raise SystemExit(f"cannot reach {args.host}:{args.port}: {error}") from None
    if refusal is not None:
        raise SystemExit(f"the server does not support {args.command}: {refusal}")
    result = run_load(args.host, args.port, args.command, args.clients, args.pipeline, args.requests, args.processes)
    print(f"{args.command}: {result.requests} requests in {result.seconds:.3f} s = "
          f"{result.requests_per_second:,.0f} requests/s, {result.errors} error replies")


if __name__ == "__main__":
    main()
