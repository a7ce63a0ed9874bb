"""Scripting, as far as a server without it can honestly go.

This server runs no Lua: EVAL, FCALL and loading a script or a function
say so. But test tools and client libraries clear scripts and functions
before a run (FUNCTION FLUSH, SCRIPT FLUSH) and ask what is loaded; for a
server that has none, the true answers are simple, and those we give.
"""

from __future__ import annotations

from commands.base import CommandError, Session, as_text, command
from resp import OK, Map, Reply

NOT_SUPPORTED = "ERR this server does not run scripts or functions: scripting is not part of it"


def check_flush_mode(args: list[bytes], container: str, verb: str) -> None:
    if len(args) > 3 or (len(args) == 3 and args[2].upper() not in (b"ASYNC", b"SYNC")):
        raise CommandError(f"ERR {container} FLUSH only {verb} SYNC|ASYNC option")


def refuse(session: Session, args: list[bytes]) -> Reply:
    raise CommandError(NOT_SUPPORTED)


# What EVAL and its kin would be: filed so that COMMAND and redis-cli know them.
for name, flags, since, summary in [
    ("eval", "noscript stale skip_monitor no_mandatory_keys movablekeys", "2.6.0", "Execute a Lua script server side"),
    ("evalsha", "noscript stale skip_monitor no_mandatory_keys movablekeys", "2.6.0", "Execute a Lua script server side"),
    ("eval_ro", "readonly noscript stale skip_monitor no_mandatory_keys movablekeys", "7.0.0",
     "Execute a read-only Lua script server side"),
    ("evalsha_ro", "readonly noscript stale skip_monitor no_mandatory_keys movablekeys", "7.0.0",
     "Execute a read-only Lua script server side"),
    ("fcall", "noscript stale skip_monitor no_mandatory_keys movablekeys", "7.0.0", "Invoke a function"),
    ("fcall_ro", "readonly noscript stale skip_monitor no_mandatory_keys movablekeys", "7.0.0",
     "Invoke a read-only function"),
]:
    command(name, -3, flags, (0, 0, 0), "scripting", since, summary, "script numkeys [key [key ...]] [arg [arg ...]]")(refuse)


@command("function", -2, "", (0, 0, 0), "scripting", "7.0.0", "A container for function commands")
def function(session: Session, args: list[bytes]) -> Reply:
    raise CommandError(f"ERR unknown subcommand '{as_text(args[1])}'. Try FUNCTION HELP.")


@command("function|flush", -2, "write noscript", (0, 0, 0), "scripting", "7.0.0", "Deleting all functions",
         "[ASYNC | SYNC]")
def function_flush(session: Session, args: list[bytes]) -> Reply:
    check_flush_mode(args, "FUNCTION", "supports")
    return OK  # there are none


@command("function|list", -2, "noscript", (0, 0, 0), "scripting", "7.0.0",
         "List information about all the functions", "[LIBRARYNAME library-name-pattern] [WITHCODE]")
def function_list(session: Session, args: list[bytes]) -> Reply:
    i = 2
    while i < len(args):
        if args[i].upper() == b"WITHCODE":
            i += 1
        elif args[i].upper() == b"LIBRARYNAME" and i + 1 < len(args):
            i += 2
        else:
            raise CommandError(f"ERR Unknown argument {as_text(args[i])}")
    return []  # no libraries


@command("function|stats", 2, "noscript allow_busy", (0, 0, 0), "scripting", "7.0.0",
         "Return information about the function currently running (name, description, duration)")
def function_stats(session: Session, args: list[bytes]) -> Reply:
    # Nothing runs, and Redis would list its Lua engine here; we have no engine.
    return Map({b"running_script": None, b"engines": Map()})


@command("function|delete", 3, "write noscript", (0, 0, 0), "scripting", "7.0.0", "Delete a function by name",
         "library-name")
def function_delete(session: Session, args: list[bytes]) -> Reply:
    raise CommandError("ERR Library not found")


@command("function|kill", 2, "noscript allow_busy", (0, 0, 0), "scripting", "7.0.0",
         "Kill the function currently in execution.")
def function_kill(session: Session, args: list[bytes]) -> Reply:
    raise CommandError("NOTBUSY No scripts in execution right now.")


command("function|load", -3, "write denyoom noscript", (0, 0, 0), "scripting", "7.0.0",
        "Create a function with the given arguments (name, code, description)", "[REPLACE] function-code")(refuse)


@command("script", -2, "", (0, 0, 0), "scripting", "2.6.0", "A container for Lua scripts management commands")
def script(session: Session, args: list[bytes]) -> Reply:
    raise CommandError(f"ERR unknown subcommand '{as_text(args[1])}'. Try SCRIPT HELP.")


@command("script|flush", -2, "noscript", (0, 0, 0), "scripting", "2.6.0",
         "Remove all the scripts from the script cache.", "[ASYNC | SYNC]")
def script_flush(session: Session, args: list[bytes]) -> Reply:
    check_flush_mode(args, "SCRIPT", "support")  # sic: Redis words this one differently
    return OK


@command("script|exists", -3, "noscript", (0, 0, 0), "scripting", "2.6.0",
         "Check existence of scripts in the script cache.", "sha1 [sha1 ...]")
def script_exists(session: Session, args: list[bytes]) -> Reply:
    return [0] * len(args[2:])  # the cache is always empty


@command("script|kill", 2, "noscript allow_busy", (0, 0, 0), "scripting", "2.6.0",
         "Kill the script currently in execution.")
def script_kill(session: Session, args: list[bytes]) -> Reply:
    raise CommandError("NOTBUSY No scripts in execution right now.")


command("script|load", 3, "noscript stale", (0, 0, 0), "scripting", "2.6.0",
        "Load the specified Lua script into the script cache.", "script")(refuse)
