"""Where a step spends its time under load: a cProfile table and a py-spy flame graph.

It runs the same load twice against the step, each time on a fresh server:

 1. under cProfile (`python -m cProfile -o FILE server.py ...`), which
    counts every call of every function. It slows the server down a lot,
    and calls of small functions the most, but it says exactly how many
    calls there were and how much time each function spent in its own
    code. The table lists the functions with the most of that "own time";
 2. under py-spy, which samples the running server's stack from outside,
    a few hundred times a second, pausing it only for an instant each time:
    the flame graph shows which calls the time went to, nested as they
    were called.
    (py-spy reads the server's memory with ptrace; where that is refused,
    as in some containers, it is tried once more with --nonblocking, and
    if that fails too, only the cProfile part is written.)

The load is `redis-benchmark -t set -n 200000 -P 16 -c 50` unless --load
says otherwise: pipelined SETs, where the server's own Python code is most
of the cost.

Usage:

    .venv/bin/pip install -r bench/requirements.txt   # py-spy
    .venv/bin/python bench/profile_step.py [--step 18] [--load "-t get -n 100000 -P 16 -c 50"] [--top 25] [--no-write]

It writes docs/performance/profile-NN.md (the table, in a section the docs
can include) and docs/images/stepNN-flame.svg (an interactive SVG: open it
in a browser to zoom into a frame), unless --no-write; then it only prints.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import html
import os
import pstats
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import run  # bench/run.py: the targets, and how to start and stop them

DEFAULT_LOAD = "-t set -n 200000 -P 16 -c 50"
SAMPLES_PER_SECOND = 250  # py-spy's rate: more than its default 100, for a load that lasts seconds


def py_spy() -> str | None:
    """py-spy from the venv this runs in, or from PATH."""
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def run_load(target: run.Target, load: list[str]) -> str:
    """Run redis-benchmark against the target; its --csv rates, test by test, as "SET 41,152/s".

    The server gets a core of its own and redis-benchmark the others. cProfile
    times with the wall clock: if the two shared a core, every send() that
    wakes redis-benchmark could let it run before the server gets the core
    back, and that wait would be counted as time spent in send()."""
    assert target.process is not None
    cores = sorted(os.sched_getaffinity(0))
    load_cores = set(cores[:-1]) or set(cores)  # on a single core, nothing can be kept apart
    run.set_affinity(target.process.pid, {cores[-1]})
    done = subprocess.run(["redis-benchmark", "-h", "127.0.0.1", "-p", str(target.port), *load, "--csv"],
                          capture_output=True, text=True, timeout=600, check=False,
                          preexec_fn=lambda: os.sched_setaffinity(0, load_cores))
    if done.returncode != 0:
        raise SystemExit(f"redis-benchmark failed: {done.stderr.strip()[-300:]}")
    rows = [line.replace('"', "").split(",") for line in done.stdout.splitlines()[1:]]
    return ", ".join(f"{row[0]} {float(row[1]):,.0f}/s" for row in rows if len(row) > 1)


def step_target(step: str, log_dir: Path, wrapper: list[str]) -> run.Target:
    """The step as bench/run.py starts it (no files written), run under `wrapper`
    (the Python options that go before the script)."""
    target = run.find_steps([step])[0]
    target.argv = [target.argv[0], *wrapper, *target.argv[1:]]
    target.log_dir = log_dir
    return target


def profile_with_cprofile(step: str, load: list[str], folder: Path) -> tuple[pstats.Stats, str]:
    """The step's statistics under cProfile for one run of the load, and the rates it reached."""
    stats_file = folder / "server.prof"
    target = step_target(step, folder, ["-m", "cProfile", "-o", str(stats_file)])
    target.start()
    try:
        rates = run_load(target, load)
    finally:
        target.stop()  # SIGINT: the step exits, and cProfile writes its file as it does
    if not stats_file.exists():
        raise SystemExit(f"cProfile wrote no statistics; see {target.stderr_path}")
    return pstats.Stats(str(stats_file)), rates


def where(function: tuple[str, int, str]) -> str:
    """pstats' (file, line, name) as "resp.py:73 feed", paths shortened to the step's folder."""
    path, line, name = function
    if path == "~":  # a built-in function: only its name, "<method 'recv' of '_socket.socket' objects>"
        return name
    shown = run.ROOT / path  # the server's own script is named relative to where it started
    with contextlib.suppress(ValueError):
        shown = shown.relative_to(run.STEPS_DIR)
        shown = Path(*shown.parts[1:])  # drop "18_production/"
    if shown.is_absolute():
        shown = Path(shown.name)  # the standard library: the file's name is enough
    return f"{shown}:{line} {name}"


def top_table(stats: pstats.Stats, top: int) -> list[str]:
    """The functions with the most own time (pstats' tottime), as Markdown rows."""
    # {(file, line, name): (primitive calls, calls, tottime, cumtime, callers)}
    entries = stats.stats  # type: ignore[attr-defined]
    total = sum(entry[2] for entry in entries.values()) or 1.0
    ranked = sorted(entries.items(), key=lambda item: item[1][2], reverse=True)[:top]
    rows = ["| function | calls | own time (s) | share of all own time | µs per call | with callees (s) |",
            "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for function, (_primitive, calls, own, cumulative, _callers) in ranked:
        name = where(function).replace("|", "\\|")
        rows.append(f"| `{name}` | {calls:,} | {own:.2f} | {100 * own / total:.1f}% | "
                    f"{1e6 * own / calls:.2f} | {cumulative:.2f} |")
    return rows


def flame_graph(step: str, load: list[str], folder: Path, svg: Path, title: str) -> tuple[str | None, str]:
    """Record the step under the load with py-spy into `svg`, titled `title`. Returns
    the rates the load reached, or None if py-spy could not sample, and what happened."""
    spy = py_spy()
    if spy is None:
        return None, "py-spy is not installed (.venv/bin/pip install -r bench/requirements.txt)"
    problems = []
    for extra in ([], ["--nonblocking"]):
        target = step_target(step, folder, [])
        target.start()
        assert target.process is not None
        log = folder / "py-spy.log"
        try:
            with open(log, "wb") as output:
                recorder = subprocess.Popen([spy, "record", "--pid", str(target.process.pid), "--output", str(svg),
                                             "--format", "flamegraph", "--rate", str(SAMPLES_PER_SECOND),
                                             "--nolineno", *extra],  # one frame per function, not per line
                                            stdout=output, stderr=subprocess.STDOUT)
            # py-spy says "Sampling process ..." once it is attached; the load starts after that.
            deadline = time.monotonic() + 10
            while b"Sampling process" not in log.read_bytes() and recorder.poll() is None:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            if recorder.poll() is not None:
                problems.append(f"py-spy {' '.join(extra)}: {log.read_text(errors='replace').strip()[-300:]}")
                continue
            rates = run_load(target, load)
            recorder.send_signal(signal.SIGINT)  # Ctrl-C: py-spy writes the graph and exits
            recorder.wait(timeout=60)
            if svg.exists() and svg.stat().st_size:
                # py-spy titles the graph with its own command line, temporary paths and all.
                svg.write_text(re.sub(r'(<text id="title"[^>]*>)[^<]*',
                                      lambda m: m.group(1) + html.escape(title), svg.read_text(), count=1))
                return rates, log.read_text(errors="replace").strip().splitlines()[-1]
            problems.append(f"py-spy {' '.join(extra)} wrote no graph: {log.read_text(errors='replace')[-300:]}")
        finally:
            target.stop()
    return None, "; ".join(problems)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--step", default="18", help="the step to profile (default 18)")
    parser.add_argument("--load", default=DEFAULT_LOAD,
                        help=f"redis-benchmark's options for the load (default \"{DEFAULT_LOAD}\")")
    parser.add_argument("--top", type=int, default=25, help="functions in the table (default 25)")
    parser.add_argument("--no-flame", action="store_true", help="skip py-spy: the cProfile table only")
    parser.add_argument("--no-write", action="store_true",
                        help="print the table; write neither the Markdown nor the SVG into docs/")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    step = f"{int(args.step):02d}"
    load = shlex.split(args.load)
    step_dir = sorted(run.STEPS_DIR.glob(f"{step}_*/server.py"))[0].parent
    table_path = run.ROOT / "docs" / "performance" / f"profile-{step}.md"
    svg_path = run.ROOT / "docs" / "images" / f"step{step}-flame.svg"
    date = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = run.machine_description()
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as name:
        folder = Path(name)
        print(f"cProfile: steps/{step_dir.name} under redis-benchmark {args.load}", flush=True)
        stats, profiled_rates = profile_with_cprofile(step, load, folder)
        flame_rates, flame_note = None, "not recorded (--no-flame)"
        if not args.no_flame:
            print("py-spy: the same load, sampled", flush=True)
            svg = folder / "flame.svg"
            flame_rates, flame_note = flame_graph(step, load, folder, svg, f"steps/{step_dir.name} under "
                                                  f"redis-benchmark {args.load}, sampled by py-spy")
            if flame_rates is not None and not args.no_write:
                shutil.copyfile(svg, svg_path)
    command = (f".venv/bin/python bench/profile_step.py --step {step} --load {shlex.quote(args.load)} "
               f"--top {args.top}")
    lines = [f"Measured on {date}, on {run.machine_line(machine)}; the steps as of {machine['code']}.", "",
             "Reproduce with:", "", "```text", command, "```", "",
             f"The load: `redis-benchmark {args.load}`. It reached {profiled_rates} under cProfile"
             + (f", and {flame_rates} under py-spy, which slows the server down much less" if flame_rates else "")
             + ".", "",
             f"The {args.top} functions of steps/{step_dir.name} that spent the most time in their own code "
             "(pstats' tottime: not counting the functions they called), under cProfile. The times are "
             "wall-clock time, so a system call during which the kernel ran redis-benchmark instead (a "
             "`send()` that woke it up) counts in full; and cProfile adds a cost to every call, so "
             "functions called very often look more expensive than they are. The first lines of the "
             "table are the ones to read.", "",
             *top_table(stats, args.top), ""]
    text = "\n".join([f"# Profile of step {step} under load", "",
                      "Written by `bench/profile_step.py`; the step's page includes it.", "",
                      *run.section("profile", lines)])
    print(text)
    print(f"py-spy: {flame_note}")
    if not args.no_write:
        table_path.write_text(text)
        print(f"wrote {table_path.relative_to(run.ROOT)}"
              + (f" and {svg_path.relative_to(run.ROOT)}" if flame_rates else ""))


if __name__ == "__main__":
    main()
