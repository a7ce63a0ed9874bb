"""Ratios measured within one run, and the sentences the Performance page quotes.

The machine the benchmarks run on is shared: other programs take CPU from the
servers and the load generators while they run, more in one minute than in
the next. bench/run.py measures every target once per run, in turn, so the
targets of one run meet roughly the same weather. A ratio taken within a run
(step 07's SET over Redis's SET, both from run 3) cancels most of what the
machine was doing at the time; a ratio of medians taken over different runs
would not. So every share of Redis on the Performance page is the median,
over the runs, of such within-run ratios.

The page's prose must never contradict its tables, and it is easy to write a
sentence that was true of the last run and is not of this one. So the
sentences with numbers in them are written here, from the measurements,
into sections of results.md that the page includes where the prose needs
them. This module knows nothing about servers or sockets: it reads
Measurement records (see run.py) and parser results.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from typing import Protocol

MB = 1024 * 1024
# The name of bench/reference_server.py among the targets: not a step, so the
# sentences about steps leave it out, and one sentence of its own compares it.
REFERENCE = "reference"


class MeasurementLike(Protocol):
    run: int
    target: str
    tool: str
    mode: str
    test: str
    requests_per_second: float | None


Key = tuple[str, str, str, str]  # (tool, mode, target, test)
MODE_WORDS = {"c50": "with 50 clients", "c50-P16": "pipelined", "c1": "with one client"}


def by_run(measurements: Iterable[MeasurementLike]) -> dict[Key, dict[int, float]]:
    """Every successful measurement, by key and then by run."""
    table: dict[Key, dict[int, float]] = {}
    for m in measurements:
        if m.requests_per_second:
            table.setdefault((m.tool, m.mode, m.target, m.test), {})[m.run] = m.requests_per_second
    return table


def run_ratios(table: dict[Key, dict[int, float]], over: Key, under: Key) -> list[float]:
    """over / under, within each run where both were measured."""
    a, b = table.get(over, {}), table.get(under, {})
    return [a[run] / b[run] for run in sorted(a.keys() & b.keys())]


def share_of_redis(table: dict[Key, dict[int, float]]) -> dict[Key, list[float]]:
    """For every measurement of a target other than Redis: its rate as a share of
    Redis's, with the same tool, mode and test, within each run."""
    shares = {}
    for key in table:
        tool, mode, target, test = key
        if target != "redis":
            ratios = run_ratios(table, key, (tool, mode, "redis", test))
            if ratios:
                shares[key] = ratios
    return shares


def median_share(table: dict[Key, dict[int, float]], key: Key) -> float | None:
    tool, mode, _target, test = key
    ratios = run_ratios(table, key, (tool, mode, "redis", test))
    return statistics.median(ratios) if ratios else None


# --- numbers as words -------------------------------------------------------------------------


def percent(share: float) -> str:
    value = 100 * share
    return f"{value:.0f}%" if value >= 10 else f"{value:.1f}%"


def times(factor: float) -> str:
    return f"{factor:.1f}" if factor < 10 else f"{factor:.0f}"


def rate(value: float) -> str:
    """Requests a second, rounded to what a run can tell apart: 14,400, 153,000, 1.2 million."""
    if value >= 1e6:
        return f"{value / 1e6:.1f} million"
    digits = len(str(int(value)))
    rounded = round(value, -max(0, digits - 3))
    return f"{rounded:,.0f}"


def span(values: Sequence[float], show) -> str:
    """"a to b", or one value when both ends read the same."""
    low, high = show(min(values)), show(max(values))
    return low if low == high else f"{low} to {high}"


def percent_span(values: Sequence[float], dash: bool = False) -> str:
    """"17% to 41%", written "17 to 41%" (or "17–41%" in a table); one value when
    both ends read the same."""
    low, high = percent(min(values)), percent(max(values))
    if low == high:
        return low
    return f"{low.rstrip('%')}{'–' if dash else ' to '}{high}"


def verb(subject: str, singular: str, plural: str) -> str:
    """The verb that agrees with "step 05" or "steps 07 to 13"."""
    return plural if subject.startswith("steps ") else singular


def names(labels: Sequence[str]) -> str:
    """step 07, step 08, step 09 -> "steps 07 to 09"; two -> "steps 05 and 06"."""
    numbers = [label.removeprefix("step ") for label in labels]
    if len(numbers) == 1:
        return f"step {numbers[0]}"
    if len(numbers) == 2:
        return f"steps {numbers[0]} and {numbers[1]}"
    return f"steps {numbers[0]} to {numbers[-1]}"


# --- the sentences ----------------------------------------------------------------------------


def findings(measurements: Sequence[MeasurementLike], labels: dict[str, str], redis_tests: Sequence[str],
             line_tests: Sequence[str], parser_results: Sequence[object]) -> dict[str, list[str]]:
    """Section name -> Markdown lines, for the sections of results.md the page includes.
    A sentence whose measurements are missing is left out, not guessed."""
    table = by_run(measurements)
    rb, ll = "redis-benchmark", "line_load"
    steps = [name for name in labels if name not in ("redis", REFERENCE)]
    threaded_resp = [s for s in steps if 5 <= int(s) < 7]  # RESP, a thread per client, the store's queue
    event_loop = [s for s in steps if int(s) >= 7]
    line_steps = [s for s in steps if int(s) < 5]

    def median_of(key: Key) -> float | None:
        runs = table.get(key)
        return statistics.median(runs.values()) if runs else None

    def shares(tool: str, mode: str, targets: Sequence[str], tests: Sequence[str]) -> list[float]:
        found = [median_share(table, (tool, mode, t, test)) for t in targets for test in tests]
        return [s for s in found if s is not None]

    def factors(tool: str, targets: Sequence[str], tests: Sequence[str], mode_over: str, mode_under: str,
                target_under: str | None = None) -> list[float]:
        """Median within-run ratio, for each target and test, of one mode (or target) over another."""
        out = []
        for t in targets:
            for test in tests:
                ratios = run_ratios(table, (tool, mode_over, t, test),
                                    (tool, mode_under, target_under or t, test))
                if ratios:
                    out.append(statistics.median(ratios))
        return out

    def label_list(targets: Sequence[str]) -> str:
        return names([labels[t] for t in targets])

    out: dict[str, list[str]] = {}

    # Threads and a queue: step 04's PING against its SET and INCR, step 03 against 04.
    lines = []
    if "04" in labels:
        first = ""
        stored = [(test, r) for test in ("SET", "INCR")
                  if (r := run_ratios(table, (ll, "c50", "04", test), (ll, "c50", "04", "PING")))]
        if stored:
            parts = " and ".join(f"`{test}` {percent(statistics.median(r))}" for test, r in stored)
            first = (f"With 50 clients (line_load.py), step 04's commands that go through the store's "
                     f"thread reach a fraction of the rate of its `PING`, which does not: {parts} of it.")
        if "03" in labels and (r := run_ratios(table, (ll, "c50", "03", "PING"), (ll, "c50", "04", "PING"))):
            first += (f" Step 03, which has no store, answers `PING` at {percent(statistics.median(r))} "
                      "of step 04's rate.")
        if first:
            lines.append(first.strip())
    if threaded_resp and "04" in labels:
        r = factors(ll, threaded_resp[:1], ["SET"], "c50", "c50", target_under="04")
        s = shares(rb, "c50", threaded_resp[:1], redis_tests)
        if r and s:
            lines.append(f"Step 05 sends every command through the store's thread, `PING` included: with 50 "
                         f"clients its `SET` runs at {percent(r[0])} of step 04's `SET` rate (line_load.py), "
                         f"and redis-benchmark puts it at {percent_span(s)} of Redis's rate, over the five "
                         "tests.")
    if lines:
        out["queue"] = [" ".join(lines), ""]

    # One client: the price of the thread hop per round trip.
    if threaded_resp and event_loop:
        f = factors(rb, event_loop[:1], redis_tests, "c1", "c1", target_under=threaded_resp[0])
        if f:
            out["queue-one-client"] = [
                f"With one client, step {event_loop[0]} gets through {span(f, times)} times as many round trips "
                f"a second as step {threaded_resp[0]}, over the five tests of redis-benchmark: the difference "
                "is the thread switches and the queue.", ""]

    # The event loop without pipelining.
    if threaded_resp and event_loop:
        f = factors(rb, event_loop[:1], redis_tests, "c50", "c50", target_under=threaded_resp[0])
        s = shares(rb, "c50", event_loop, redis_tests)
        every = [x for t in event_loop for test in redis_tests for x in
                 run_ratios(table, (rb, "c50", t, test), (rb, "c50", "redis", test))]
        if f and s:
            out["event-loop"] = [
                f"With 50 clients, step {event_loop[0]} does {span(f, times)} times as many requests a second "
                f"as step {threaded_resp[0]} (redis-benchmark, over its five tests), and {label_list(event_loop)} "
                f"{verb(label_list(event_loop), 'reaches', 'reach')} {percent_span(s)} of Redis's rate: the "
                "median of the runs, for each step and test. "
                f"Single runs ranged from {percent_span(every)}.", ""]

    # Pipelining.
    lines = []
    redis_p16 = [v for test in redis_tests if (v := median_of((rb, "c50-P16", "redis", test)))]
    gain = factors(rb, ["redis"], redis_tests, "c50-P16", "c50")
    if redis_p16 and gain:
        lines.append(f"Pipelined, Redis answers {span(redis_p16, rate)} requests a second, "
                     f"{span(gain, times)} times its rate without pipelining (redis-benchmark).")
    if event_loop:
        g = factors(rb, event_loop, redis_tests, "c50-P16", "c50")
        s = shares(rb, "c50-P16", event_loop, redis_tests)
        if g and s:
            who = label_list(event_loop)
            lines.append(f"{who.capitalize()} {verb(who, 'gains', 'gain')} {span(g, times)} times, and "
                         f"{verb(who, 'reaches', 'reach')} {percent_span(s)} of Redis's pipelined rate, "
                         "depending on the command and the step.")
    if threaded_resp:
        g = factors(rb, threaded_resp, redis_tests, "c50-P16", "c50")
        if g:
            who = label_list(threaded_resp)
            lines.append(f"{who.capitalize()} {verb(who, 'gains', 'gain')} {span(g, times)} times.")
    if lines:
        out["pipelining"] = [" ".join(lines), ""]

    # Nagle and delayed ACKs: steps 03 and 04 pipelined.
    if line_steps:
        piped = [v for t in line_steps for test in line_tests if (v := median_of((ll, "c50-P16", t, test)))]
        if piped:
            who = label_list(line_steps)
            alike = ", whatever the command" if max(piped) < 1.25 * min(piped) else ""
            before = []
            for test in line_tests:
                plain = [v for t in line_steps if (v := median_of((ll, "c50", t, test)))]
                if plain:
                    before.append(f"`{test}` {span(plain, rate)}")
            sentence = (f"Pipelined, {who} {verb(who, 'manages', 'manage')} {span(piped, rate)} requests a "
                        f"second with line_load.py{alike}.")
            if before:
                sentence += " Without pipelining, the same tool measured " + ", ".join(before) + "."
            out["nagle"] = [sentence, ""]

    # How much the machine's weather moved the numbers.
    swings = []
    for key, runs in table.items():
        if key[2] == "redis" and len(runs) > 1:
            swings.append((max(runs.values()) / min(runs.values()), key))
    if swings:
        factor, (tool, mode, _target, test) = max(swings)
        typical = statistics.median(f for f, _key in swings)
        out["noise"] = [
            f"Redis itself, measured the same way in every run, was up to {times(factor)} times faster in its "
            f"best run than in its worst (`{test}`, {tool}, {MODE_WORDS.get(mode, mode)}); over all its "
            f"measurements, typically {times(typical)} times.", ""]

    # How much the shares disagreed from run to run, mode by mode.
    disagreement = {}
    for mode in ("c50", "c50-P16", "c1"):
        found = []
        for key in table:
            if key[1] == mode and key[2] in steps:
                ratios = run_ratios(table, key, (key[0], mode, "redis", key[3]))
                if len(ratios) > 1:
                    found.append((max(ratios) - min(ratios)) / statistics.median(ratios))
        if found:
            disagreement[mode] = statistics.median(found)
    if "c50" in disagreement and len(disagreement) > 1:
        others = ", ".join(f"{percent(v)} {MODE_WORDS[m]}" for m, v in disagreement.items() if m != "c50")
        most = max(disagreement, key=disagreement.__getitem__) == "c50"
        out["spread-c50"] = [
            f"From one run to the next, a step's share of Redis moved {'more in this mode than in the others' if most else 'in this mode'}: "
            f"typically by {percent(disagreement['c50'])} of its median (largest minus smallest), against "
            f"{others}.", ""]

    # The pure-Python reference beside the last event-loop step.
    if REFERENCE in labels and event_loop:
        last = event_loop[-1]
        parts = []
        for mode in ("c50", "c50-P16"):
            ref = shares(rb, mode, [REFERENCE], ["SET", "GET"])
            step = shares(rb, mode, [last], ["SET", "GET"])
            ahead = factors(rb, [REFERENCE], ["SET", "GET"], mode, mode, target_under=last)
            if ref and step and ahead:
                parts.append(f"{MODE_WORDS[mode]}, it reaches {percent_span(ref)} of Redis's rate, where step "
                             f"{last} reaches {percent_span(step)}: {span(ahead, times)} times step {last}'s rate")
        if parts:
            out["reference"] = [
                "The pure-Python SET/GET server (`bench/reference_server.py`), on `SET` and `GET` with "
                f"redis-benchmark: {'; '.join(parts)}.", ""]

    # Redis without pipelining, as redis-benchmark measures it.
    c50 = [v for test in redis_tests if (v := median_of((rb, "c50", "redis", test)))]
    if c50:
        out["redis-c50"] = [
            f"Without pipelining, 50 clients get {span(c50, rate)} requests a second out of Redis on this "
            "machine (redis-benchmark, medians of the runs).", ""]

    # One client, on one core.
    c1 = [v for test in redis_tests if (v := median_of((rb, "c1", "redis", test)))]
    if c1:
        sentence = f"Redis does {span(c1, rate)} round trips a second like this (redis-benchmark)"
        parts = []
        for group in (event_loop, threaded_resp):
            s = shares(rb, "c1", group, redis_tests)
            if s:
                parts.append(f"{label_list(group)} {percent_span(s)}" if parts else
                             f"{label_list(group)} {verb(label_list(group), 'reaches', 'reach')} "
                             f"{percent_span(s)} of that")
        if parts:
            sentence += "; " + ", and ".join(parts)
        out["one-client"] = [sentence + ".", ""]

    # The parser on its own.
    pipelines = [r for r in parser_results if r.what == "pipeline"]
    values = [r for r in parser_results if r.what == "value"]
    lines = []
    if pipelines:
        per_command = [r.seconds / r.size * 1e6 for r in pipelines]
        sizes = sorted({r.size for r in pipelines})
        def per_set(size: int) -> str:
            return span([r.seconds / r.size * 1e6 for r in pipelines if r.size == size], lambda v: f"{v:.1f}")

        lines.append(f"The parser takes {per_set(sizes[0])} µs per `SET` command in a pipeline of "
                     f"{sizes[0]:,} commands, and {per_set(sizes[-1])} µs in one of {sizes[-1]:,}.")
    # The same input fed in small chunks and in large ones.
    chunked = []
    for r in parser_results:
        same = [o for o in parser_results if o.what == r.what and o.size == r.size and o.chunk > r.chunk]
        chunked += [r.seconds / o.seconds for o in same]
    if chunked:
        verdict = (": about the same, so a command or a value that arrives in many small pieces is not "
                   "re-scanned" if max(chunked) < 1.3 and min(chunked) > 0.77 else "")
        lines.append(f"Fed in 4 KB chunks instead of 64 KB, 16 times as many calls, the same input took "
                     f"{span(chunked, lambda v: f'{v:.2f}')} times as long{verdict}.")
    if lines:
        out["parser-findings"] = [" ".join(lines), ""]
    lines = []
    if pipelines:
        typical = statistics.median(per_command)
        lines.append(f"At {typical:.1f} µs a command, parsing alone caps a Python server at about "
                     f"{rate(1e6 / typical)} `SET` commands a second on one core, before it has run one.")
        piped_sets = [v for s in event_loop if (v := median_of((rb, "c50-P16", s, "SET")))]
        if piped_sets:
            parsing = [v * typical / 1e6 for v in piped_sets]
            lines.append(f"Pipelined, {label_list(event_loop)} did {span(piped_sets, rate)} `SET` commands a "
                         f"second (redis-benchmark): at {typical:.1f} µs each, parsing alone would take "
                         f"roughly {percent_span(parsing)} of their time.")
    if lines:
        out["parser-cap"] = [" ".join(lines), ""]
    lines = []
    large = [r for r in values if r.size >= 10 * MB]
    if large:
        per_mb = [r.seconds / (r.size / MB) * 1000 for r in large]
        lines.append(f"A value of 10 MB or more costs {span(per_mb, lambda v: f'{v:.2f}')} ms per MB.")
        biggest = [r for r in large if r.size == max(x.size for x in large)]
        tenth = [r for r in large if r.size * 10 == biggest[0].size and r.chunk == biggest[0].chunk]
        if tenth:
            growth = (biggest[0].seconds / biggest[0].size) / (tenth[0].seconds / tenth[0].size)
            lines.append(f"From {tenth[0].size // MB} MB to {biggest[0].size // MB} MB, ten times the value, the "
                         f"cost per MB changed by a factor of {growth:.2f}; a cost proportional to size "
                         "keeps that factor near 1.")
        per_page = [r.page_faults / (r.size / 4096) for r in large]
        lines.append(f"It takes {span(per_page, lambda v: f'{v:.1f}')} page faults per 4 KB page of the "
                     "value.")
        small = [r for r in values if r.size < 10 * MB]
        if small:
            one = min(small, key=lambda r: r.size)
            ms = one.seconds / (one.size / MB) * 1000
            ratio = statistics.median(per_mb) / ms if ms else float("inf")
            if ratio >= 2:
                lines.append(f"The {one.size // MB} MB value costs {ms:.2f} ms per MB, {times(ratio)} times less, "
                             f"with {one.page_faults:,.0f} page faults against "
                             f"{span([r.page_faults for r in large], lambda v: f'{v:,.0f}')} for the large ones.")
            else:
                lines.append(f"The {one.size // MB} MB value costs about the same per MB, {ms:.2f} ms.")
    if lines:
        out["parser-values"] = [" ".join(lines), ""]
    redis_set = median_of((rb, "c50-P16", "redis", "SET"))
    if redis_set:
        out["parser-redis"] = [
            f"Redis, pipelined, gets through a whole `SET` (reading, parsing, running and replying) in "
            f"{1e6 / redis_set:.1f} µs.", ""]
    return out


def summary_table(table: dict[Key, dict[int, float]], tool: str, modes: Sequence[tuple[str, str]],
                  targets: Sequence[tuple[str, str]], tests: Sequence[str]) -> list[str]:
    """One row per target, one column per mode: its share of Redis, lowest to highest over the tests."""
    out = ["| target | " + " | ".join(title for _key, title in modes) + " |",
           "| --- | " + " | ".join("---:" for _ in modes) + " |"]
    for name, label in targets:
        cells = []
        for mode, _title in modes:
            found = [s for test in tests if (s := median_share(table, (tool, mode, name, test))) is not None]
            cells.append(percent_span(found, dash=True) if found else "n/a")
        if any(cell != "n/a" for cell in cells):
            out.append(f"| {label} | " + " | ".join(cells) + " |")
    return out
