"""How the suite decides which server each test talks to.

tests/test_NN_slug.py holds what step NN introduces. Each of its tests runs
against step NN and every later step, unless it is marked
`@pytest.mark.until(M)`: step M retired that behaviour (the line protocol of
steps 02-04 retires at step 05). Test ids say which server ran: [step05],
[redis], [custom].

    pytest                    every test against every step it applies to
    pytest --step 3           what step 03 must satisfy: tests of 01-03, against step 03
    pytest --against-redis    the Redis-behaviour tests, against a real redis-server
    pytest --step 5 --server-cmd './my-server --port {port}'
                              step 05's tests against a server you wrote

Two marks say where a test does not apply. not_redis: the series' own protocol
(step 01's greeting, the line protocol of steps 02-04), which Redis does not
speak; it skips against Redis, and a --server-cmd server is held to it.
own_steps: about our steps themselves (their files, their process, or choices
of theirs where Redis promises less, such as SCAN's paging); it runs against
our steps only. Under --server-cmd the docs and session tests skip too.

Each (test module, server) pair starts one server process, shared by the
module's tests and stopped at the end; under pytest-xdist (-n) the pair's
tests stay on one worker. A server that does not start, or does not answer
PING in its step's protocol, fails the module's first test with the reason
and skips the rest; so does one that dies, from the next test on. Tests keep out of each other's way by
using key names of their own (the `key` fixture); where the server knows
FLUSHALL, the data is also wiped between tests.
"""

from __future__ import annotations

import atexit
import os
import re
import select
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
import redis

# Plain asserts in the shared modules explain themselves as the tests' do.
pytest.register_assert_rewrite("clients", "helpers")

from clients import Client, ErrorReply, RawConnection, redis_py
from resp3 import Resp3Connection

ROOT = Path(__file__).resolve().parent.parent
STEPS = {int(path.name[:2]): path for path in sorted((ROOT / "steps").glob("[0-9][0-9]_*"))}
FIRST_RESP_STEP = 5  # steps before this speak the toy line protocol
# From this step on a server saves to disk, by default every so often into
# the directory it runs in; test servers get a scratch directory and, as
# redis-server does here, no save points unless a test asks for them.
FIRST_PERSISTENT_STEP = 17
STARTUP_TIMEOUT = 10  # seconds


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("steps", "which server the tests run against")
    group.addoption("--step", type=int, metavar="N",
                    help="run what step N must satisfy: the tests of steps 01..N, against step N")
    group.addoption("--against-redis", action="store_true",
                    help="run the Redis-behaviour tests against a real redis-server, to prove them")
    group.addoption("--server-cmd", metavar="CMD",
                    help="with --step N: run step N's tests against your own server, "
                         "started by CMD, where {port} stands for the port to listen on")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "until(step): the behaviour is retired at that step")
    config.addinivalue_line("markers", "not_redis(reason): the series' own protocol (the greeting, "
                                       "the line protocol of steps 02-04), which Redis does not speak: "
                                       "skips against Redis; a --server-cmd server is held to it")
    config.addinivalue_line("markers", "own_steps(reason): about our steps themselves: their files, "
                                       "their process, or choices of theirs where Redis promises less "
                                       "(SCAN's paging, one thread): runs against our steps only")
    if config.getoption("--server-cmd") and config.getoption("--step") is None:
        raise pytest.UsageError("--server-cmd needs --step N: which step's tests to run")
    if config.getoption("--server-cmd") and config.getoption("--against-redis"):
        raise pytest.UsageError("--server-cmd and --against-redis each choose the server; pick one")
    step = config.getoption("--step")
    if step is not None and step not in STEPS:
        raise pytest.UsageError(f"--step {step}: there is no such step; steps are {sorted(STEPS)}")


@dataclass(frozen=True)
class Target:
    """A server to test: one of our steps, a real redis-server, or a reader's own."""

    kind: str  # "step", "redis" or "custom"
    step: int  # whose behaviour is expected; for Redis, the newest step

    @property
    def id(self) -> str:
        return f"step{self.step:02d}" if self.kind == "step" else self.kind

    @property
    def speaks_resp(self) -> bool:
        return self.step >= FIRST_RESP_STEP


def line_protocol(test):
    """Marks a test of the line protocol's own details: ours, not Redis's, and retired at step 05."""
    return pytest.mark.until(FIRST_RESP_STEP)(pytest.mark.not_redis("the line protocol of steps 02-04 is ours")(test))


def introduced_at(module_name: str) -> int | None:
    """test_05_resp -> 5; None for modules that are not about one step."""
    match = re.match(r"test_(\d\d)_", module_name)
    return int(match.group(1)) if match else None


def targets_for(config: pytest.Config, first: int, until: int | None) -> list[Target]:
    applies = [step for step in STEPS if first <= step and (until is None or step < until)]
    chosen = config.getoption("--step")
    if chosen is not None:
        applies = [step for step in applies if step == chosen]
    if config.getoption("--server-cmd"):
        return [Target("custom", step) for step in applies]
    if config.getoption("--against-redis"):
        # Real Redis stands in for the newest step. Tests of our own line
        # protocol or command line are marked not_redis and skip there.
        return [Target("redis", max(STEPS))] if applies else []
    return [Target("step", step) for step in applies]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    first = introduced_at(metafunc.module.__name__.rpartition(".")[2])
    if first is None or "target" not in metafunc.fixturenames:
        return
    until_marker = metafunc.definition.get_closest_marker("until")
    until = until_marker.args[0] if until_marker else None
    targets = targets_for(metafunc.config, first, until)
    # indirect=True hands each Target to the module-scoped `target` fixture
    # below, so that pytest sees one parameter per (module, target) and keeps
    # one server for all of the module's tests of that target. (Parametrizing
    # the name directly, even with scope="module", gives every test case a
    # parameter of its own and so a server of its own.)
    metafunc.parametrize("target", targets, ids=[t.id for t in targets], indirect=True, scope="module")


@pytest.fixture(scope="module")
def target(request: pytest.FixtureRequest) -> Target:
    """The server this test runs against (see pytest_generate_tests)."""
    return request.param


def target_of(item: pytest.Item) -> Target | None:
    callspec = getattr(item, "callspec", None)
    value = callspec.params.get("target") if callspec else None
    return value if isinstance(value, Target) else None


# tryfirst: the xdist_group marks must be in place before pytest-xdist reads them.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # A test with no server to run against (say, a test of step 05 under
    # --step 3) is left out rather than reported as skipped.
    # Nor, under --step N, is a docs or session test about another step's page.
    chosen = config.getoption("--step")
    keep, drop = [], []
    for item in items:
        if ("target" in getattr(item, "fixturenames", ()) and target_of(item) is None) or (
                chosen is not None and steps_named(item) - {chosen}):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
    # Under pytest-xdist (-n N, with --dist loadgroup from pytest.ini) the tests
    # of one (module, target) go to one worker, which starts their server once.
    for item in items:
        target = target_of(item)
        if target is not None:
            # Skipped before any fixture is set up: no server starts for it.
            reason = why_it_does_not_apply(item, target)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))
            # (No brackets in the name: xdist takes "@name" after a "]" for part of a test id.)
            item.add_marker(pytest.mark.xdist_group(f"{item.module.__name__}-{target.id}"))


def steps_named(item: pytest.Item) -> set[int]:
    """The steps a test's parameters name (a step's folder, page or session,
    as "05_resp" or a path to one); empty for a test about no one step."""
    callspec = getattr(item, "callspec", None)
    named = set()
    for value in (callspec.params.values() if callspec else ()):
        name = value.name if isinstance(value, Path) else value
        if isinstance(name, str) and (match := re.match(r"(\d\d)_[a-z]", name)):
            named.add(int(match.group(1)))
    return named


class LeftOutModule(pytest.Module):
    """A test module that does not apply to this run: it skips as a whole, with one line saying why."""

    def collect(self):
        pytest.skip("--server-cmd grades your server; this module tests this series' own pages and steps")


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makemodule(module_path: Path, parent: pytest.Collector) -> pytest.Module | None:
    # The docs and session tests (modules that are about no one step) check our
    # own files and replay our own steps: nothing a --server-cmd server must do.
    if parent.config.getoption("--server-cmd") and introduced_at(module_path.stem) is None:
        return LeftOutModule.from_parent(parent, path=module_path)
    return None


def why_it_does_not_apply(item: pytest.Item, target: Target) -> str | None:
    not_redis = item.get_closest_marker("not_redis")
    if target.kind == "redis" and not_redis:
        return f"not Redis behaviour: {not_redis.args[0]}"
    own_steps = item.get_closest_marker("own_steps")
    if target.kind != "step" and own_steps:
        return f"about this series' own steps: {own_steps.args[0]}"
    if target.kind == "redis" and "reference_redis" in getattr(item, "fixturenames", ()):
        return "compares the server with a real redis-server: against Redis, it would compare Redis with itself"
    return None


# --- starting and stopping servers -------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """A server running in a child process, with the port it listens on."""

    def __init__(self, argv: list[str] | str, port: int | None = None, shell: bool = False) -> None:
        self.stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            argv, shell=shell, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=self.stderr, start_new_session=True,
            # Ctrl-C must reach the server even if whoever started pytest ignores it.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        self.host = "127.0.0.1"
        self.banner = ""
        if port is None:
            # Our steps are started with --port 0 and print the port they got.
            self.banner = self._read_banner()
            self.port = int(self.banner.rpartition(":")[2])
        else:
            self.port = port
            self._wait_until_accepting()

    def _read_banner(self) -> str:
        ready, _, _ = select.select([self.process.stdout], [], [], STARTUP_TIMEOUT)
        line = self.process.stdout.readline().decode().strip() if ready else ""
        if not re.fullmatch(r"Listening on \S+:\d+", line):
            self.stop()
            raise RuntimeError(f"server did not print 'Listening on HOST:PORT', got {line!r}; "
                               f"stderr: {self.stderr_text()}")
        return line

    def _wait_until_accepting(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}: {self.stderr_text()}")
            try:
                socket.create_connection((self.host, self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"server did not accept connections on port {self.port}")

    def stderr_text(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")

    def interrupt(self, timeout: float = 5) -> int:
        """Press Ctrl-C and wait for the server to exit; returns its exit code."""
        # To the whole process group, as a terminal does: a --server-cmd shell passes it on.
        os.killpg(self.process.pid, signal.SIGINT)
        return self.process.wait(timeout)

    def kill(self) -> int:
        """Kill the server with SIGKILL, as a crash would: it gets no chance to save or flush."""
        os.killpg(self.process.pid, signal.SIGKILL)
        return self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                self.interrupt()
            except subprocess.TimeoutExpired:
                pass
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process.stdout.close()


# Every server's scratch directory is made in this one, removed when the run ends.
SCRATCH = tempfile.mkdtemp(prefix="redis-tests-")
atexit.register(shutil.rmtree, SCRATCH, ignore_errors=True)


def scratch_directory() -> str:
    return tempfile.mkdtemp(dir=SCRATCH)


def persistence_defaults(directory: str | None = None) -> list[str]:
    """Redis-style config arguments that keep a test server's files out of
    the way: a scratch directory, no save points, no AOF. Arguments after
    these override them, as on redis-server's command line."""
    return ["--save", "", "--appendonly", "no", "--dir", directory or scratch_directory()]


def start_step(step: int, *extra_args: str, config_file: str | None = None) -> ServerProcess:
    defaults = persistence_defaults() if step >= FIRST_PERSISTENT_STEP else []
    return ServerProcess([sys.executable, str(STEPS[step] / "server.py"), *([config_file] if config_file else []),
                          "--port", "0", *defaults, *extra_args])


def start_redis(*extra_args: str, config_file: str | None = None) -> ServerProcess:
    """A real redis-server on a free port. Under pytest-xdist another worker
    may take the port between our finding it free and redis-server binding
    it; then ours exits, or we reach theirs: so check that the server on the
    port is ours, and try another port if not."""
    problem = None
    for _ in range(5):
        port = free_port()
        try:
            # DEBUG is allowed so that tests can switch active expiry off, as Redis's own tests do.
            # --dir: a test may switch persistence on; its files go to a scratch directory.
            process = ServerProcess(["redis-server", *([config_file] if config_file else []),
                                     "--port", str(port), "--bind", "127.0.0.1",
                                     "--enable-debug-command", "yes", *persistence_defaults(), *extra_args],
                                    port=port)
        except RuntimeError as error:  # another worker took the port; or a config it refuses
            problem = error
            continue
        connection = RawConnection(process.host, process.port)
        try:
            # Redis takes connections while it loads its files, and answers -LOADING until it is done.
            deadline = time.monotonic() + STARTUP_TIMEOUT
            while str(connection.call("PING")).startswith("LOADING") and time.monotonic() < deadline:
                time.sleep(0.01)
            info = connection.call("INFO", "server")
        finally:
            connection.close()
        if isinstance(info, bytes) and f"process_id:{process.process.pid}\r\n".encode() in info:
            return process
        if str(info).startswith("NOAUTH"):  # started with a password: it can only be ours
            return process
        process.stop()
    raise RuntimeError(f"could not start a redis-server on a free port: {problem}")


def start_target(config: pytest.Config, target: Target, *extra_args: str,
                 config_file: str | None = None) -> ServerProcess:
    """Start the target's server; `extra_args` are Redis-style config
    arguments ("--appendonly", "yes"), which a --server-cmd server gets
    appended to its command; `config_file` comes first, as redis-server
    takes it (a --server-cmd server cannot be given one: the test skips)."""
    if target.kind == "step":
        return start_step(target.step, *extra_args, config_file=config_file)
    if target.kind == "redis":
        return start_redis(*extra_args, config_file=config_file)
    if config_file:
        pytest.skip("a --server-cmd command takes no config file before its arguments")
    port = free_port()
    command = config.getoption("--server-cmd").format(port=port)
    return ServerProcess(" ".join([command, *map(shlex.quote, extra_args)]), port=port, shell=True)


def protocol_problem(process: ServerProcess, target: Target) -> str | None:
    """Whether the server answers PING in the protocol of the target's step;
    None if it does, else what went wrong. (Step 01 only greets.)"""
    if target.step < 2:
        return None
    if target.speaks_resp:
        protocol, request, expected = "RESP", b"*1\r\n$4\r\nPING\r\n", b"+PONG\r\n"
    else:
        protocol, request, expected = "the line protocol of steps 02-04", b"PING\n", b"PONG\n"
    try:
        connection = RawConnection(process.host, process.port)
        try:
            connection.send(request)
            got: object = connection.read_line()
        finally:
            connection.close()
    except OSError as error:  # refused, reset, or no answer in time
        got = error
    if got == expected:
        return None
    return f"the server did not answer in {protocol}: got {got!r} for {request!r} (expected {expected!r})"


# (module, target id) -> why that module's server is unusable
UNUSABLE = pytest.StashKey[dict]()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # Once a module's server has failed one test (see `server`), the module's
    # other tests skip, all on one line of the summary, instead of each
    # repeating the same error.
    target = target_of(item)
    problem = item.config.stash.setdefault(UNUSABLE, {}).get((item.module.__name__, target and target.id))
    if problem:
        pytest.skip(f"this module's server is unusable, as its first test reported: {problem}")


@pytest.fixture(scope="module")
def server(request: pytest.FixtureRequest, target: Target) -> Iterator[ServerProcess]:
    try:
        process = start_target(request.config, target)
    except RuntimeError as error:
        problem = f"the server did not start: {error}"
    else:
        problem = protocol_problem(process, target)
        if problem:
            process.stop()
    if problem:
        request.config.stash.setdefault(UNUSABLE, {})[(request.module.__name__, target.id)] = problem
        pytest.fail(problem, pytrace=False)
    yield process
    process.stop()
    if target.kind == "step":
        # A client thread that died with an exception leaves a traceback here
        # even if the server kept serving: that is a bug, not bad luck.
        assert "Traceback" not in process.stderr_text(), process.stderr_text()


@pytest.fixture(autouse=True)
def _fresh_data(request: pytest.FixtureRequest) -> None:
    """Wipe the data before each test where the server knows how; and if the
    module's server has died, say so once (the module's other tests skip)."""
    if "server" not in request.fixturenames:
        return
    target: Target = request.getfixturevalue("target")
    server: ServerProcess = request.getfixturevalue("server")
    if server.process.poll() is not None:
        problem = (f"the server exited, with code {server.process.returncode}, during an earlier test "
                   f"of this module; the end of its stderr: {server.stderr_text()[-2000:]}")
        request.config.stash.setdefault(UNUSABLE, {})[(request.module.__name__, target.id)] = problem
        pytest.fail(problem, pytrace=False)
    if not target.speaks_resp:
        return
    connection = RawConnection(server.host, server.port)
    try:
        connection.call("FLUSHALL")  # before step 06 this is an unknown command: fine
    finally:
        connection.close()


@pytest.fixture
def call(raw):
    """call(*words): send one command, get Redis's exact reply (redis-py maps some, e.g. OK to True)."""
    return raw().call


@pytest.fixture
def debug(call):
    """debug(*words) sends DEBUG with those words and returns the reply. Where
    the server refuses DEBUG the test skips: real redis-server does unless
    started with --enable-debug-command yes (as --against-redis starts it)."""
    def send(*words):
        reply = call("DEBUG", *words)
        if isinstance(reply, ErrorReply) and "DEBUG command not allowed" in reply:
            pytest.skip(f"the server refuses DEBUG ({reply.partition('.')[0]}); "
                        "start redis-server with --enable-debug-command yes")
        return reply
    return send


@pytest.fixture
def no_active_expiry(debug):
    """Switch the active expiry cycle off, as Redis's own tests do, so only lazy expiry deletes keys."""
    assert debug("SET-ACTIVE-EXPIRE", "0") == "OK"
    yield
    assert debug("SET-ACTIVE-EXPIRE", "1") == "OK"


@pytest.fixture(scope="module")
def reference_redis(request: pytest.FixtureRequest) -> Iterator[ServerProcess]:
    """A real redis-server of the test's own, whatever the target: differential
    tests send it the same commands as the target and compare the replies."""
    process = start_target(request.config, Target("redis", max(STEPS)))
    yield process
    process.stop()


@pytest.fixture
def spawn(request: pytest.FixtureRequest, target: Target) -> Iterator:
    """spawn(*config, directory=None, config_file=None) starts a server of the
    test's own, of the target's kind, with Redis-style config arguments (after
    `config_file`, if given), working in `directory` (a new scratch one if
    None): for tests of what a server does at start,
    at exit or after a crash. Its `.directory` names the directory. Every
    server spawned is stopped after the test, with Ctrl-C."""
    started: list[ServerProcess] = []

    def start(*config: str, directory: str | None = None, config_file: str | None = None) -> ServerProcess:
        directory = directory or scratch_directory()
        process = start_target(request.config, target, "--dir", directory, *config, config_file=config_file)
        process.directory = directory
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()
    if target.kind == "step":
        for process in started:
            assert "Traceback" not in process.stderr_text(), process.stderr_text()


@pytest.fixture
def on_db(raw):
    """on_db(n) opens a new connection that has selected database n."""
    def open_on(index: int):
        connection = raw()
        assert connection.call("SELECT", index) == "OK"
        return connection
    return open_on


@pytest.fixture
def key(request: pytest.FixtureRequest) -> str:
    """A key name no other test uses, so tests never see each other's data."""
    return f"{request.node.originalname}:key"


@pytest.fixture
def connect(server: ServerProcess, target: Target) -> Iterator:
    """connect() opens a Client that speaks the target's protocol; all are closed after the test."""
    opened: list[Client] = []

    def open_client() -> Client:
        client = Client(server.host, server.port, resp=target.speaks_resp)
        opened.append(client)
        return client

    yield open_client
    for client in opened:
        client.close()


@pytest.fixture
def raw(server: ServerProcess) -> Iterator:
    """raw() opens a RawConnection for byte-exact protocol tests."""
    opened: list[RawConnection] = []

    def open_raw() -> RawConnection:
        connection = RawConnection(server.host, server.port)
        opened.append(connection)
        return connection

    yield open_raw
    for connection in opened:
        connection.close()


@pytest.fixture
def resp3(server: ServerProcess) -> Iterator:
    """resp3() opens a connection that has said HELLO 3 (or resp3(protocol=2): has
    not) and reads every reply as an exact RESP3 frame; all are closed after the test."""
    opened: list[Resp3Connection] = []

    def open_connection(protocol: int = 3) -> Resp3Connection:
        connection = Resp3Connection(server.host, server.port, protocol)
        opened.append(connection)
        return connection

    yield open_connection
    for connection in opened:
        connection.close()


@pytest.fixture
def r(server: ServerProcess) -> Iterator[redis.Redis]:
    """The real redis-py client, speaking RESP2 and never retrying (see clients.redis_py)."""
    client = redis_py(server.host, server.port)
    yield client
    client.close()
