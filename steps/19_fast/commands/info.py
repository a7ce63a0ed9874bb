"""INFO: the server describes itself, in Redis's sections and field names, so
that redis-py's info(), redis-cli and monitoring tools can read it.

Every value is measured, none is made up: the numbers come from Stats, the
clients, the databases and the operating system. A field about a feature
this server does not have yet (replicas, saving) says what is true of it
today, as Redis's own does when the feature is off.
"""

from __future__ import annotations

import os
import platform
import resource
import struct
import sys
import time
from typing import Callable

from commands.base import Session, ServerState, command
from commands.connection import REDIS_VERSION
from pubsub import CHANNEL, PATTERN, SHARD
from resp import Reply, Verbatim


def human_bytes(size: int) -> str:
    """1234567 -> "1.18M", as Redis writes memory sizes for people."""
    for unit in "BKMGTP":
        if size < 1024 or unit == "P":
            return f"{size}B" if unit == "B" else f"{size:.2f}{unit}"
        size /= 1024
    raise AssertionError("unreachable")


def memory_in_use() -> int:
    """Bytes of memory the process holds now (its resident set). Redis reports
    what its allocator handed out; Python's allocator does not say, so this
    counts the interpreter too."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # not Linux: the peak is the best the system tells us
        return peak_memory()


def peak_memory() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # macOS counts bytes, Linux KiB


# --8<-- [start:sections]
def server_section(state: ServerState) -> dict[str, object]:
    uptime = int(time.time() - state.started)
    return {
        "redis_version": REDIS_VERSION, "redis_mode": "standalone",
        "os": f"{platform.system()} {platform.release()} {platform.machine()}",
        "arch_bits": struct.calcsize("P") * 8, "multiplexing_api": state.multiplexing_api,
        "python_version": platform.python_version(),  # ours; tools skip fields they don't know
        "process_id": os.getpid(), "run_id": state.run_id, "tcp_port": state.config["port"].decode(),
        "server_time_usec": time.time_ns() // 1000, "uptime_in_seconds": uptime,
        "uptime_in_days": uptime // 86400, "hz": state.config["hz"].decode(),
        "configured_hz": state.config["hz"].decode(), "executable": os.path.abspath(sys.argv[0]),
        "config_file": state.config_file,
    }


def clients_section(state: ServerState) -> dict[str, object]:
    buffers = [session.buffered() for session in state.clients.values()]
    return {
        "connected_clients": len(state.clients), "maxclients": state.config["maxclients"].decode(),
        "client_recent_max_input_buffer": max((waiting for waiting, _ in buffers), default=0),
        "client_recent_max_output_buffer": max((waiting for _, waiting in buffers), default=0),
        "blocked_clients": len(state.blocked), "tracking_clients": 0,
    }


def memory_section(state: ServerState) -> dict[str, object]:
    # With maxmemory set, the estimate maxmemory is held against (memory.py).
    used = state.evictor.used_memory(memory_in_use())
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    peak = max(peak_memory(), used)  # the two are read at different times
    maxmemory = int(state.config["maxmemory"])
    return {
        "used_memory": used, "used_memory_human": human_bytes(used),
        "used_memory_rss": used, "used_memory_rss_human": human_bytes(used),
        "used_memory_peak": peak, "used_memory_peak_human": human_bytes(peak),
        "total_system_memory": total, "total_system_memory_human": human_bytes(total),
        "maxmemory": maxmemory, "maxmemory_human": human_bytes(maxmemory),
        "maxmemory_policy": state.config["maxmemory-policy"].decode(),
        "mem_allocator": "pymalloc",
    }


def persistence_section(state: ServerState) -> dict[str, object]:
    return state.persistence.info()


def stats_section(state: ServerState) -> dict[str, object]:
    stats, subscribed = state.stats, state.pubsub.subscribers
    ops, input_rate, output_rate = stats.rates()
    return {
        "total_connections_received": stats.connections_received,
        "total_commands_processed": stats.commands_processed,
        "instantaneous_ops_per_sec": round(ops),
        "total_net_input_bytes": stats.net_input_bytes, "total_net_output_bytes": stats.net_output_bytes,
        "instantaneous_input_kbps": f"{input_rate / 1024:.2f}",
        "instantaneous_output_kbps": f"{output_rate / 1024:.2f}",
        "rejected_connections": stats.rejected_connections, "expired_keys": stats.expired_keys, "evicted_keys": stats.evicted_keys,
        "keyspace_hits": stats.keyspace_hits, "keyspace_misses": stats.keyspace_misses,
        "pubsub_channels": len(subscribed[CHANNEL]), "pubsub_patterns": len(subscribed[PATTERN]),
        "pubsubshard_channels": len(subscribed[SHARD]),
        "total_error_replies": sum(stats.errors.values()),
    }


def replication_section(state: ServerState) -> dict[str, object]:
    return {"role": "master", "connected_slaves": 0, "master_replid": state.replication_id, "master_repl_offset": 0}


def cpu_section(state: ServerState) -> dict[str, object]:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "used_cpu_sys": f"{own.ru_stime:.6f}", "used_cpu_user": f"{own.ru_utime:.6f}",
        "used_cpu_sys_children": f"{children.ru_stime:.6f}", "used_cpu_user_children": f"{children.ru_utime:.6f}",
    }


def modules_section(state: ServerState) -> dict[str, object]:
    return {}  # no modules can be loaded here


def commandstats_section(state: ServerState) -> dict[str, object]:
    return {
        f"cmdstat_{name}": f"calls={calls.calls},usec={calls.usec},"
                           f"usec_per_call={calls.usec / calls.calls if calls.calls else 0:.2f},"
                           f"rejected_calls={calls.rejected_calls},failed_calls={calls.failed_calls}"
        for name, calls in state.stats.commands.items()
    }


def errorstats_section(state: ServerState) -> dict[str, object]:
    return {f"errorstat_{kind}": f"count={count}" for kind, count in sorted(state.stats.errors.items())}


def cluster_section(state: ServerState) -> dict[str, object]:
    return {"cluster_enabled": 0}


def keyspace_section(state: ServerState) -> dict[str, object]:
    return {
        f"db{index}": f"keys={len(db)},expires={len(db.deadlines)},avg_ttl={db.average_ttl}"
        for index, db in enumerate(state.databases) if len(db)
    }


# In Redis's order, with their titles. INFO with no argument, or "default",
# shows the ones marked True; "all" and "everything" show them all.
SECTIONS: dict[str, tuple[str, Callable[[ServerState], dict[str, object]], bool]] = {
    "server": ("Server", server_section, True), "clients": ("Clients", clients_section, True),
    "memory": ("Memory", memory_section, True), "persistence": ("Persistence", persistence_section, True),
    "stats": ("Stats", stats_section, True), "replication": ("Replication", replication_section, True),
    "cpu": ("CPU", cpu_section, True), "modules": ("Modules", modules_section, True),
    "commandstats": ("Commandstats", commandstats_section, False),
    "errorstats": ("Errorstats", errorstats_section, True), "cluster": ("Cluster", cluster_section, True),
    "keyspace": ("Keyspace", keyspace_section, True),
}
# --8<-- [end:sections]


# --8<-- [start:info]
@command("info", -1, "loading stale", (0, 0, 0), "server", "1.0.0",
         "Get information and statistics about the server", "[section [section ...]]",
         categories="@dangerous")
def info(session: Session, args: list[bytes]) -> Reply:
    asked = {arg.lower().decode("utf-8", "surrogateescape") for arg in args[1:]} or {"default"}
    everything = bool(asked & {"all", "everything"})
    shown = [section for name, section in SECTIONS.items()
             if everything or name in asked or (section[2] and "default" in asked)]
    # "# Title" and its "field:value" lines; a blank line between sections.
    return Verbatim("\r\n".join(
        f"# {title}\r\n" + "".join(f"{field}:{value}\r\n" for field, value in fields(session.server).items())
        for title, fields, _ in shown))
# --8<-- [end:info]
