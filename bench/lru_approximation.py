"""How close Redis's sampled LRU comes to a true LRU: ours and Redis's.

allkeys-lru does not keep the keys in order of use. It samples
maxmemory-samples keys (5), keeps the best candidates in a pool of 16 and
evicts the one idle longest. This script shows what that costs:

 1. writes GROUPS groups of KEYS keys, each group in a second of its own
    (the LRU clock counts seconds, so keys used in the same second look
    the same to it): group 0 is the least recently used, the last group
    the most;
 2. sets maxmemory to the memory in use, and writes as many new keys as
    NEW_SHARE of the old ones, so that about that many old keys are evicted;
 3. counts which old keys survived, group by group.

A true LRU evicts the oldest groups whole and keeps the newest whole; the
table shows how much of each group each server kept, for maxmemory-samples
5 and 10, next to what a true LRU would keep of as many keys as the first
row (Redis, 5 samples) kept: each server evicts a few more or fewer keys,
as each measures its memory in its own way.
It also writes docs/images/lru-approximation.svg, a bar chart drawn by hand.

Usage:

    .venv/bin/python bench/lru_approximation.py [--steps 18] [--keys 500]

It takes about ten seconds per server and setting (it waits for the clock).
Nothing here asserts a number.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent
GROUPS = 6
NEW_SHARE = 0.5  # new keys written after the limit is set, as a share of the old ones
VALUE = b"v" * 100


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(target: str, directory: str) -> tuple[subprocess.Popen, redis.Redis]:
    """A server with no persistence: our step `target` ("18"), or "redis"."""
    port = free_port()
    if target == "redis":
        argv = ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no", "--dir", directory]
    else:
        step = next((ROOT / "steps").glob(f"{int(target):02d}_*"))
        argv = [sys.executable, str(step / "server.py"), "--port", str(port), "--save", "", "--appendonly", "no",
                "--dir", directory]
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            return process, client
        except redis.ConnectionError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{target} did not start")


def next_second() -> None:
    """Sleep until the clock's second changes: the LRU clock's resolution."""
    time.sleep(1 - time.time() % 1 + 0.01)


def write(client: redis.Redis, keys: list[str]) -> None:
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.set(key, VALUE)
    pipe.execute()


def run(target: str, samples: int, keys_per_group: int) -> list[float]:
    """The share of each group of old keys that survived eviction."""
    directory = tempfile.mkdtemp(prefix="lru-")
    process, client = start(target, directory)
    try:
        client.config_set("maxmemory-samples", samples)
        groups = [[f"old:{group}:{index}" for index in range(keys_per_group)] for group in range(GROUPS)]
        for keys in groups:
            next_second()
            write(client, keys)
        next_second()
        client.config_set("maxmemory-policy", "allkeys-lru")
        client.config_set("maxmemory", client.info("memory")["used_memory"])
        write(client, [f"new:{index}" for index in range(int(GROUPS * keys_per_group * NEW_SHARE))])
        pipe = client.pipeline(transaction=False)
        for keys in groups:
            pipe.exists(*keys)
        return [found / keys_per_group for found in pipe.execute()]
    finally:
        process.terminate()
        process.wait()
        shutil.rmtree(directory, ignore_errors=True)


def true_lru(survived: list[float]) -> list[float]:
    """What an exact LRU keeps of the same number of old keys: the newest."""
    kept = sum(survived)  # in groups
    shares = []
    for group in reversed(range(GROUPS)):
        shares.append(max(0.0, min(1.0, kept)))
        kept -= 1
    return shares[::-1]


def table(results: dict[str, list[float]]) -> str:
    header = "| server, maxmemory-samples | " + " | ".join(f"group {g}" for g in range(GROUPS)) + " |"
    lines = [header, "|---|" + "---:|" * GROUPS]
    for name, shares in results.items():
        lines.append(f"| {name} | " + " | ".join(f"{share:.0%}" for share in shares) + " |")
    return "\n".join(lines)


def svg(results: dict[str, list[float]]) -> str:
    """Grouped bars: for each group of keys (oldest left), each row's share kept."""
    colours = ["#9e9e9e", "#1565c0", "#64b5f6", "#c62828", "#ef9a9a", "#2e7d32", "#a5d6a7"]
    width, height, left, bottom, top = 720, 300, 50, 40, 20
    plot_width, plot_height = width - left - 20, height - bottom - top
    slot = plot_width / GROUPS
    bar = slot * 0.8 / len(results)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 20 * len(results)}" '
             'font-family="sans-serif" font-size="12">',
             f'<line x1="{left}" y1="{top + plot_height}" x2="{width - 20}" y2="{top + plot_height}" stroke="#333"/>']
    for tick in (0, 0.5, 1):
        y = top + plot_height * (1 - tick)
        parts.append(f'<text x="{left - 6}" y="{y + 4:.0f}" text-anchor="end">{tick:.0%}</text>')
        parts.append(f'<line x1="{left}" y1="{y:.0f}" x2="{width - 20}" y2="{y:.0f}" stroke="#ddd"/>')
    for group in range(GROUPS):
        x0 = left + group * slot + slot * 0.1
        for row, shares in enumerate(results.values()):
            h = plot_height * shares[group]
            parts.append(f'<rect x="{x0 + row * bar:.1f}" y="{top + plot_height - h:.1f}" width="{bar:.1f}" '
                         f'height="{h:.1f}" fill="{colours[row % len(colours)]}"/>')
        label = "oldest" if group == 0 else "newest" if group == GROUPS - 1 else f"group {group}"
        parts.append(f'<text x="{left + (group + 0.5) * slot:.0f}" y="{top + plot_height + 16}" '
                     f'text-anchor="middle">{label}</text>')
    for row, name in enumerate(results):
        y = height + 20 * row
        parts.append(f'<rect x="{left}" y="{y - 10}" width="12" height="12" fill="{colours[row % len(colours)]}"/>')
        parts.append(f'<text x="{left + 18}" y="{y}">{name}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", default="18", help="our steps to measure, comma-separated")
    parser.add_argument("--keys", type=int, default=500, help="keys per group")
    parser.add_argument("--svg", default=str(ROOT / "docs" / "images" / "lru-approximation.svg"))
    options = parser.parse_args()
    results: dict[str, list[float]] = {}
    for target in ["redis", *options.steps.split(",")]:
        for samples in (5, 10):
            name = f"{'Redis 7.0' if target == 'redis' else 'step ' + target}, {samples}"
            results[name] = run(target, samples, options.keys)
            print(f"{name}: " + " ".join(f"{share:.0%}" for share in results[name]), flush=True)
    first = next(iter(results.values()))
    results = {"true LRU": true_lru(first), **results}
    print(table(results))
    Path(options.svg).write_text(svg(results))
    print(f"wrote {options.svg}")


if __name__ == "__main__":
    main()
