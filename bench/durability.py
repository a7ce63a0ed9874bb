"""Kill a server with SIGKILL under write load, many times, and count what it lost.

For each appendfsync policy (always, everysec, no), and for a step and a
real redis-server side by side, each trial:

 1. starts the server with appendonly yes in a fresh directory;
 2. starts writer clients, each incrementing a counter of its own with INCR
    and remembering the last value the server acknowledged;
 3. after a random time, kills the server with SIGKILL: no chance to flush;
 4. starts the server again on the same directory and reads the counters.

A counter below its last acknowledged value is a lost write. (One above is
fine: the server wrote the increment, then died before the reply left.)
It also reports how many writes a second the server took in each policy:
what the safety costs.

Killing the process tests what a crash of the server loses, not a crash
of the machine: whatever the server handed to the operating system with
write() survives a SIGKILL, synced to the disk or not. What a power cut
would lose on top (up to a second of writes with everysec, whatever the
OS had not yet flushed with no) cannot be staged here.

Usage:
    .venv/bin/python bench/durability.py [--step 17] [--trials 10] [--clients 8]
"""

from __future__ import annotations

import argparse
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ("always", "everysec", "no")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def command(*words: str) -> bytes:
    return b"".join([b"*%d\r\n" % len(words)] + [b"$%d\r\n%s\r\n" % (len(w), w.encode()) for w in words])


def start(kind: str, step: str, directory: str, policy: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    config = ["--port", str(port), "--dir", directory, "--save", "", "--appendonly", "yes", "--appendfsync", policy]
    if kind == "redis":
        argv = ["redis-server", "--bind", "127.0.0.1", *config]
    else:
        argv = [sys.executable, str(next((ROOT / "steps").glob(f"{step}_*")) / "server.py"), *config]
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        # Redis accepts connections while it loads, and answers -LOADING: wait for PONG.
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(command("PING"))
                if sock.makefile("rb").readline() == b"+PONG\r\n":
                    return process, port
        except OSError:
            pass
        time.sleep(0.02)
    process.kill()
    raise SystemExit(f"{argv} did not start")


def writer(port: int, number: int, acknowledged: list[int]) -> None:
    """INCR counter:<number> until the connection dies, one at a time."""
    try:
        with socket.create_connection(("127.0.0.1", port)) as sock:
            reader = sock.makefile("rb")
            request = command("INCR", f"counter:{number}")
            while True:
                sock.sendall(request)
                line = reader.readline()
                if not line.startswith(b":"):
                    return
                acknowledged[number] = int(line[1:])
    except OSError:
        return


def read_counters(port: int, count: int) -> list[int]:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        reader = sock.makefile("rb")
        values = []
        for number in range(count):
            sock.sendall(command("GET", f"counter:{number}"))
            header = reader.readline()
            values.append(int(reader.readline()) if header.startswith(b"$") and header != b"$-1\r\n" else 0)
        return values


def trial(kind: str, step: str, policy: str, clients: int, rng: random.Random) -> tuple[int, int, float]:
    """One kill: (acknowledged writes, lost writes, writes a second)."""
    directory = tempfile.mkdtemp(prefix="durability-")
    try:
        process, port = start(kind, step, directory, policy)
        acknowledged = [0] * clients
        threads = [threading.Thread(target=writer, args=(port, n, acknowledged)) for n in range(clients)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(rng.uniform(0.5, 1.5))
        process.kill()
        elapsed = time.monotonic() - started
        process.wait()
        for thread in threads:
            thread.join()
        process, port = start(kind, step, directory, policy)
        stored = read_counters(port, clients)
        process.kill()
        process.wait()
        lost = sum(max(0, ack - got) for ack, got in zip(acknowledged, stored))
        return sum(acknowledged), lost, sum(acknowledged) / elapsed
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--step", default="17", help="the step to measure beside Redis (default 17)")
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print(f"{args.trials} kills per row, {args.clients} clients writing; "
          "lost = acknowledged INCRs missing after the restart\n")
    print("| server | appendfsync | acknowledged writes | lost | writes/s (median) |")
    print("|---|---|---|---|---|")
    for policy in POLICIES:
        for kind, label in (("step", f"step {args.step}"), ("redis", "Redis")):
            results = [trial(kind, args.step, policy, args.clients, rng) for _ in range(args.trials)]
            rates = sorted(rate for _, _, rate in results)
            print(f"| {label} | {policy} | {sum(r[0] for r in results):,} | {sum(r[1] for r in results)} "
                  f"| {rates[len(rates) // 2]:,.0f} |", flush=True)


if __name__ == "__main__":
    main()
