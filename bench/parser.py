"""Time the RESP request parser alone, with no sockets and no server.

A server spends part of each request in its parser, and a careless parser can
be quadratic: re-scanning its whole buffer every time a few more bytes arrive
makes a 10,000-command pipeline or a 100 MB value cost far more than ten
times a 1,000-command one or a 10 MB one. This script feeds the parser of one
step (steps/<step>/resp.py) the way a server does, chunk by chunk, and times:

  * pipelines of 1,000, 10,000 and 100,000 SET commands, and
  * single SET commands whose value is 1, 10 and 100 MB,

each in 64 KB chunks (the size a server asks recv() for), and the middle sizes
also in 4 KB chunks (many more, smaller feeds). If the parser is linear, the
time per command and per byte stays the same as the input grows.

Usage:  python bench/parser.py [--step 07_event_loop] [--repeat 5]
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import resource
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
KB = 1024

PIPELINES = (1_000, 10_000, 100_000)  # commands
VALUES = (1 * MB, 10 * MB, 100 * MB)  # bytes
CHUNK = 64 * KB
SMALL_CHUNK = 4 * KB
# (what, size) pairs that are also fed in 4 KB chunks.
ALSO_SMALL_CHUNKS = {("pipeline", 10_000), ("value", 10 * MB)}


def load_resp(step_dir: Path) -> ModuleType:
    """Import steps/<step>/resp.py from its file path.

    The steps never import each other, and they are not a package, so the
    benchmark loads the file directly, under a name of its own.
    """
    path = step_dir / "resp.py"
    spec = importlib.util.spec_from_file_location(f"resp_{step_dir.name}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def set_command(key: bytes, value: bytes) -> bytes:
    """SET key value as a RESP array of bulk strings, as client libraries send it."""
    parts = (b"SET", key, value)
    return b"*3\r\n" + b"".join(b"$%d\r\n%b\r\n" % (len(part), part) for part in parts)


@dataclass
class ParserResult:
    what: str  # "pipeline" or "value"
    size: int  # commands in the pipeline, or bytes in the value
    chunk: int  # bytes per feed()
    input_bytes: int  # bytes fed in all
    seconds: float  # best of the repetitions
    page_faults: float  # minor page faults per repetition: fresh memory the kernel had to provide

    @property
    def mb_per_second(self) -> float:
        return self.input_bytes / MB / self.seconds


MIN_TOTAL_SECONDS = 0.5  # small inputs are repeated until they have run this long
MAX_REPEAT = 100


def time_parse(resp: ModuleType, data: bytes, chunk: int, expected_commands: int,
               repeat: int) -> tuple[float, float]:
    """Feed `data` in `chunk`-byte pieces, taking out every complete command after
    each feed, as a server's read loop does. Returns the best time of at least
    `repeat` repetitions: the one least disturbed by anything else running.
    Inputs that parse quickly are repeated more, until they have run for
    MIN_TOTAL_SECONDS, so that one busy moment of the machine cannot spoil them all.
    Also returns the minor page faults per repetition."""
    view = memoryview(data)
    pieces = [view[i : i + chunk] for i in range(0, len(data), chunk)]  # cut before the clock starts
    best = float("inf")
    total = 0.0
    done = 0
    faults_before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    while done < repeat or (total < MIN_TOTAL_SECONDS and done < MAX_REPEAT):
        parser = resp.RequestParser()
        commands = 0
        gc.disable()  # like timeit: a collection in the middle is noise, not parsing
        try:
            start = time.perf_counter()
            for piece in pieces:
                parser.feed(piece)
                while parser.next_command() is not None:
                    commands += 1
            elapsed = time.perf_counter() - start
        finally:
            gc.enable()
        if commands != expected_commands:
            raise AssertionError(f"parsed {commands} commands, expected {expected_commands}")
        best = min(best, elapsed)
        total += elapsed
        done += 1
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults_before
    return best, faults / done


def measure(step_dir: Path, repeat: int = 5, log: bool = True) -> list[ParserResult]:
    resp = load_resp(step_dir)
    results: list[ParserResult] = []

    def run(what: str, size: int, data: bytes, commands: int) -> None:
        for chunk in (CHUNK, SMALL_CHUNK) if (what, size) in ALSO_SMALL_CHUNKS else (CHUNK,):
            seconds, faults = time_parse(resp, data, chunk, commands, repeat)
            result = ParserResult(what, size, chunk, len(data), seconds, faults)
            results.append(result)
            if log:
                print(f"  parser {what} {size:>11,} in {chunk // KB:>2} KB chunks: "
                      f"{seconds * 1000:9.2f} ms  {result.mb_per_second:8.1f} MB/s  {faults:8.0f} page faults",
                      flush=True)

    for count in PIPELINES:
        data = b"".join(set_command(b"key:%06d" % i, b"xxx") for i in range(count))
        run("pipeline", count, data, count)
    for size in VALUES:
        run("value", size, set_command(b"key", b"x" * size), 1)
    return results


def markdown_table(results: list[ParserResult], step: str) -> str:
    """The parser results as Markdown. The last column is what shows linearity:
    it stays flat as the input grows."""
    lines = [
        (f"Parser of `steps/{step}/resp.py` alone, fed chunk by chunk as a server's read loop would; "
         "time: the best of the repetitions; page faults: minor page faults per repetition, each one "
         "a 4 KB page of fresh memory the kernel had to provide:"),
        "",
        "| input | bytes | chunk | time | MB/s | cost | page faults |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        if r.what == "pipeline":
            what = f"{r.size:,} SETs, pipelined"
            per_unit = f"{r.seconds / r.size * 1e6:.2f} µs/command"
        else:
            what = f"a SET of a {r.size // MB} MB value"
            per_unit = f"{r.seconds / (r.size / MB) * 1000:.2f} ms/MB"
        lines.append(f"| {what} | {r.input_bytes:,} | {r.chunk // KB} KB | {format_seconds(r.seconds)} "
                     f"| {format_rate(r.mb_per_second)} | {per_unit} | {r.page_faults:,.0f} |")
    return "\n".join(lines) + "\n"


def format_rate(mb_per_second: float) -> str:
    return f"{mb_per_second:,.1f}" if mb_per_second < 100 else f"{mb_per_second:,.0f}"


def format_seconds(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms" if seconds < 10 else f"{seconds:,.2f} s"


def as_json(results: list[ParserResult]) -> list[dict[str, object]]:
    return [asdict(r) | {"mb_per_second": r.mb_per_second} for r in results]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--step", default="07_event_loop",
                        help="a folder under steps/ that has resp.py, or its number (default 07_event_loop)")
    parser.add_argument("--repeat", type=int, default=5, help="repetitions; the best is kept (default 5)")
    args = parser.parse_args()
    step_dir = ROOT / "steps" / args.step
    if args.step.isdigit():  # "8" or "08": the folder whose name starts with that number
        step_dir = next((ROOT / "steps").glob(f"{int(args.step):02d}_*"), step_dir)
    if not (step_dir / "resp.py").exists():
        sys.exit(f"{step_dir}/resp.py does not exist")
    results = measure(step_dir, args.repeat)
    print()
    print(markdown_table(results, step_dir.name))


if __name__ == "__main__":
    main()
