"""How many bytes each key costs: steps, the pure-Python reference, and Redis.

For each kind of data and each target, it:

 1. starts the server afresh (run.py's Target: --port 0, no files written);
 2. reads its resident memory, VmRSS in /proc/PID/status;
 3. loads the data with `redis-cli --pipe`, from a file of RESP commands
    written beforehand (as a client library would send them), and times it;
 4. checks with DBSIZE that every key arrived, reads VmRSS again, and
    stops the server.

Bytes per key is the growth of VmRSS divided by the number of keys: what the
operating system had to give the server for the data, including whatever
its allocator keeps in reserve. The kinds of data:

 * strings: 1,000,000 keys (--strings), each a 10-byte value;
 * lists, hashes, sets, sorted sets: 10,000 keys (--collections), each
   with 100 members of 10 bytes (a hash's values are 10 bytes too, a
   sorted set's scores are small integers).

The members are not numbers, so Redis cannot keep them as integers, and it
keeps each value below its limits for small encodings: a list, a hash and
a sorted set of 100 short members are listpacks in Redis 7.0 (one block of
memory each), a set of strings is a hash table.

Usage:

    .venv/bin/python bench/memory.py [--steps 12,18] [--strings 1000000] [--collections 10000] [--no-write]

By default it measures step 12 and every step from 17 on, the reference
(strings only: it knows no other type) and Redis, prints a Markdown table and
writes it to docs/performance/memory.md. Loading a million keys into a
Python step takes some tens of seconds; the whole run, a few minutes.
Nothing here asserts a number.
"""

from __future__ import annotations

import argparse
import datetime
import re
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import findings  # bench/findings.py: this script's folder is on sys.path
import run  # bench/run.py: the targets, and how to start and stop them

OUT = run.ROOT / "docs" / "performance" / "memory.md"
MEMBERS = 100  # per list, hash, set or sorted set
LOAD_TIMEOUT = 600  # seconds one load may take before it counts as failed
# The steps measured by default: the first with every type of value (12),
# and those that add machinery a key may pay for (persistence, LRU clocks...).
DEFAULT_STEPS = ("12",)
FIRST_DEFAULT_LATE_STEP = 17


def resp(*words: bytes) -> bytes:
    """One command, encoded as a client sends it."""
    return b"*%d\r\n" % len(words) + b"".join(b"$%d\r\n%s\r\n" % (len(word), word) for word in words)


def value(n: int) -> bytes:
    return b"v%09d" % n  # 10 bytes, and not a number, which Redis would keep as an integer


# The words after the key, the same in every collection: members of 10
# bytes, with a value each for HSET, with a score each for ZADD.
MEMBERS_ONLY = [b"member:%03d" % i for i in range(MEMBERS)]
MEMBERS_AND_VALUES = [word for i, m in enumerate(MEMBERS_ONLY) for word in (m, value(i))]
SCORES_AND_MEMBERS = [word for i, m in enumerate(MEMBERS_ONLY) for word in (b"%d" % i, m)]


@dataclass(frozen=True)
class Kind:
    """A kind of data, and the command that makes key number n of it."""
    name: str
    what: str  # for the table's heading
    verb: bytes  # SET, RPUSH...
    words: Callable[[int], list[bytes]]  # what follows the key
    collection: bool  # counted with --collections, not --strings

    def command(self, n: int) -> bytes:
        return resp(self.verb, b"%s:%07d" % (self.name.encode(), n), *self.words(n))


KINDS = (
    Kind("strings", "string, 10-byte value", b"SET", lambda n: [value(n)], collection=False),
    Kind("lists", f"list of {MEMBERS}", b"RPUSH", lambda n: MEMBERS_ONLY, collection=True),
    Kind("hashes", f"hash of {MEMBERS}", b"HSET", lambda n: MEMBERS_AND_VALUES, collection=True),
    Kind("sets", f"set of {MEMBERS}", b"SADD", lambda n: MEMBERS_ONLY, collection=True),
    Kind("sorted-sets", f"sorted set of {MEMBERS}", b"ZADD", lambda n: SCORES_AND_MEMBERS, collection=True),
)


def write_commands(path: Path, kind: Kind, keys: int) -> None:
    """The file redis-cli --pipe sends: one command per key, written in batches."""
    batch = 10_000
    with open(path, "wb") as out:
        for start in range(0, keys, batch):
            out.write(b"".join(kind.command(n) for n in range(start, min(keys, start + batch))))


def rss_bytes(pid: int) -> int:
    """The process's resident memory, from the kernel's own account of it."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024  # the kernel counts in kB
    raise RuntimeError(f"no VmRSS for process {pid}")


def redis_cli(port: int, *args: str, stdin: Path | None = None) -> str:
    """Run redis-cli against the target; its output, or an exception if it failed."""
    with open(stdin, "rb") if stdin else open("/dev/null", "rb") as source:
        done = subprocess.run(["redis-cli", "-p", str(port), *args], stdin=source, capture_output=True,
                              text=True, timeout=LOAD_TIMEOUT, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"redis-cli {' '.join(args)} exited with {done.returncode}: "
                           f"{done.stderr.strip()[-300:]}")
    return done.stdout


@dataclass
class Result:
    target: str
    kind: str
    keys: int
    bytes_per_key: float | None = None
    seconds: float | None = None
    error: str | None = None


def measure(target: run.Target, kind: Kind, keys: int, commands: Path) -> Result:
    """Start the target, load `commands` into it, and see how much it grew."""
    result = Result(target.name, kind.name, keys)
    target.start()
    try:
        assert target.process is not None
        redis_cli(target.port, "PING")  # the first connection's buffers belong to the baseline
        before = rss_bytes(target.process.pid)
        began = time.monotonic()
        output = redis_cli(target.port, "--pipe", stdin=commands)
        result.seconds = time.monotonic() - began
        errors = re.search(r"errors: (\d+), replies: (\d+)", output)
        stored = int(redis_cli(target.port, "DBSIZE").strip() or 0)
        if not errors or errors.group(1) != "0" or stored != keys:
            result.error = f"{output.strip().splitlines()[-1] if output.strip() else 'no output'}; DBSIZE {stored}"
        else:
            result.bytes_per_key = (rss_bytes(target.process.pid) - before) / keys
    except (RuntimeError, subprocess.TimeoutExpired, ValueError) as error:
        result.error = f"{type(error).__name__}: {error}"
    finally:
        target.stop()
    return result


def markdown(results: list[Result], labels: dict[str, str], counts: dict[str, int], command: str,
             machine: str) -> str:
    """Two tables, bytes per key and time to load, each cell with its ratio to Redis."""
    found = {(r.target, r.kind): r for r in results}
    shown = [kind for kind in KINDS if any(r.kind == kind.name for r in results)]

    def cell(name: str, kind: str, value: Callable[[Result], float | None], show: Callable[[float], str]) -> str:
        r = found.get((name, kind))
        if r is None:
            return "n/a"
        mine = value(r)
        if mine is None:
            return "failed"
        theirs = value(found[("redis", kind)]) if ("redis", kind) in found else None
        ratio = f"<br>{findings.times(mine / theirs)}×" if theirs and name != "redis" else ""
        return show(mine) + ratio

    def table(title: str, value: Callable[[Result], float | None], show: Callable[[float], str]) -> list[str]:
        rows = [f"**{title}**", "",
                "| target | " + " | ".join(f"{kind.what} ({counts[kind.name]:,} keys)" for kind in shown) + " |",
                "| --- | " + " | ".join("---:" for _ in shown) + " |"]
        for name, label in labels.items():
            rows.append(f"| {label} | " + " | ".join(cell(name, kind.name, value, show) for kind in shown) + " |")
        return rows + [""]

    lines = [f"Measured on {machine}.", "", "Reproduce with:", "", "```text", command, "```", "",
             *table("Bytes per key: growth of the server's resident memory (VmRSS) over the keys loaded, "
                    "and how many times Redis's", lambda r: r.bytes_per_key, lambda v: f"{v:,.0f}"),
             *table("Seconds to load them with redis-cli --pipe, and how many times Redis's",
                    lambda r: r.seconds, lambda v: f"{v:.3g}")]
    problems = [f"- {labels[r.target]}, {r.kind}: {r.error}" for r in results if r.error]
    if problems:
        lines += ["Problems:", "", *problems, ""]
    return "\n".join(["# Memory per key", "", "Written by `bench/memory.py`; the Performance page includes it.",
                      "", *run.section("memory", lines)])


def default_steps() -> list[str]:
    return [s for s in run.every_step() if s in DEFAULT_STEPS or int(s) >= FIRST_DEFAULT_LATE_STEP]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", help="comma-separated step numbers (default: 12 and every step from 17 on)")
    parser.add_argument("--kinds", default=",".join(kind.name for kind in KINDS),
                        help="which kinds of data (default: all of them)")
    parser.add_argument("--strings", type=int, default=1_000_000, help="string keys (default 1000000)")
    parser.add_argument("--collections", type=int, default=10_000,
                        help=f"keys of each collection type, {MEMBERS} members each (default 10000)")
    parser.add_argument("--no-reference", action="store_true", help="leave out bench/reference_server.py")
    parser.add_argument("--no-write", action="store_true", help=f"print the table, do not write {OUT.name}")
    return parser.parse_args()


def targets_for(args: argparse.Namespace, steps: list[str]) -> Iterator[run.Target]:
    yield from run.find_steps(steps)
    if not args.no_reference:
        yield run.reference_target()
    yield run.redis_target()


def main() -> None:
    args = parse_args()
    steps = [f"{int(s):02d}" for s in args.steps.split(",")] if args.steps else default_steps()
    kinds = [kind for kind in KINDS if kind.name in args.kinds.split(",")]
    targets = list(targets_for(args, steps))
    counts = {kind.name: args.collections if kind.collection else args.strings for kind in KINDS}
    machine = run.machine_description()
    date = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = " ".join([".venv/bin/python bench/memory.py", "--steps", ",".join(steps), "--strings",
                        str(args.strings), "--collections", str(args.collections),
                        *(["--kinds", ",".join(k.name for k in kinds)] if len(kinds) < len(KINDS) else []),
                        *(["--no-reference"] if args.no_reference else [])])
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as folder:
        for target in targets:
            target.log_dir = Path(folder)
        for kind in kinds:
            commands = Path(folder) / f"{kind.name}.resp"
            write_commands(commands, kind, counts[kind.name])
            for target in targets:
                # The reference knows strings only.
                if target.name == findings.REFERENCE and kind.collection:
                    continue
                result = measure(target, kind, counts[kind.name], commands)
                results.append(result)
                shown = (f"{result.bytes_per_key:,.0f} bytes/key in {result.seconds:.1f} s"
                         if result.bytes_per_key is not None else f"FAILED: {result.error}")
                print(f"{kind.name:<12} {target.label:<22} {shown}", flush=True)
            commands.unlink()
    text = markdown(results, {t.name: t.label for t in targets}, counts, command,
                    f"{date}, on {run.machine_line(machine)}; the steps as of {machine['code']}")
    print(text)
    if not args.no_write:
        OUT.write_text(text)
        print(f"wrote {OUT.relative_to(run.ROOT)}")


if __name__ == "__main__":
    main()
