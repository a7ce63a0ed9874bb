"""Benchmark the tutorial's steps against a real Redis, on this machine, now.

What it does, in order:

 1. Starts every target on a free port of 127.0.0.1: each chosen step with
    `python steps/NN_slug/server.py --port 0` (the port is read from the line
    "Listening on 127.0.0.1:PORT" it prints first), and a real redis-server
    with persistence off.
 2. Measures each target in three modes: 50 clients; 50 clients that pipeline
    16 commands at a time; 1 client. Two load generators are used:
      * redis-benchmark, Redis's own tool, for the targets that speak RESP
        (step 05 on, and Redis);
      * bench/line_load.py, for every target, because redis-benchmark cannot
        talk to the line protocol of steps 03 and 04. Its commands (PING, SET,
        INCR) get one reply line in both protocols, so it measures all steps
        and Redis with the same yardstick.
    One more target stands beside the steps: bench/reference_server.py, the
    fastest pure-Python SET/GET server we know how to write. It answers only
    PING, SET and GET, so the tests of other commands skip it.
    In the 1-client mode the server and the load generator are pinned to
    one core (see Mode.same_core for why). Measurements are interleaved:
    each run measures every target once on every test, and it does so test
    by test, all the targets on one test one after the other, so that the
    measurements compared with each other are seconds apart. A burst of
    noise on the machine (other programs, or a CPU slowing down as it warms)
    then lands on all targets alike instead of on whichever target happened
    to be measured at that moment. The median of the runs is reported, and
    every share of Redis is taken within a run (bench/findings.py).
 3. Times the RESP parser on its own (bench/parser.py).
 4. Writes, by default into docs/performance/: results.md (the tables the
    Performance page includes), results.json (every single run) and PNG
    charts.
 5. Stops the servers it started.

Usage (matplotlib is needed for the charts):

    .venv/bin/pip install -r bench/requirements.txt
    .venv/bin/python bench/run.py [--steps 03,05,12] [--runs 5] [--requests 25000] [--no-reference]

Nothing here asserts a number: the benchmarks are measured, printed and
charted, never tested, because they depend on the machine they run on.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime
import io
import json
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import findings  # bench/findings.py: this script's folder is on sys.path
import line_load  # bench/line_load.py
import parser as resp_parser_bench  # bench/parser.py

ROOT = Path(__file__).resolve().parent.parent
STEPS_DIR = ROOT / "steps"
FIRST_BENCHMARKED_STEP = 3  # steps 01 and 02 serve one client at a time
FIRST_PERSISTENT_STEP = 17  # steps from here keep files unless told not to
FIRST_RESP_STEP = 5  # steps before 05 speak the line protocol


def every_step() -> list[str]:
    """The numbers of every step from 03 on that has a server.py: the default targets."""
    numbers = {path.parent.name[:2] for path in STEPS_DIR.glob("[0-9][0-9]_*/server.py")}
    return sorted(n for n in numbers if int(n) >= FIRST_BENCHMARKED_STEP)

# redis-benchmark's tests. "-t ping" runs two: PING_INLINE sends "PING\r\n",
# the way you type it into telnet; PING_MBULK sends it as a RESP array,
# "*1\r\n$4\r\nPING\r\n", the way client libraries do.
REDIS_BENCHMARK_TESTS = ("PING_INLINE", "PING_MBULK", "SET", "GET", "INCR")
# The -t option that runs each test.
REDIS_BENCHMARK_OPTION = {"PING_INLINE": "ping", "PING_MBULK": "ping", "SET": "set", "GET": "get", "INCR": "incr"}
LINE_LOAD_TESTS = line_load.COMMANDS  # PING, SET, INCR

REDIS_BENCHMARK = "redis-benchmark"
LINE_LOAD = "line_load"
TOOL_TITLES = {
    REDIS_BENCHMARK: "redis-benchmark (RESP targets only)",
    LINE_LOAD: "bench/line_load.py (every target, inline commands)",
}
TOOL_SHORT = {REDIS_BENCHMARK: "redis-benchmark", LINE_LOAD: "line_load.py"}


@dataclass(frozen=True)
class Mode:
    key: str  # short name used in results.json
    title: str
    short: str  # a column heading
    clients: int
    pipeline: int  # commands a client sends before it waits for their replies
    # Requests per run in this mode, as a multiple of --requests. Pipelining
    # gets through requests much faster, one client much slower, so each mode
    # gets a count that keeps its measurements roughly as long as the others.
    scale: float
    # Run the server and the load generator on one and the same core. With one
    # client, every request is a round trip: the client waits for the reply
    # before it sends again, so each side sleeps while the other works. Waking
    # a process that sleeps on the *other* core of a virtual machine can take
    # longer than the request itself, and whether the scheduler put the two on
    # one core or two then decides the result (we saw ~40k vs ~12k requests/s
    # for Redis, at random). On one core, a round trip costs the CPU time of
    # the client plus that of the server, which is what we want to compare.
    same_core: bool = False


MODES = (
    Mode("c50", "50 clients", "50 clients", clients=50, pipeline=1, scale=1),
    Mode("c50-P16", "50 clients, pipeline 16", "pipeline 16", clients=50, pipeline=16, scale=4),
    Mode("c1", "1 client (server and client share one core)", "1 client", clients=1, pipeline=1, scale=0.4,
         same_core=True),
)


# Log lines in Redis's format (pid:role, date, time, level mark), as steps
# from 18 on write them, that say nothing went wrong: those below warning
# level, and the shutdown our own Ctrl-C asks for at the end.
EXPECTED_LOG = re.compile(r"^\d+:[MC] \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d\.\d{3} ([.*-] |# ("
                          r"Received SIGINT scheduling shutdown|User requested shutdown|Redis is now ready to exit))")


# --------------------------------------------------------------------------
# The targets: servers we start, measure and stop.
# --------------------------------------------------------------------------

@dataclass
class Target:
    name: str  # "03" ... "08", or "redis"
    label: str  # what tables and charts call it
    argv: list[str]  # how to start it; "{port}" is replaced for redis-server
    speaks_resp: bool
    process: subprocess.Popen[bytes] | None = None
    port: int = 0
    log_dir: Path = field(default_factory=Path)
    restarts: int = 0

    @property
    def stdout_path(self) -> Path:
        return self.log_dir / f"{self.name}.stdout"

    @property
    def stderr_path(self) -> Path:
        return self.log_dir / f"{self.name}.stderr"

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        argv = self.argv
        if self.name == "redis":
            self.port = free_port()
            argv = [arg.replace("{port}", str(self.port)) for arg in argv]
        # The server's output goes to files, not pipes: a pipe nobody reads
        # fills up and then blocks the server. Appending keeps what an earlier
        # instance wrote, should this be a restart after a crash.
        stdout_offset = self.stdout_path.stat().st_size if self.stdout_path.exists() else 0
        with open(self.stdout_path, "ab") as stdout, open(self.stderr_path, "ab") as stderr:
            self.process = subprocess.Popen(
                # Redis runs in the log folder: any file it might write stays out of the repo.
                argv, cwd=self.log_dir if self.name == "redis" else ROOT,
                stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr,
                # Its own process group, so that stopping it reaches every
                # process it may have started, and Ctrl-C in this terminal
                # does not hit the servers before we stop them in order.
                start_new_session=True,
                # A shell may start us with SIGINT ignored (a background job);
                # the server must still stop on SIGINT.
                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        if self.name != "redis":
            self.port = self._read_port_from_stdout(stdout_offset)
        wait_until_ready(self.port, self.process)

    def _read_port_from_stdout(self, offset: int) -> int:
        """Our steps print "Listening on 127.0.0.1:PORT" first; --port 0 made the OS pick PORT.
        `offset` skips what an earlier instance wrote to the same file."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            lines = self.stdout_path.read_bytes()[offset:].decode(errors="replace").splitlines()
            found = [m for line in lines if (m := re.search(r"Listening on [\d.]+:(\d+)", line))]
            if found:
                return int(found[-1].group(1))
            if self.process is not None and self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError(f"{self.label} did not print its port; see {self.stderr_path}")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """Stop it the way a person would, with Ctrl-C (SIGINT); kill it if it ignores that."""
        if self.process is None:
            return
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGINT)
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            except ProcessLookupError:
                pass
        self.process = None


def free_port() -> int:
    """A port nobody listens on right now (redis-server has no --port 0)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_ready(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode} while starting")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


@contextlib.contextmanager
def on_one_core(target: Target) -> Iterator[int]:
    """Pin the target's server (every thread of it) and this process, and so the
    load generators it starts, to one core; undo that afterwards."""
    all_cores = os.sched_getaffinity(0)
    core = max(all_cores)
    assert target.process is not None
    set_affinity(target.process.pid, {core})
    os.sched_setaffinity(0, {core})  # children (redis-benchmark, load processes) inherit it
    try:
        yield core
    finally:
        os.sched_setaffinity(0, all_cores)
        if target.alive():
            set_affinity(target.process.pid, all_cores)


def set_affinity(pid: int, cores: set[int]) -> None:
    """sched_setaffinity() for every thread of a process. Threads started later
    inherit the affinity of the thread that starts them (for our steps, the
    thread that accepts connections), so they follow."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            os.sched_setaffinity(int(task.name), cores)
        except (ProcessLookupError, FileNotFoundError):
            pass  # that thread has just ended


def find_steps(wanted: list[str]) -> list[Target]:
    targets = []
    for number in wanted:
        folders = sorted(STEPS_DIR.glob(f"{number}_*/server.py"))
        if not folders:
            raise SystemExit(f"no steps/{number}_*/server.py")
        server = folders[0]
        # From step 17 on a step saves to disk; like Redis here, not while measured.
        no_files = ["--save", "", "--appendonly", "no", "--dir", tempfile.gettempdir()] \
            if int(number) >= FIRST_PERSISTENT_STEP else []
        targets.append(Target(
            name=number, label=f"step {number}",
            argv=[sys.executable, str(server.relative_to(ROOT)), "--port", "0", *no_files],
            speaks_resp=int(number) >= FIRST_RESP_STEP))
    return targets


def reference_target() -> Target:
    """bench/reference_server.py: how fast pure Python can answer SET and GET."""
    return Target(name=findings.REFERENCE, label="pure Python SET/GET",
                  argv=[sys.executable, "bench/reference_server.py", "--port", "0"], speaks_resp=True)


def redis_target() -> Target:
    version = redis_version()
    return Target(
        name="redis", label=f"Redis {version}",
        # No snapshots, no append-only file: it measures the server, not the disk.
        argv=["redis-server", "--port", "{port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        speaks_resp=True)


def redis_version() -> str:
    output = subprocess.run(["redis-server", "--version"], capture_output=True, text=True, check=True).stdout
    match = re.search(r"v=(\S+)", output)
    return match.group(1) if match else output.strip()


# --------------------------------------------------------------------------
# Measuring.
# --------------------------------------------------------------------------

@dataclass
class Measurement:
    """One run of one test, by one tool, in one mode, against one target."""
    run: int
    target: str
    tool: str
    mode: str
    test: str
    requests: int
    requests_per_second: float | None  # None: it failed, see `error`
    seconds: float | None = None  # line_load only; redis-benchmark does not say
    error_replies: int = 0
    error: str | None = None


def run_redis_benchmark(target: Target, mode: Mode, requests: int, run: int,
                        tests: tuple[str, ...] = REDIS_BENCHMARK_TESTS) -> list[Measurement]:
    """One redis-benchmark invocation runs the tests asked for, one after the other."""
    wanted = sorted({REDIS_BENCHMARK_OPTION[test] for test in tests})
    argv = ["redis-benchmark", "-h", "127.0.0.1", "-p", str(target.port),
            "-t", ",".join(wanted), "-n", str(requests), "-c", str(mode.clients),
            "-P", str(mode.pipeline), "--csv"]

    def failed(why: str) -> list[Measurement]:
        return [Measurement(run, target.name, REDIS_BENCHMARK, mode.key, test, requests, None, error=why)
                for test in tests]

    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
    except subprocess.TimeoutExpired:
        return failed("redis-benchmark did not finish within 300 s")
    if done.returncode != 0:
        return failed(f"redis-benchmark exited with {done.returncode}: {done.stderr.strip()[-300:]}")
    # --csv prints a header and one row per test: "SET","41152.26","1.136",...
    # (-q would print "SET: 41152.26 requests per second", with carriage returns
    # from its progress display mixed in.)
    rows = {row["test"]: row for row in csv.DictReader(io.StringIO(done.stdout))}
    # Our steps do not implement CONFIG GET, which redis-benchmark asks first
    # to show the server's settings; it says so on stderr and goes on.
    noise = "WARNING: Could not fetch server CONFIG"
    complaint = "\n".join(line for line in done.stderr.splitlines() if line.strip() and noise not in line)
    results = []
    for test in tests:
        if test in rows:
            results.append(Measurement(run, target.name, REDIS_BENCHMARK, mode.key, test, requests,
                                       float(rows[test]["rps"]), error=complaint or None))
        else:
            results.append(Measurement(run, target.name, REDIS_BENCHMARK, mode.key, test, requests, None,
                                       error=f"no result for {test}; stderr: {complaint[-300:]}"))
    return results


def run_line_load(target: Target, mode: Mode, test: str, requests: int, run: int,
                  processes: int) -> Measurement:
    try:
        result = line_load.run_load("127.0.0.1", target.port, test, mode.clients, mode.pipeline,
                                    requests, processes)
    except (line_load.LoadError, OSError) as error:
        return Measurement(run, target.name, LINE_LOAD, mode.key, test, requests, None,
                           error=f"{type(error).__name__}: {error}")
    return Measurement(run, target.name, LINE_LOAD, mode.key, test, result.requests,
                       result.requests_per_second, seconds=result.seconds, error_replies=result.errors,
                       error=f"{result.errors} error replies" if result.errors else None)


def supported_line_tests(target: Target) -> dict[str, str | None]:
    """Which line_load commands the target knows. Step 03 has no store, so it
    answers SET and INCR with an error: those tests are skipped, not measured."""
    return {test: line_load.probe("127.0.0.1", target.port, test) for test in LINE_LOAD_TESTS}


# --------------------------------------------------------------------------
# Summaries: medians, Markdown, JSON, charts.
# --------------------------------------------------------------------------

Key = tuple[str, str, str, str]  # (tool, mode, target, test)


def medians(measurements: list[Measurement]) -> dict[Key, float]:
    by_key: dict[Key, list[float]] = {}
    for m in measurements:
        if m.requests_per_second is not None:
            by_key.setdefault((m.tool, m.mode, m.target, m.test), []).append(m.requests_per_second)
    return {key: statistics.median(values) for key, values in by_key.items()}


def spreads(measurements: list[Measurement]) -> dict[Key, float]:
    """(largest - smallest) / median of the runs: how much the runs disagreed."""
    by_key: dict[Key, list[float]] = {}
    for m in measurements:
        if m.requests_per_second is not None:
            by_key.setdefault((m.tool, m.mode, m.target, m.test), []).append(m.requests_per_second)
    return {key: (max(v) - min(v)) / statistics.median(v) for key, v in by_key.items() if len(v) > 1}


def format_rate(value: float) -> str:
    return f"{value:,.0f}"


def machine_description() -> dict[str, str]:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    benchmark_version = subprocess.run(["redis-benchmark", "--version"], capture_output=True, check=False,
                                       text=True).stdout.strip()
    return {
        "os": subprocess.run(["uname", "-srm"], capture_output=True, text=True, check=False).stdout.strip(),
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "redis_server": redis_version(),
        "redis_benchmark": benchmark_version,
        "code": code_version(),
    }


def code_version() -> str:
    """The commit the steps were measured at, and whether steps/ differed from it."""
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return "not a git checkout"
    changed = git("status", "--porcelain", "--", "steps")
    return f"commit {commit}" + (", with uncommitted changes in steps/" if changed else "")


def machine_line(machine: dict[str, str]) -> str:
    return (f"{machine['os']}, {machine['cpu']}, {machine['cores']} cores, Python {machine['python']}, "
            f"redis-server {machine['redis_server']}, {machine['redis_benchmark']}")


def section(name: str, lines: list[str]) -> list[str]:
    """Wrap lines in pymdownx.snippets section markers, so that the Performance
    page can include each part where it belongs: --8<-- "results.md:name"."""
    return [f"<!-- --8<-- [start:{name}] -->", *lines, f"<!-- --8<-- [end:{name}] -->", ""]


def results_markdown(targets: list[Target], measurements: list[Measurement], tools: dict[str, list[str]],
                     parser_results: list[resp_parser_bench.ParserResult], parser_step: str,
                     machine: dict[str, str], command: str, date: str, runs: int, requests: int,
                     skipped: dict[str, dict[str, str]], server_errors: dict[str, str]) -> str:
    """results.md: the tables and the sentences with numbers, in sections the
    Performance page includes one by one."""
    middle = medians(measurements)
    table = findings.by_run(measurements)
    labels = {t.name: t.label for t in targets}
    out = ["# Benchmark results", "",
           "Written by `bench/run.py`; the Performance page includes its sections.", ""]

    counts = ", ".join(f"{m.title}: {round(requests * m.scale):,}" for m in MODES)
    about = [
        (f"Measured on {date}, on {machine_line(machine)}; the steps as of {machine.get('code', 'an unrecorded commit')}. "
         f"The machine's load average (1 minute): {machine.get('load_average', 'not recorded')}; "
         "anything else running takes CPU from servers and load generators alike, and a quiet two-core "
         "machine shows about 1 to 2 once the runs are going."), "",
        "Reproduce with:", "", "```text", command, "```", "",
        (f"Each rate is the median of {runs} interleaved run{'s' if runs != 1 else ''}, in requests per "
         f"second. Requests per run and test: {counts}. Under each rate, its share of Redis's: in every run, "
         "the target's rate divided by Redis's rate in the same run, with the same tool, mode and test; the "
         "median of those ratios."), ""]
    spread = spreads(measurements)
    if spread:
        worst_key = max(spread, key=spread.__getitem__)
        worst_tool, worst_mode, worst_target, worst_test = worst_key
        mode_title = next(m.title for m in MODES if m.key == worst_mode)
        about += [(f"How much the runs of one measurement disagreed (largest minus smallest, over the "
                   f"median): {100 * statistics.median(spread.values()):.0f}% typically, "
                   f"{100 * spread[worst_key]:.0f}% at most ({labels[worst_target]}, {worst_tool}, "
                   f"{mode_title}, {worst_test}). Every run is in `docs/performance/results.json`."), ""]
    out += section("machine", about)

    summary: list[str] = []
    for tool, tests in tools.items():
        rows = [(t.name, t.label) for t in targets if t.name != "redis"]
        summary += [f"**{TOOL_SHORT[tool]}**: share of Redis's rate, lowest to highest over "
                    + ", ".join(f"`{test}`" for test in tests), "",
                    *findings.summary_table(table, tool, [(m.key, m.short) for m in MODES], rows, tests), ""]
    out += ["## Summary", ""] + section("summary", summary)

    for tool, tests in tools.items():
        tool_targets = [t for t in targets if any(m.tool == tool and m.target == t.name for m in measurements)]
        out += [f"## {TOOL_TITLES[tool]}", ""]
        tables: list[str] = []
        for mode in MODES:
            tables += [f"**{TOOL_SHORT[tool]}, {mode.title}**", "",
                       "| target | " + " | ".join(tests) + " |",
                       "| --- | " + " | ".join("---:" for _ in tests) + " |"]
            for target in tool_targets:
                cells = []
                for test in tests:
                    key = (tool, mode.key, target.name, test)
                    value = middle.get(key)
                    share = findings.median_share(table, key) if target.name != "redis" else None
                    if test in skipped.get(target.name, {}):
                        cells.append("n/a")
                    elif value is None:
                        cells.append("failed")
                    elif share is None:
                        cells.append(format_rate(value))
                    else:
                        # Two lines in one cell: the tables stay narrow enough for a phone.
                        cells.append(f"{format_rate(value)}<br>{findings.percent(share)}")
                tables.append(f"| {target.label} | " + " | ".join(cells) + " |")
            tables.append("")
        for name, refusals in skipped.items():
            if any(m.tool == tool and m.target == name for m in measurements):
                for refused, reply in refusals.items():
                    tables += [(f"n/a: {labels[name]} answers `{refused}` with `{reply}`, "
                                "so that test was not run."), ""]
        out += section(tool.replace("_", "-"), tables)

    problems = sorted({(labels[m.target], m.tool, m.mode, m.test, m.error) for m in measurements if m.error})
    notes: list[str] = []
    if problems:
        notes += ["Problems seen during the runs:", ""]
        notes += [f"- {', '.join(where)}: {error}" for *where, error in problems]
        notes.append("")
    for name, text in server_errors.items():
        notes += [f"{labels[name]} wrote this to stderr (the end of it):", "", "```text",
                  *text.splitlines()[-8:], "```", ""]
    if not notes:
        notes = ["No measurement failed, no server wrote to stderr, and no reply was an error.", ""]
    out += ["## Problems", ""] + section("problems", notes)

    out += ["## The parser alone", ""]
    parser_notes = []
    if "parser_load_average" in machine:
        parser_notes = [(f"The machine's load average (1 minute) was {machine['parser_load_average']} "
                         "when the parser measurement ended."), ""]
    out += section("parser", [resp_parser_bench.markdown_table(parser_results, parser_step), *parser_notes])

    out += ["## Sentences for the page", "",
            "Each is computed from the measurements above, so that the page's prose says what its tables say.",
            ""]
    for name, lines in findings.findings(measurements, labels, tools[REDIS_BENCHMARK], tools[LINE_LOAD],
                                         parser_results).items():
        out += section(name, lines)
    return "\n".join(out)


def draw_share_chart(path: Path, tool: str, tests: list[str], targets: list[Target],
                     measurements: list[Measurement], runs: int, footer: str,
                     skipped: dict[str, dict[str, str]]) -> None:
    """Each step's rate as a share of Redis's, within each run: one panel per mode,
    one line per test across the steps; the dot is the median of the runs, the
    whisker goes from the lowest run's share to the highest.

    Drawn tall and narrow, with large type, so that it can be read at the width
    of a phone as well as beside the text on a desktop."""
    import matplotlib
    matplotlib.use("Agg")  # no display: write files only
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    table = findings.by_run(measurements)
    shown = [t for t in targets if t.name != "redis"
             and any((tool, m.key, t.name, test) in table for m in MODES for test in tests)]
    plt.rcParams.update({"font.size": 16, "axes.titlesize": 16, "axes.labelsize": 16,
                         "xtick.labelsize": 15, "ytick.labelsize": 15, "legend.fontsize": 15})
    fig, axes = plt.subplots(len(MODES), 1, figsize=(6.2, 3.6 * len(MODES) + 2.4), sharex=True,
                             layout="constrained")
    colors = plt.get_cmap("tab10").colors  # type: ignore[attr-defined]
    markers = "osD^v"
    dodge = 0.5 / max(1, len(tests))  # the tests side by side around each step
    panel_titles = {"c50": "50 clients", "c50-P16": "50 clients, pipeline 16",
                    "c1": "1 client, on the load's core"}
    for ax, mode in zip(axes, MODES):
        middles: list[float] = []
        tops: list[tuple[float, float]] = []  # (x, highest run) of every whisker
        for i, test in enumerate(tests):
            # The steps joined by a line; the reference, not a step, on its own.
            for group, line, label in (([t for t in shown if t.name != findings.REFERENCE], "-", test),
                                       ([t for t in shown if t.name == findings.REFERENCE], "none", None)):
                xs, ys, lows, highs = [], [], [], []
                for target in group:
                    ratios = findings.run_ratios(table, (tool, mode.key, target.name, test),
                                                 (tool, mode.key, "redis", test))
                    if ratios:
                        xs.append(shown.index(target) + (i - (len(tests) - 1) / 2) * dodge)
                        ys.append(statistics.median(ratios))
                        lows.append(min(ratios))
                        highs.append(max(ratios))
                if not xs:
                    continue
                middles += ys
                tops += zip(xs, highs)
                ax.errorbar(xs, ys,
                            yerr=[[y - lo for y, lo in zip(ys, lows)], [hi - y for y, hi in zip(ys, highs)]],
                            linestyle=line, marker=markers[i % len(markers)], markersize=6, linewidth=1.2,
                            elinewidth=1, capsize=2, color=colors[i % len(colors)], label=label)
        ax.axhline(1.0, color="0.25", linestyle="--", linewidth=1.2, label="Redis")
        ax.set_title(panel_titles.get(mode.key, mode.short), loc="left", fontweight="bold")
        ax.set_ylabel("share of Redis")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{100 * value:.0f}%"))
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
        # The scale follows the medians and Redis's line. A whisker that a
        # single wild run stretched far above them is cut at the top, and
        # its end is written there instead.
        limit = max(1.15, 1.35 * max(middles, default=1), min(max((h for _x, h in tops), default=1) * 1.08,
                                                              2 * max(middles, default=1)))
        ax.set_ylim(0, limit)
        clipped: dict[int, tuple[float, float]] = {}  # per step, the highest clipped whisker
        for x, high in tops:
            if high > limit and high > clipped.get(round(x), (0, 0))[1]:
                clipped[round(x)] = (x, high)
        for x, high in clipped.values():
            ax.annotate(f"{100 * high:.0f}% ↑", (x, limit), xytext=(0, -3), textcoords="offset points",
                        ha="center", va="top", fontsize=11, color="0.2", rotation=90,
                        bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none"})
    axes[-1].set_xticks(range(len(shown)), ["ref" if t.name == findings.REFERENCE else t.name for t in shown])
    axes[-1].set_xlabel("step" + ("  (ref: the pure-Python SET/GET reference)"
                                  if any(t.name == findings.REFERENCE for t in shown) else ""))
    axes[-1].set_xlim(-0.6, len(shown) - 0.4)
    what = "redis-benchmark" if tool == REDIS_BENCHMARK else "bench/line_load.py"
    handles, names = axes[0].get_legend_handles_labels()
    order = sorted(range(len(names)), key=lambda i: names[i] == "Redis")  # the tests first, Redis last
    handles, names = [handles[i] for i in order], [names[i] for i in order]
    # The title is the legend's: constrained layout then keeps the two together, above the panels.
    title = (f"Each step's rate as a share of Redis's\nin the same run, measured with {what}\n"
             f"dots: median of {runs} runs; whiskers: lowest to highest")
    legend = fig.legend(handles, names, ncols=min(len(names), 3), loc="outside upper center", frameon=False,
                        columnspacing=1.0, handletextpad=0.3, title=title, title_fontsize=16)
    legend.get_title().set_multialignment("center")
    fig.supxlabel(footer, fontsize=8, color="0.4", wrap=True)
    fig.savefig(path, dpi=200)  # shown at most 620 px wide: sharp on any screen
    plt.close(fig)


def short_rate(value: float) -> str:
    """12345 -> "12k", 1234567 -> "1.2M": short enough for a progress line."""
    def trim(number: str) -> str:  # "1.0" -> "1"
        return number.rstrip("0").rstrip(".") if "." in number else number

    if value >= 1e6:
        return trim(f"{value / 1e6:.1f}") + "M"
    if value >= 1e3:
        return (f"{value / 1e3:.0f}" if value >= 1e4 else trim(f"{value / 1e3:.1f}")) + "k"
    return f"{value:.0f}"


def draw_parser_chart(path: Path, results: list[resp_parser_bench.ParserResult], step: str, footer: str) -> None:
    """Time against input size, log-log: a straight line of slope 1 means linear.
    Two panels one above the other, large type: readable on a phone too."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 16, "axes.titlesize": 16, "axes.labelsize": 16,
                         "xtick.labelsize": 15, "ytick.labelsize": 15, "legend.fontsize": 14})
    fig, axes = plt.subplots(2, 1, figsize=(6.2, 9.6))
    panels = (("pipeline", "SET commands in one pipeline", 1, "Pipelines"),
              ("value", "size of one SET's value (MB)", resp_parser_bench.MB, "Large values"))
    for ax, (what, xlabel, unit, title) in zip(axes, panels):
        for chunk, marker in ((resp_parser_bench.CHUNK, "o"), (resp_parser_bench.SMALL_CHUNK, "s")):
            points = [(r.size / unit, r.seconds * 1000) for r in results if r.what == what and r.chunk == chunk]
            if points:
                ax.plot(*zip(*points), marker=marker, linestyle="-" if len(points) > 1 else "none",
                        label=f"fed in {chunk // 1024} KB chunks", markersize=8)
        # The straight line through the largest input, scaled down in
        # proportion: where the measurements sit on it, the cost is linear.
        largest = max((r for r in results if r.what == what and r.chunk == resp_parser_bench.CHUNK),
                      key=lambda r: r.size)
        sizes = sorted({r.size for r in results if r.what == what})
        ax.plot([s / unit for s in sizes], [largest.seconds * 1000 * s / largest.size for s in sizes],
                linestyle=":", color="0.5", label="proportional to size")
        if what == "value":
            # Large values cost mostly fresh memory: say how many pages the
            # kernel had to provide, next to each point.
            smallest = min(r.size for r in results if r.what == what)
            for r in results:
                if r.what == what and r.chunk == resp_parser_bench.CHUNK:
                    # The largest on its left, inside the axes; the smallest above, the rest below.
                    if r.size == largest.size:
                        offset, ha, va = (-10, -4), "right", "top"
                    elif r.size == smallest:
                        offset, ha, va = (10, 4), "left", "bottom"
                    else:
                        offset, ha, va = (12, -8), "left", "top"
                    ax.annotate(f"{r.page_faults:,.0f} page faults", (r.size / unit, r.seconds * 1000),
                                textcoords="offset points", xytext=offset, ha=ha, va=va,
                                fontsize=14, color="0.3")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("time to parse (ms)")
        ax.grid(which="major", alpha=0.3)
        ax.legend(loc="lower right")  # the points rise from lower left to upper right
        ax.set_title(title, loc="left", fontweight="bold")
    fig.suptitle(f"The RESP parser alone (steps/{step}/resp.py)\ntime to parse against input size, log-log; "
                 "points along\nthe dotted line: a cost proportional to size", fontsize=15)
    fig.text(0.01, 0.004, footer, fontsize=8, color="0.4", wrap=True)
    fig.tight_layout(rect=(0, 0.02, 1, 1))
    fig.savefig(path, dpi=200)  # shown at most 620 px wide: sharp on any screen
    plt.close(fig)


# --------------------------------------------------------------------------
# The run.
# --------------------------------------------------------------------------

@dataclass
class Report:
    """Everything a run found: what results.json holds and the rest is drawn from."""
    date: str
    machine: dict[str, str]
    command: str
    runs: int
    requests: int
    targets: list[Target]
    skipped: dict[str, dict[str, str]]
    server_errors: dict[str, str]
    measurements: list[Measurement]
    parser_step: str
    parser_results: list[resp_parser_bench.ParserResult]


def write_outputs(report: Report, out: Path) -> str:
    """Write results.md, results.json and the charts into `out`; return the Markdown."""
    out.mkdir(parents=True, exist_ok=True)
    tools = {REDIS_BENCHMARK: list(REDIS_BENCHMARK_TESTS), LINE_LOAD: list(LINE_LOAD_TESTS)}
    markdown = results_markdown(report.targets, report.measurements, tools, report.parser_results,
                                report.parser_step, report.machine, report.command, report.date, report.runs,
                                report.requests, report.skipped, report.server_errors)
    (out / "results.md").write_text(markdown)
    raw = {
        "date": report.date,
        "machine": report.machine,
        "command": report.command,
        "runs": report.runs,
        "requests": report.requests,
        "modes": [vars(mode) | {"requests": round(report.requests * mode.scale)} for mode in MODES],
        "targets": [{"name": t.name, "label": t.label, "argv": t.argv, "speaks_resp": t.speaks_resp,
                     "restarts": t.restarts} for t in report.targets],
        "skipped": report.skipped,
        "server_stderr": report.server_errors,
        "measurements": [vars(m) for m in report.measurements],
        "medians": [{"tool": k[0], "mode": k[1], "target": k[2], "test": k[3], "requests_per_second": v}
                    for k, v in medians(report.measurements).items()],
        "parser": {"step": report.parser_step, "results": resp_parser_bench.as_json(report.parser_results)},
    }
    (out / "results.json").write_text(json.dumps(raw, indent=1) + "\n")
    footer = f"{report.date} · {machine_line(report.machine)}"
    for tool, tests, name in ((REDIS_BENCHMARK, REDIS_BENCHMARK_TESTS, "redis-benchmark.png"),
                              (LINE_LOAD, LINE_LOAD_TESTS, "line-load.png")):
        draw_share_chart(out / name, tool, list(tests), report.targets, report.measurements, report.runs,
                         footer, report.skipped)
    draw_parser_chart(out / "parser.png", report.parser_results, report.parser_step, footer)
    return markdown


def report_from_json(path: Path) -> Report:
    """Read back what write_outputs() saved, to redraw without measuring again."""
    raw = json.loads(path.read_text())
    targets = [Target(name=t["name"], label=t["label"], argv=t["argv"], speaks_resp=t["speaks_resp"],
                      restarts=t["restarts"]) for t in raw["targets"]]
    parser_fields = ("what", "size", "chunk", "input_bytes", "seconds", "page_faults")
    return Report(
        raw["date"], raw["machine"], raw["command"], raw["runs"], raw["requests"], targets, raw["skipped"],
        raw["server_stderr"], [Measurement(**m) for m in raw["measurements"]], raw["parser"]["step"],
        [resp_parser_bench.ParserResult(**{k: r.get(k, 0) for k in parser_fields})
         for r in raw["parser"]["results"]])


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", help="comma-separated step numbers (default: every step from "
                        f"{FIRST_BENCHMARKED_STEP:02d} on)")
    # More, shorter runs make a better median than fewer, longer ones on a
    # machine that other work shares: a disturbed run is outvoted.
    parser.add_argument("--runs", type=int, default=5, help="interleaved runs; the median is reported (default 5)")
    parser.add_argument("--requests", type=int, default=25_000,
                        help="requests per test and run with 50 clients; pipelined runs send 4 times as "
                             "many, the 1-client runs 0.4 times as many (default 25000)")
    parser.add_argument("--no-reference", action="store_true",
                        help="leave out bench/reference_server.py, the pure-Python SET/GET reference")
    parser.add_argument("--processes", type=int, default=1,
                        help="processes line_load.py spreads its clients over (default 1: on 2 cores a "
                             "second one competes with the server)")
    parser.add_argument("--parser-step", help="step whose resp.py the parser benchmark times "
                        "(default: the last chosen step that has one)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance",
                        help="where results.md, results.json and the charts go (default docs/performance/)")
    parser.add_argument("--redraw", action="store_true",
                        help="measure nothing: rewrite results.md and the charts from OUT/results.json")
    parser.add_argument("--parser-only", action="store_true",
                        help="measure the parser again, keep the load results of OUT/results.json")
    return parser.parse_args()


def reproduce_command(args: argparse.Namespace, steps: list[str]) -> str:
    """The command that repeats this run, with every setting spelled out."""
    argv = [".venv/bin/python", "bench/run.py", "--steps", ",".join(steps), "--runs", str(args.runs),
            "--requests", str(args.requests)]
    if args.no_reference:
        argv.append("--no-reference")
    if args.processes != 1:
        argv += ["--processes", str(args.processes)]
    if args.parser_step:
        argv += ["--parser-step", args.parser_step]
    out = args.out.resolve()
    if out != (ROOT / "docs" / "performance").resolve():
        argv += ["--out", str(args.out)]
    return ".venv/bin/pip install -r bench/requirements.txt\n" + shlex.join(argv)


def main() -> None:
    args = parse_args()
    try:
        import matplotlib  # noqa: F401 - checked now rather than after the whole run
    except ImportError:
        sys.exit("matplotlib is missing: .venv/bin/pip install -r bench/requirements.txt")
    if args.redraw or args.parser_only:
        report = report_from_json(args.out / "results.json")
        if args.parser_only:
            if args.parser_step:
                report.parser_step = sorted(STEPS_DIR.glob(f"{int(args.parser_step):02d}_*/"))[-1].name
            step_dir = STEPS_DIR / report.parser_step
            print(f"parser benchmark on steps/{step_dir.name}/resp.py", flush=True)
            report.parser_results = resp_parser_bench.measure(step_dir, repeat=5)
            report.machine["parser_load_average"] = f"{os.getloadavg()[0]:.1f}"
        print(write_outputs(report, args.out))
        return
    if args.steps:
        steps = [f"{int(s):02d}" for s in args.steps.split(",")]
        if any(int(s) < FIRST_BENCHMARKED_STEP for s in steps):
            # Step 01 hangs up after its greeting and step 02 serves one client
            # at a time: neither can take 50 clients at once.
            sys.exit("steps before 03 cannot be benchmarked: they serve one client at a time")
    else:
        steps = every_step()
    targets = find_steps(steps) + ([] if args.no_reference else [reference_target()]) + [redis_target()]
    parser_step_dirs = [p.parent for s in steps for p in STEPS_DIR.glob(f"{s}_*/resp.py")]
    if args.parser_step:
        parser_step_dirs = sorted(STEPS_DIR.glob(f"{int(args.parser_step):02d}_*/"))
    if not parser_step_dirs:
        sys.exit("none of the chosen steps has a resp.py for the parser benchmark")
    parser_step_dir = max(parser_step_dirs)

    machine = machine_description()
    date = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = reproduce_command(args, steps)
    print(f"{date}, {machine_line(machine)}", flush=True)
    began = time.monotonic()
    load_before = os.getloadavg()[0]

    measurements: list[Measurement] = []
    skipped: dict[str, dict[str, str]] = {}
    run_loads: list[float] = []  # the load average as each run starts
    log_dir = Path(tempfile.mkdtemp(prefix="bench-logs-"))
    try:
        for target in targets:
            target.log_dir = log_dir
            target.start()
            print(f"started {target.label} on port {target.port}", flush=True)
            refusals = {test: reply for test, reply in supported_line_tests(target).items() if reply}
            if refusals:
                skipped[target.name] = refusals
        # What one run measures, in this order: each mode, each test in it,
        # and each target on that test, one right after the other. So the
        # measurements a share of Redis is taken from (a step's SET and
        # Redis's SET, in the same mode and run) are seconds apart, not
        # minutes, and meet the same load from whatever else the machine runs.
        groups: list[tuple[str, tuple[str, ...]]] = [
            (REDIS_BENCHMARK, ("PING_INLINE", "PING_MBULK")), (REDIS_BENCHMARK, ("SET",)),
            (REDIS_BENCHMARK, ("GET",)), (REDIS_BENCHMARK, ("INCR",)),
            *((LINE_LOAD, (test,)) for test in LINE_LOAD_TESTS)]
        for run in range(1, args.runs + 1):
            run_loads.append(os.getloadavg()[0])
            # Each run starts with another target, so that no target always
            # comes first after a pause or last after the others.
            shift = (run - 1) % len(targets)
            order = targets[shift:] + targets[:shift]
            for mode in MODES:
                requests = round(args.requests * mode.scale)
                for tool, tests in groups:
                    batch: list[Measurement] = []
                    for target in order:
                        if tool == REDIS_BENCHMARK and not target.speaks_resp:
                            continue
                        # A command the target refused when probed is not
                        # measured with either tool: redis-benchmark would
                        # count its error replies as answers.
                        refused = skipped.get(target.name, {})
                        if any(REDIS_BENCHMARK_OPTION.get(test, test).upper() in refused for test in tests):
                            continue
                        with on_one_core(target) if mode.same_core else contextlib.nullcontext():
                            if tool == REDIS_BENCHMARK:
                                batch += run_redis_benchmark(target, mode, requests, run, tests)
                            else:
                                batch.append(run_line_load(target, mode, tests[0], requests, run,
                                                           args.processes))
                        # A server that crashed is restarted, so the other
                        # measurements go on; the crash is reported at the end.
                        if not target.alive():
                            print(f"    {target.label} died; restarting it. stderr: {target.stderr_path}",
                                  flush=True)
                            target.restarts += 1
                            target.start()
                    measurements += batch
                    summary = "  ".join(
                        f"{m.target}{'' if len(tests) == 1 else ':' + m.test.split('_')[-1].lower()}="
                        f"{short_rate(m.requests_per_second) if m.requests_per_second else 'FAILED'}"
                        for m in batch)
                    print(f"[run {run}/{args.runs} {time.monotonic() - began:5.0f}s] {mode.short:<11} "
                          f"{TOOL_SHORT[tool]} {'+'.join(tests)}: {summary}", flush=True)
                    for m in batch:
                        if m.error:
                            print(f"    {m.target} {m.tool} {m.test}: {m.error}", flush=True)
    finally:
        for target in targets:
            target.stop()

    # Other programs running on the machine at the same time take CPU from
    # both the servers and the load generators: say how busy it was. (Our own
    # servers and load generators count too, so a quiet 2-core machine shows
    # about 1-2 once the runs are going.)
    later = ", ".join(f"{load:.1f}" for load in run_loads[1:])
    machine["load_average"] = (f"{load_before:.1f} before the runs, "
                               + (f"{later} as each later run began, " if later else "")
                               + f"{os.getloadavg()[0]:.1f} at the end")
    print(f"parser benchmark on steps/{parser_step_dir.name}/resp.py", flush=True)
    parser_results = resp_parser_bench.measure(parser_step_dir, repeat=5)
    machine["parser_load_average"] = f"{os.getloadavg()[0]:.1f}"

    # Everything a server printed to stderr is worth a look: a traceback there
    # is a bug the load found. Steps from 18 on log there, in Redis's format.
    server_errors = {}
    for target in targets:
        lines = target.stderr_path.read_text(errors="replace").splitlines()
        text = "\n".join(line for line in lines if not EXPECTED_LOG.match(line)).strip()[-4000:]
        if target.restarts:
            text = f"(it died and was restarted {target.restarts} times)\n{text}"
        if text:
            server_errors[target.name] = text
            print(f"!! {target.label} wrote to stderr:\n{text[-2000:]}")

    report = Report(date, machine, command, args.runs, args.requests, targets, skipped, server_errors,
                    measurements, parser_step_dir.name, parser_results)
    markdown = write_outputs(report, args.out)
    print(markdown)
    if server_errors:
        print(f"the servers' output is kept in {log_dir}")
    else:
        shutil.rmtree(log_dir)
    print(f"wrote {args.out}/results.md, results.json, redis-benchmark.png, line-load.png, parser.png "
          f"in {time.monotonic() - began:.0f} s")


if __name__ == "__main__":
    main()
