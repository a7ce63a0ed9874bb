"""CONFIG GET and CONFIG SET: the server's parameters, with Redis's names,
value formats and checks."""

from __future__ import annotations

from commands.base import SYNTAX_ERROR, CommandError, Session, as_text, command
from glob_match import glob_match
from resp import OK, Map, Reply, parse_int64


# --8<-- [start:config]
@command("config", -2, "", (0, 0, 0), "server", "2.0.0", "A container for server configuration commands")
def config(session: Session, args: list[bytes]) -> Reply:
    raise CommandError(f"ERR unknown subcommand '{as_text(args[1])}'. Try CONFIG HELP.")


def check_yes_no(value: bytes) -> bytes:
    if value.lower() not in (b"yes", b"no"):
        raise ValueError("argument must be 'yes' or 'no'")
    return value.lower()


def check_save(value: bytes) -> bytes:
    # "" (never save) or pairs of "<seconds> <changes>" separated by single
    # spaces. We keep no files yet, but clients such as redis-benchmark ask
    # for it, so it is checked, stored and reported like Redis does.
    if not value:
        return value
    words = value.split(b" ")
    numbers = [parse_int64(word.removeprefix(b"+")) for word in words]
    if len(words) % 2 or None in numbers or any(
            number < (1 if i % 2 == 0 else 0) for i, number in enumerate(numbers)):
        raise ValueError("Invalid save parameters")
    return b" ".join(b"%d" % number for number in numbers)


def check_hz(value: bytes) -> bytes:
    number = parse_int64(value)
    if number is None:
        raise ValueError("argument couldn't be parsed into an integer")
    if not 0 <= number < 2**31:
        raise ValueError("argument must be between 0 and 2147483647 inclusive")
    return b"%d" % min(max(number, 1), 500)  # then Redis clamps it to 1..500


# The parameters this step has: their checks, or None for read-only ones.
CONFIG_CHECKS = {
    "save": check_save,
    "appendonly": check_yes_no,
    "hz": check_hz,  # how often the event loop's cron runs
    "databases": None,
}
DEFAULT_CONFIG = {"save": b"", "appendonly": b"no", "hz": b"10", "databases": b"16"}


@command("config|get", -3, "admin noscript loading stale", (0, 0, 0), "server", "2.0.0",
         "Get the values of configuration parameters", "parameter [parameter ...]")
def config_get(session: Session, args: list[bytes]) -> Reply:
    config = session.server.config
    found: dict[bytes, bytes] = {}
    for pattern in args[2:]:
        if any(char in pattern for char in b"*?["):
            found.update((name.encode(), value) for name, value in config.items()
                         if glob_match(pattern, name.encode(), nocase=True))
        elif pattern.decode("utf-8", "surrogateescape").lower() in config:
            # A plain name is looked up directly, and replied as it was typed.
            found[pattern] = config[pattern.decode("utf-8", "surrogateescape").lower()]
    return Map(found)


@command("config|set", -4, "admin noscript loading stale", (0, 0, 0), "server", "2.0.0",
         "Set configuration parameters to the given values", "parameter value [parameter value ...]")
def config_set(session: Session, args: list[bytes]) -> Reply:
    if len(args) % 2:
        raise CommandError(SYNTAX_ERROR)
    pairs = [(raw_name.decode("utf-8", "surrogateescape").lower(), raw_name, value)
             for raw_name, value in zip(args[2::2], args[3::2])]
    # All or nothing, in Redis's order: every name is checked before any value,
    # and nothing changes unless every value is good.
    seen = set()
    for name, raw_name, _value in pairs:
        if name not in CONFIG_CHECKS:
            raise CommandError(f"ERR Unknown option or number of arguments for CONFIG SET - '{as_text(raw_name)}'")
        if name in seen or CONFIG_CHECKS[name] is None:
            problem = "duplicate parameter" if name in seen else "can't set immutable config"
            raise CommandError(f"ERR CONFIG SET failed (possibly related to argument '{as_text(raw_name)}') - {problem}")
        seen.add(name)
    changes: dict[str, bytes] = {}
    for name, _raw_name, value in pairs:
        try:
            changes[name] = CONFIG_CHECKS[name](value)
        except ValueError as error:
            raise CommandError(f"ERR CONFIG SET failed (possibly related to argument '{name}') - {error}") from None
    session.server.config.update(changes)
    return OK
# --8<-- [end:config]
