"""Keeping the data on disk: RDB snapshots and the append-only file, the
child processes that write them, and loading them back at start.

An RDB snapshot (rdb.py) is the whole data set in one compact file. SAVE
writes one and makes every client wait; BGSAVE forks, and the child
writes the snapshot while the parent goes on serving. The child sees the
memory exactly as it was at the fork, and the operating system copies a
page only when the parent changes it (copy-on-write): so the snapshot is
of one moment, and costs no copy up front.

The AOF (aof.py) holds every write since its last rewrite. After each
command that changed the data, the command is "propagated": appended to
the AOF buffer, in a form that replays the same wherever and whenever it
is replayed (EXPIRE's relative time becomes PEXPIREAT's absolute one,
SPOP's random pick becomes an SREM of what it picked). The buffer is
written to the file before any reply leaves the server: a client that was
told OK has its write in the file, under every appendfsync policy, and on
the disk under "always".
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Callable

import rdb
from aof import AofError, AofFile, AppendOnlyFile, Manifest, Truncated, encode_command, read_commands
from commands.base import CommandError, ServerState, Session, check_arity, lookup
from log import log
from resp import Reply, format_double
from sorted_set import SortedSet
from store import Store, now_ms

RETRY_AFTER_FAILED_SAVE = 5  # seconds a save point waits after a failed BGSAVE, as in Redis
ITEMS_PER_COMMAND = 64  # how many elements one command of a rewritten AOF carries, as Redis's
TRUNCATED_SAVE_ERROR = "Short read or OOM loading DB. Unrecoverable error, aborting now."


class LoadError(Exception):
    """The files on disk cannot be loaded: the server refuses to start (and
    leaves them alone)."""


# --8<-- [start:child]
@dataclass
class Child:
    """A forked child writing a snapshot ("rdb") or a new AOF base ("aof")."""

    pid: int
    kind: str
    started: float
    done: Callable[[bool], None]  # told whether the child succeeded


def fork(kind: str, work: Callable[[], None], done: Callable[[bool], None]) -> Child:
    """Run `work` in a child process, on a copy-on-write image of our
    memory, and return at once. os._exit() ends the child without running
    anything the parent set up to run at exit (closing files, flushing
    buffers) twice."""
    pid = os.fork()
    if pid == 0:
        log.role = "C"  # its lines say they come from a child
        try:
            work()
            os._exit(0)
        except BaseException as error:  # a full disk, or Ctrl-C reaching the child too
            log(f"{kind.upper()} child {os.getpid()} failed: {error!r}", "warning")
            os._exit(1)
    return Child(pid, kind, time.time(), done)
# --8<-- [end:child]


class Persistence:
    """What the server keeps on disk, and what it has been asked to write."""

    def __init__(self, state: ServerState) -> None:
        self.state = state
        self.config = state.config
        self.last_save = int(time.time())  # LASTSAVE: the start counts as a save, as in Redis
        self.last_save_ok = True
        self.last_save_try = 0.0
        self.last_bgsave_seconds = -1
        self.saves = 0
        self.dirty_at_fork = 0  # changes a running BGSAVE's snapshot holds
        self.bgsave_scheduled = False  # BGSAVE SCHEDULE during an AOF rewrite
        self.child: Child | None = None
        self.aof: AppendOnlyFile | None = None  # while appendonly is yes
        self.aof_rewrite_scheduled = False
        self.aof_last_rewrite_ok = True
        self.aof_last_rewrite_seconds = -1
        self.aof_rewrites = 0
        self.aof_rewrite_failures = 0
        self.aof_size_at_rewrite = 0  # for auto-aof-rewrite-percentage
        self.loading = False
        self.keys_loaded = self.keys_expired_on_load = 0
        # What the command running now propagates: (database, command) pairs.
        self.propagated: list[tuple[int, list[bytes]]] = []

    @property
    def dirty(self) -> int:
        """Changes to the data since the last successful save."""
        return self.state.stats.dirty

    # --8<-- [start:rdb_save]
    def rdb_path(self) -> str:
        return os.fsdecode(self.config["dbfilename"])

    def write_snapshot(self, path: str, aux: dict[str, bytes | int] | None = None) -> None:
        """Write an RDB file to `path`: first to a temporary file, synced to
        the disk, then renamed over the old one. The rename is atomic: a
        crash at any moment leaves the old file or the new one, whole."""
        temporary = f"temp-{os.getpid()}.rdb"
        with open(temporary, "wb") as file:
            rdb.write_rdb(file, self.state.databases, self.config, aux)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)

    def save(self) -> None:
        """SAVE: write the snapshot here and now; every client waits."""
        if self.child is not None and self.child.kind == "rdb":
            raise CommandError("ERR Background save already in progress")
        try:
            self.write_snapshot(self.rdb_path())
        except OSError as error:
            self.last_save_ok = False
            log(f"Failed opening the temp RDB file temp-{os.getpid()}.rdb (in server root dir {os.getcwd()}) "
                f"for saving: {error.strerror}", "warning")
            raise CommandError("ERR") from None
        log("DB saved on disk")
        self.saved(int(time.time()), self.dirty)

    def saved(self, when: int, changes: int) -> None:
        self.state.stats.dirty -= changes
        self.last_save, self.last_save_ok = when, True
        self.saves += 1

    def background_save(self) -> None:
        """BGSAVE: fork a child to write the snapshot."""
        if self.child is not None:
            raise CommandError("ERR Background save already in progress" if self.child.kind == "rdb" else
                               "ERR Another child process is active (AOF?): can't BGSAVE right now. Use "
                               "BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.")
        self.dirty_at_fork, self.last_save_try = self.dirty, time.time()
        path = self.rdb_path()

        def write_in_child() -> None:
            self.write_snapshot(path)
            log("DB saved on disk")  # by the child, as Redis's log shows it

        self.child = fork("rdb", write_in_child, self.background_save_done)
        log(f"Background saving started by pid {self.child.pid}")

    def background_save_done(self, ok: bool) -> None:
        child = self.child
        self.last_bgsave_seconds = round(time.time() - child.started)
        if ok:
            log("Background saving terminated with success")
            self.saved(int(time.time()), self.dirty_at_fork)
        else:
            log("Background saving error", "warning")
            self.last_save_ok = False
            try:  # what the child left half written
                os.unlink(f"temp-{child.pid}.rdb")
            except FileNotFoundError:
                pass
    def data_flushed(self) -> None:
        """FLUSHALL: a snapshot being written is of data that is gone now;
        and with save points, the empty data set is saved at once."""
        if self.child is not None and self.child.kind == "rdb":
            os.kill(self.child.pid, 9)  # the cron reaps it, as a failed save
        if self.config["save"]:
            self.write_snapshot(self.rdb_path())
            self.saved(int(time.time()), self.dirty)

    def reload(self) -> None:
        """DEBUG RELOAD: save, empty the databases, and load the file back."""
        self.save()
        for db in self.state.databases:
            db.clear()
        self.load_rdb(self.rdb_path())
    # --8<-- [end:rdb_save]

    def write_error(self) -> str | None:
        """Why write commands are refused now, if they are: the last save
        failed (and stop-writes-on-bgsave-error says to stop), or the AOF
        could not be written."""
        if not self.last_save_ok and self.config["save"] and self.config["stop-writes-on-bgsave-error"] == b"yes":
            return ("MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to "
                    "disk. Commands that may modify the data set are disabled, because this instance is configured "
                    "to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). "
                    "Please check the Redis logs for details about the RDB error.")
        if self.aof is not None and self.aof.write_error:
            return f"MISCONF Errors writing to the AOF file: {self.aof.write_error}"
        return None

    # --8<-- [start:cron]
    def cron(self) -> None:
        """Called by the event loop's cron: reap a finished child, sync the
        AOF once a second, and start the saves that are due."""
        if self.child is not None:
            pid, status = os.waitpid(self.child.pid, os.WNOHANG)
            if pid:
                self.child.done(os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0)
                self.child = None
        if self.aof is not None and self.config["appendfsync"] == b"everysec" \
                and time.monotonic() - self.aof.last_fsync >= 1:
            self.aof.write(fsync=True)
        if self.child is not None:
            return
        if self.bgsave_scheduled:
            self.bgsave_scheduled = False
            self.background_save()
            return
        if self.aof_rewrite_scheduled or self.aof_grew_enough():
            self.start_aof_rewrite()
            return
        now = time.time()
        points = [int(number) for number in self.config["save"].split()]
        for seconds, changes in zip(points[::2], points[1::2]):
            # After a failed save, wait a little before trying again.
            if self.dirty >= changes and now - self.last_save > seconds and (
                    self.last_save_ok or now - self.last_save_try > RETRY_AFTER_FAILED_SAVE):
                log(f"{changes} changes in {seconds} seconds. Saving...")
                self.background_save()
                return

    def aof_grew_enough(self) -> bool:
        """auto-aof-rewrite-percentage: rewrite once the AOF has grown by that
        many percent since the last rewrite, and is at least min-size."""
        percentage = int(self.config["auto-aof-rewrite-percentage"])
        if self.aof is None or not percentage:
            return False
        size = self.aof.base_size + self.aof.incr_size
        base = max(self.aof_size_at_rewrite, 1)
        return size >= int(self.config["auto-aof-rewrite-min-size"]) and (size - base) * 100 >= base * percentage
    # --8<-- [end:cron]

    # --8<-- [start:propagate]
    @property
    def appending(self) -> bool:
        """Whether writes go to the AOF now. Not while loading it; and not
        while appendonly, just turned on, waits for a BGSAVE to end before its
        rewrite can start: that rewrite's snapshot will hold those writes."""
        return self.aof is not None and self.aof.fd >= 0 and not self.loading

    def propagate(self, session: Session, args: list[bytes], reply: Reply) -> None:
        """A command changed the data: queue it for the AOF, as it will replay."""
        if not self.appending:
            return
        for command in replayable(session, args, reply):
            self.propagated.append((session.db_index, command))

    def key_event(self, db_index: int, key: bytes, event: str, _kind: str) -> None:
        """A key expired (lazily or in the active cycle), or maxmemory evicted
        it: the AOF deletes it too, so that replaying never depends on the clock."""
        if event in ("expired", "evicted") and self.appending:
            self.propagated.append((db_index, [b"DEL", key]))

    def commit(self, atomic: bool = True) -> None:
        """Move what the last command propagated into the AOF buffer. Several
        commands at once (a transaction; a key that expired and the command
        that found it so) go inside MULTI and EXEC, so that a crash can never
        leave half of them in the file: the loader drops a MULTI that has no
        EXEC. (Not `atomic`: the keys the active expiry cycle deleted.)"""
        if not self.propagated or self.aof is None:
            self.propagated.clear()
            return
        grouped = atomic and len(self.propagated) > 1
        if grouped:
            self.aof.feed(self.propagated[0][0], [b"MULTI"])
        for db_index, command in self.propagated:
            self.aof.feed(db_index, command)
        if grouped:
            self.aof.feed(self.propagated[-1][0], [b"EXEC"])
        self.propagated.clear()

    def write_aof(self) -> None:
        """Before replies go out: write the AOF buffer to the file, and with
        appendfsync always wait until it is on the disk."""
        if self.aof is not None:
            self.commit()
            self.aof.write(fsync=self.config["appendfsync"] == b"always")
    # --8<-- [end:propagate]

    # --8<-- [start:aof_rewrite]
    def aof_directory(self) -> str:
        return os.path.join(os.getcwd(), os.fsdecode(self.config["appenddirname"]))

    def new_aof(self) -> AppendOnlyFile:
        return AppendOnlyFile(self.aof_directory(), os.fsdecode(self.config["appendfilename"]))

    def write_aof_base(self, path: str) -> None:
        """A new base: the data now, as an RDB file (aof-use-rdb-preamble yes,
        smaller and faster to load) or as commands."""
        with open(path, "wb") as file:
            if self.config["aof-use-rdb-preamble"] == b"yes":
                rdb.write_rdb(file, self.state.databases, self.config, {"aof-base": 1})
            else:
                write_commands(file, self.state.databases)
            file.flush()
            os.fsync(file.fileno())

    def start_aof_rewrite(self) -> None:
        """BGREWRITEAOF, and turning appendonly on: fork a child to write a new
        base. From the fork on, the parent appends to a new incr file; once
        the child is done, the new base and that incr file are the AOF."""
        if self.child is not None:
            if self.child.kind == "aof":
                raise CommandError("ERR Background append only file rewriting already in progress")
            self.aof_rewrite_scheduled = True  # after the BGSAVE
            return
        self.aof_rewrite_scheduled = False
        if self.aof is not None:
            aof = self.aof
            aof.write(fsync=True)
            turning_on = aof.fd < 0
            incr = aof.open_new_incr()
            if not turning_on:
                # Listed at once: old base + old incrs + this one is complete too.
                aof.manifest.incrs.append(incr)
                aof.write_manifest()
        else:
            # BGREWRITEAOF with appendonly no: Redis writes a base all the same.
            aof, incr = self.new_aof(), None
            os.makedirs(aof.directory, exist_ok=True)
            if aof.exists():
                self.forget_files(aof)
        base = aof.new_base(self.config["aof-use-rdb-preamble"] == b"yes")
        work = lambda: self.write_aof_base(f"temp-rewriteaof-bg-{os.getpid()}.aof")
        self.child = fork("aof", work, lambda ok: self.aof_rewrite_done(ok, aof, base, incr))
        log(f"Background append only file rewriting started by pid {self.child.pid}")

    def aof_rewrite_done(self, ok: bool, aof: AppendOnlyFile, base: AofFile, incr: AofFile | None) -> None:
        temporary = f"temp-rewriteaof-bg-{self.child.pid}.aof"
        self.aof_last_rewrite_seconds = round(time.time() - self.child.started)
        # Appendonly turned off (or off and on) meanwhile: this rewrite is of no use.
        stale = incr is not None and aof is not self.aof
        if not ok or stale:
            if os.path.exists(temporary):
                os.unlink(temporary)
            if not stale:
                log("Background AOF rewrite terminated with error", "warning")
                self.aof_last_rewrite_ok = False
                self.aof_rewrite_failures += 1
                self.aof_rewrite_scheduled = self.aof is not None  # try again
            return
        os.replace(temporary, aof.path(base))
        manifest = aof.manifest
        # The old files become history: listed until deleted, never loaded.
        manifest.history += [entry for entry in [manifest.base, *manifest.incrs] if entry and entry != incr]
        manifest.base, manifest.incrs = base, [incr] if incr else []
        aof.write_manifest()
        aof.delete_history()
        aof.base_size = os.path.getsize(aof.path(base))
        self.aof_size_at_rewrite = aof.base_size + aof.incr_size
        self.aof_last_rewrite_ok, self.aof_rewrite_failures = True, 0
        self.aof_rewrites += 1
        log("Background AOF rewrite finished successfully")

    def forget_files(self, aof: AppendOnlyFile) -> None:
        """Files from an earlier AOF, about to be replaced by a new base: they
        become history, and new files are numbered after them."""
        aof.read_manifest()
        aof.manifest = Manifest(history=aof.manifest.files_to_load() + aof.manifest.history,
                                base_seq=aof.manifest.base_seq, incr_seq=aof.manifest.incr_seq)

    def config_set(self, changes: dict[str, bytes]) -> None:
        if "appendonly" in changes:
            self.appendonly_changed(changes["appendonly"] == b"yes")

    def appendonly_changed(self, on: bool) -> None:
        """CONFIG SET appendonly yes | no, live."""
        if on and self.aof is None:
            self.aof = self.new_aof()
            os.makedirs(self.aof.directory, exist_ok=True)
            if self.aof.exists():
                self.forget_files(self.aof)
            self.start_aof_rewrite()
        elif not on and self.aof is not None:
            self.aof.close()
            self.aof = None
            if self.child is not None and self.child.kind == "aof":
                os.kill(self.child.pid, 9)  # its base is of no use now; the cron reaps it
    # --8<-- [end:aof_rewrite]

    # --8<-- [start:load]
    def load_at_start(self) -> None:
        """Load what the files on disk hold: the AOF if appendonly is yes (it
        is the more complete record), else the RDB snapshot, if there is one."""
        started = time.monotonic()
        if self.config["appendonly"] == b"yes":
            self.aof = self.new_aof()
            if self.aof.exists():
                self.load_aof(self.aof)
                log(f"DB loaded from append only file: {time.monotonic() - started:.3f} seconds")
            self.open_aof_on_start()
        elif os.path.exists(self.rdb_path()):
            self.load_rdb(self.rdb_path())
            log(f"Done loading RDB, keys loaded: {self.keys_loaded}, keys expired: {self.keys_expired_on_load}.")
            log(f"DB loaded from disk: {time.monotonic() - started:.3f} seconds")
        self.state.stats.dirty = 0

    def load_rdb(self, path: str, preamble: bool = False) -> int:
        """Load an RDB file into the (empty) databases; returns its size.
        Keys already past their deadline are dropped, except in an AOF base:
        the commands after it may still need them."""
        with open(path, "rb") as file:
            data = file.read()
        try:
            contents = rdb.read_rdb(data)
        except rdb.RdbError as error:
            raise LoadError(f"Wrong RDB file {path}: {error}") from None
        self.put_loaded(contents, keep_expired=preamble)
        return contents.size

    def put_loaded(self, contents: rdb.RdbContents, keep_expired: bool) -> None:
        databases, now = self.state.databases, now_ms()
        self.keys_loaded = self.keys_expired_on_load = 0
        for index, entries in contents.databases.items():
            if index >= len(databases):
                raise LoadError(f"FATAL: Data file was created with a Redis server configured to handle "
                                f"more than {len(databases)} databases. Exiting")
            for key, value, deadline in entries:
                if deadline is not None and deadline < now and not keep_expired:
                    self.keys_expired_on_load += 1
                    continue
                databases[index].put_loaded(key, value, deadline)
                self.keys_loaded += 1

    def load_aof(self, aof: AppendOnlyFile) -> None:
        try:
            aof.read_manifest()
        except (AofError, UnicodeDecodeError) as error:
            raise LoadError(f"Can't load the AOF manifest {aof.manifest_path}: {error}") from None
        files = aof.manifest.files_to_load()
        for number, entry in enumerate(files):
            path = aof.path(entry)
            if not os.path.exists(path):
                raise LoadError(f"The AOF file {entry.name} doesn't exist")
            self.load_aof_file(path, last=number == len(files) - 1)
        aof.base_size = os.path.getsize(aof.path(aof.manifest.base)) if aof.manifest.base else 0

    def load_aof_file(self, path: str, last: bool) -> None:
        """Replay one AOF file. A file that ends in the middle of a command
        (the server died while writing it) loads up to its last whole command
        if it is the last file and aof-load-truncated is yes; the file is cut
        there, as Redis does, so that new commands follow whole ones."""
        with open(path, "rb") as file:
            data = file.read()
        name = os.path.basename(path)
        start = 0
        if data.startswith(b"REDIS"):  # a base in RDB format
            start = self.load_rdb(path, preamble=True)
        loader = AofReplay(self.state)
        self.loading = True
        for db in self.state.databases:
            db.loading = True
        try:
            valid_up_to = start
            for args, end in read_commands(data, start):
                loader.run(args, name)
                if not loader.in_multi:
                    valid_up_to = end
            if loader.in_multi:
                log(f"Revert incomplete MULTI/EXEC transaction in AOF file {name}", "warning")
                raise Truncated("incomplete MULTI", valid_up_to)
        except Truncated as error:
            if not last or self.config["aof-load-truncated"] != b"yes":
                raise LoadError(f"Unexpected end of file reading the append only file {name}. You can: 1) Make "
                                "a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. "
                                "2) Alternatively you can set the 'aof-load-truncated' configuration option to "
                                "yes and restart the server.") from None
            valid_up_to = min(error.valid_up_to, valid_up_to) if loader.in_multi else error.valid_up_to
            log(f"!!! Warning: short read while loading the AOF file {name}!!!", "warning")
            log(f"!!! Truncating the AOF {name} at offset {valid_up_to} !!!", "warning")
            os.truncate(path, valid_up_to)
            log(f"AOF {name} loaded anyway because aof-load-truncated is enabled", "warning")
        except AofError as error:
            raise LoadError(f"Bad file format reading the append only file {name}: {error}; make a backup of "
                            "your AOF file, then use ./redis-check-aof --fix <filename.manifest>") from None
        finally:
            self.loading = False
            for db in self.state.databases:
                db.loading = False

    def open_aof_on_start(self) -> None:
        """With appendonly yes: make sure there is a base (written now, from
        what was loaded, if there is none), and append to the last incr file."""
        aof = self.aof
        os.makedirs(aof.directory, exist_ok=True)
        manifest = aof.manifest
        if manifest.base is None and not manifest.incrs:
            manifest.base = aof.new_base(self.config["aof-use-rdb-preamble"] == b"yes")
            self.write_aof_base(aof.path(manifest.base))
            aof.base_size = os.path.getsize(aof.path(manifest.base))
            log(f"Creating AOF base file {manifest.base.name} on server start")
        if manifest.incrs:
            aof.open_incr(manifest.incrs[-1])
        else:
            manifest.incrs.append(aof.open_new_incr())
        aof.write_manifest()
        self.aof_size_at_rewrite = aof.base_size + aof.incr_size
    # --8<-- [end:load]

    # --8<-- [start:shutdown]
    def shutdown(self, save: bool | None = None, force: bool = False) -> bool:
        """Before the server exits: a background save or rewrite is stopped,
        the AOF is synced, and a last snapshot is written if `save` says so
        (None: if there are save points). Returns whether the server may
        exit: not if that save failed, unless `force`; the data would be lost."""
        if self.child is not None:
            os.kill(self.child.pid, 9)
            os.waitpid(self.child.pid, 0)
            self.child = None
        if self.aof is not None:
            self.aof.write(fsync=True)
        if save or (save is None and self.config["save"]):
            log("Saving the final RDB snapshot before exiting.")
            try:
                self.write_snapshot(self.rdb_path())
            except OSError as error:
                log(f"Error trying to save the DB: {error.strerror}", "warning")
                return force
            log("DB saved on disk")
        return True
    # --8<-- [end:shutdown]

    def info(self) -> dict[str, object]:
        """INFO persistence."""
        now, child = time.time(), self.child
        fields = {
            "loading": int(self.loading), "async_loading": 0,
            "rdb_changes_since_last_save": self.dirty,
            "rdb_bgsave_in_progress": int(child is not None and child.kind == "rdb"),
            "rdb_last_save_time": self.last_save,
            "rdb_last_bgsave_status": "ok" if self.last_save_ok else "err",
            "rdb_last_bgsave_time_sec": self.last_bgsave_seconds,
            "rdb_current_bgsave_time_sec": round(now - child.started) if child and child.kind == "rdb" else -1,
            "rdb_saves": self.saves,
            "rdb_last_load_keys_expired": self.keys_expired_on_load,
            "rdb_last_load_keys_loaded": self.keys_loaded,
            "aof_enabled": int(self.aof is not None),
            "aof_rewrite_in_progress": int(child is not None and child.kind == "aof"),
            "aof_rewrite_scheduled": int(self.aof_rewrite_scheduled),
            "aof_last_rewrite_time_sec": self.aof_last_rewrite_seconds,
            "aof_current_rewrite_time_sec": round(now - child.started) if child and child.kind == "aof" else -1,
            "aof_last_bgrewrite_status": "ok" if self.aof_last_rewrite_ok else "err",
            "aof_rewrites": self.aof_rewrites,
            "aof_rewrites_consecutive_failures": self.aof_rewrite_failures,
            "aof_last_write_status": "err" if self.aof and self.aof.write_error else "ok",
        }
        if self.aof is not None:
            fields |= {
                "aof_current_size": self.aof.base_size + self.aof.incr_size, "aof_base_size": self.aof.base_size,
                "aof_pending_rewrite": int(self.aof_rewrite_scheduled), "aof_buffer_length": len(self.aof.buffer),
                "aof_pending_bio_fsync": 0, "aof_delayed_fsync": 0,
            }
        return fields


# --8<-- [start:replay]
class AofReplay:
    """Runs the commands of an AOF, as Redis's fake AOF client does: no
    replies, no statistics, and MULTI's commands held until EXEC."""

    def __init__(self, state: ServerState) -> None:
        self.session = Session(state, id=0)
        self.queue: list[tuple[Callable, list[bytes]]] | None = None

    @property
    def in_multi(self) -> bool:
        return self.queue is not None

    def run(self, args: list[bytes], filename: str) -> None:
        try:
            entry = lookup(args)
            check_arity(entry, args)
        except CommandError:
            raise AofError(f"Unknown command '{args[0].decode(errors='replace')}' reading the append only "
                           f"file {filename}") from None
        if entry.name == "multi":
            self.queue = []
        elif entry.name == "exec" and self.queue is not None:
            queue, self.queue = self.queue, None
            for handler, queued in queue:
                self.call(handler, queued)
        elif self.queue is not None:
            self.queue.append((entry.handler, args))
        else:
            self.call(entry.handler, args)

    def call(self, handler: Callable, args: list[bytes]) -> None:
        try:
            handler(self.session, args)
        except CommandError:
            pass  # a command that failed when it was first run failed the same way, and changed nothing
# --8<-- [end:replay]


# --8<-- [start:replayable]
def replayable(session: Session, args: list[bytes], reply: Reply) -> list[list[bytes]]:
    """The commands that redo, wherever and whenever they are replayed, what
    `args` just did. Most commands replay as they are. Those that depend on
    the clock or on chance are written as what they did: the key's deadline
    as it now stands, the members SPOP picked, the key a blocking pop took from."""
    name, key = args[0].lower(), args[1] if len(args) > 1 else b""
    db = session.db
    if name in (b"expire", b"pexpire", b"expireat", b"pexpireat", b"getex") or (
            name == b"set" and any(arg.upper() in (b"EX", b"PX", b"EXAT", b"PXAT") for arg in args[3:])):
        if not db.has_key(key):
            return [[b"DEL", key]]  # a deadline in the past deleted it
        deadline = db.deadline(key)
        if name == b"set":
            return [[b"SET", key, args[2]] + ([b"PXAT", b"%d" % deadline] if deadline is not None else [])]
        return [[b"PEXPIREAT", key, b"%d" % deadline] if deadline is not None else [b"PERSIST", key]]
    if name in (b"setex", b"psetex"):
        return [[b"SET", key, args[3], b"PXAT", b"%d" % db.deadline(key)]]
    if name == b"restore":
        if not db.has_key(key):
            return [[b"DEL", key]]
        deadline = db.deadline(key)
        options = [arg for arg in args[4:] if arg.upper() != b"ABSTTL"]
        return [[b"RESTORE", key, b"%d" % (deadline or 0), args[3], *options] + ([b"ABSTTL"] if deadline else [])]
    if name == b"spop":
        members = reply if isinstance(reply, list) else [reply]
        return [[b"SREM", key, *members]]
    if name in BLOCKING_POPS:
        return [BLOCKING_POPS[name](args, reply)]
    return [args]


def pop_direction(args: list[bytes]) -> bytes:
    """LEFT, RIGHT, MIN or MAX: the word after BLMPOP's or BZMPOP's keys."""
    return args[3 + int(args[2])].upper()


# A blocking pop replays as the plain pop it did, on the key it took from.
BLOCKING_POPS: dict[bytes, Callable[[list[bytes], list], list[bytes]]] = {
    b"blpop": lambda args, reply: [b"LPOP", reply[0]],
    b"brpop": lambda args, reply: [b"RPOP", reply[0]],
    b"brpoplpush": lambda args, reply: [b"RPOPLPUSH", args[1], args[2]],
    b"blmove": lambda args, reply: [b"LMOVE", *args[1:5]],
    b"bzpopmin": lambda args, reply: [b"ZPOPMIN", reply[0]],
    b"bzpopmax": lambda args, reply: [b"ZPOPMAX", reply[0]],
    b"blmpop": lambda args, reply: [b"LPOP" if pop_direction(args) == b"LEFT" else b"RPOP", reply[0],
                                    b"%d" % len(reply[1])],
    b"bzmpop": lambda args, reply: [b"ZPOPMIN" if pop_direction(args) == b"MIN" else b"ZPOPMAX", reply[0],
                                    b"%d" % len(reply[1])],
}
# --8<-- [end:replayable]


# --8<-- [start:write_commands]
def write_commands(file, databases: list[Store]) -> None:
    """A base in commands (aof-use-rdb-preamble no): each key in as few
    commands as it takes, up to 64 elements a command, then its deadline."""
    for index, db in enumerate(databases):
        if not len(db):
            continue
        file.write(encode_command([b"SELECT", b"%d" % index]))
        for key, value, deadline in db.items():
            for command in commands_for(key, value):
                file.write(encode_command(command))
            if deadline is not None:
                file.write(encode_command([b"PEXPIREAT", key, b"%d" % deadline]))


def commands_for(key: bytes, value: object) -> list[list[bytes]]:
    if isinstance(value, bytes):
        return [[b"SET", key, value]]
    if isinstance(value, dict):
        name, items = b"HMSET", [word for pair in value.items() for word in pair]
        step = 2
    elif isinstance(value, SortedSet):
        name, items = b"ZADD", [word for member, score in value for word in (format_double(score), member)]
        step = 2
    else:
        name, items = (b"SADD" if isinstance(value, set) else b"RPUSH"), list(value)
        step = 1
    chunk = ITEMS_PER_COMMAND * step
    return [[name, key, *items[start:start + chunk]] for start in range(0, len(items), chunk)]
# --8<-- [end:write_commands]
