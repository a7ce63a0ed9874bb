"""Every page's "Try it" session, replayed against its step.

docs/sessions/NN_slug.console is what a reader types (lines starting with
"$ ") and what they see (the lines up to the next "$ "). The page includes the
file, and this test runs each command with bash against step NN and compares
stdout, so a page can never show output its step does not produce. From step
05 on the sessions are Redis behaviour, so --against-redis replays them
against a real redis-server as well. Under --server-cmd they skip: they show
this series' own steps.
"""

import subprocess
from pathlib import Path

import pytest

from conftest import FIRST_RESP_STEP, ROOT, STEPS, Target, start_target
from clients import RawConnection

SESSIONS = sorted((ROOT / "docs" / "sessions").glob("[0-9][0-9]_*.console"))


def parse_session(path: Path) -> list[tuple[str, str]]:
    """[(command, expected stdout), ...]"""
    steps: list[tuple[str, list[str]]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif steps:
            steps[-1][1].append(line)
        else:
            raise ValueError(f"{path.name}: output before the first '$ ' command: {line!r}")
    return [(command, "\n".join(output)) for command, output in steps]


def target_for(config: pytest.Config, step: int) -> Target | None:
    chosen = config.getoption("--step")
    if chosen is not None and step != chosen:
        return None
    if config.getoption("--against-redis"):
        return Target("redis", step) if step >= FIRST_RESP_STEP else None
    return Target("step", step)


@pytest.mark.parametrize("session", SESSIONS, ids=[path.stem for path in SESSIONS])
def test_session_shows_what_the_step_prints(request, session):
    step = int(session.name[:2])
    assert step in STEPS, f"{session.name} names no step"
    target = target_for(request.config, step)
    if target is None:
        pytest.skip("this run is not about this step's server")
    server = start_target(request.config, target)
    try:
        if target.kind == "redis":
            connection = RawConnection(server.host, server.port)
            connection.call("FLUSHALL")  # the session starts from an empty server, as with a step
            connection.close()
        # A bare `redis-cli` in a session means the step's server, wherever it listens.
        prelude = f'redis-cli() {{ command redis-cli -p {server.port} "$@"; }}\n'
        for command, expected in parse_session(session):
            result = subprocess.run(["bash", "-c", prelude + command.replace("6379", str(server.port))],
                                    cwd=ROOT, stdin=subprocess.DEVNULL, capture_output=True,
                                    text=True, timeout=30)
            assert result.stdout.rstrip("\n") == expected.rstrip("\n"), f"$ {command}"
    finally:
        server.stop()
