"""The append-only file: every write, appended to a file as the command that
made it, so that replaying the file rebuilds the data.

An RDB file (rdb.py) is a snapshot: whatever changed after it is lost in a
crash. The AOF loses at most what was not yet flushed to the disk, and
appendfsync says how often that happens. The price is a file that only
grows, so now and then it is rewritten: a child process writes the data
as it is now, in as few commands as possible (or as an RDB file), and the
writes made meanwhile go on into a new file.

Redis 7.0 keeps the AOF as several files in a directory (appenddirname),
and a manifest that says which files it is made of, in order:

    appendonlydir/
        appendonly.aof.1.base.rdb    the data at the last rewrite
        appendonly.aof.1.incr.aof    the commands since then
        appendonly.aof.manifest      "file appendonly.aof.1.base.rdb seq 1 type b" ...

A rewrite writes a new base and starts a new incr file; once the base is
complete, one rename of the manifest switches to the new pair, and the old
files are deleted. At no moment is there not one complete set of files.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Iterator

BASE, INCR, HISTORY = "b", "i", "h"  # the file types a manifest names


class AofError(Exception):
    """An AOF that cannot be loaded: the message says what is wrong."""


class Truncated(AofError):
    """The AOF ends in the middle of a command: a crash cut the last write
    short. `valid_up_to` is where the last whole command ends."""

    def __init__(self, message: str, valid_up_to: int) -> None:
        super().__init__(message)
        self.valid_up_to = valid_up_to


# --8<-- [start:manifest]
@dataclass
class AofFile:
    name: str
    seq: int
    type: str  # BASE, INCR or HISTORY

    def line(self) -> str:
        return f"file {self.name} seq {self.seq} type {self.type}\n"


@dataclass
class Manifest:
    """Which files make up the AOF: one base (or none yet), then the incr
    files in the order they were written. History files are the ones a
    rewrite replaced, listed until they are deleted."""

    base: AofFile | None = None
    incrs: list[AofFile] = field(default_factory=list)
    history: list[AofFile] = field(default_factory=list)
    # The highest sequence numbers given so far: a new file gets the next one.
    base_seq: int = 0
    incr_seq: int = 0

    @classmethod
    def parse(cls, text: str) -> Manifest:
        manifest = cls()
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            words = line.split()
            fields = dict(zip(words[::2], words[1::2]))
            if len(words) % 2 or not {"file", "seq", "type"} <= fields.keys() or not fields["seq"].isdigit():
                raise AofError(f"Invalid AOF manifest file format at line {number}: {line!r}")
            entry = AofFile(fields["file"], int(fields["seq"]), fields["type"])
            if entry.type == BASE or ".base." in entry.name:
                manifest.base_seq = max(manifest.base_seq, entry.seq)
            else:
                manifest.incr_seq = max(manifest.incr_seq, entry.seq)
            if entry.type == BASE:
                if manifest.base is not None:
                    raise AofError("Found duplicate base file information in the AOF manifest")
                manifest.base = entry
            elif entry.type == INCR:
                manifest.incrs.append(entry)
            elif entry.type == HISTORY:
                manifest.history.append(entry)
            else:
                raise AofError(f"Unknown AOF file type {entry.type!r} in the AOF manifest")
        if manifest.base is None and not manifest.incrs and not manifest.history:
            raise AofError("Found an empty AOF manifest")
        return manifest

    def text(self) -> str:
        files = ([self.base] if self.base else []) + self.history + self.incrs
        return "".join(entry.line() for entry in files)

    def files_to_load(self) -> list[AofFile]:
        return ([self.base] if self.base else []) + self.incrs
# --8<-- [end:manifest]


# --8<-- [start:commands]
def encode_command(args: list[bytes]) -> bytes:
    """A command as the AOF holds it: exactly as a client sends it, in RESP."""
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        parts.append(b"$%d\r\n%s\r\n" % (len(arg), arg))
    return b"".join(parts)


def read_commands(data: bytes, start: int = 0) -> Iterator[tuple[list[bytes], int]]:
    """Each command in `data` from `start` on, with the offset where it ends.

    Lines starting with "#" are annotations (aof-timestamp-enabled writes
    "#TS:..."), skipped. A file that ends inside a command raises
    Truncated; anything that is not RESP raises AofError."""
    position, end = start, len(data)

    def line() -> bytes:
        nonlocal position
        newline = data.find(b"\n", position)
        if newline < 0:
            raise Truncated("Unexpected end of file", valid_up_to)
        text, position = data[position:newline + 1], newline + 1
        return text

    valid_up_to = start
    while position < end:
        header = line()
        if header.startswith(b"#"):
            valid_up_to = position
            continue
        if not header.startswith(b"*") or not header[1:].strip().isdigit() or int(header[1:]) < 1:
            raise AofError(f"Bad file format at offset {valid_up_to}")
        args = []
        for _ in range(int(header[1:])):
            length_line = line()
            if not length_line.startswith(b"$") or not length_line[1:].strip().isdigit():
                raise AofError(f"Bad file format at offset {valid_up_to}")
            length = int(length_line[1:])
            if position + length + 2 > end:
                raise Truncated("Unexpected end of file", valid_up_to)
            args.append(data[position:position + length])
            position += length + 2  # the value, and its \r\n
        valid_up_to = position
        yield args, position
# --8<-- [end:commands]


# --8<-- [start:writer]
class AppendOnlyFile:
    """The open AOF: the manifest, the incr file commands are appended to,
    and the buffer of commands not yet written to it."""

    def __init__(self, directory: str, filename: str) -> None:
        self.directory = directory  # dir/appenddirname
        self.filename = filename  # appendfilename: the prefix of every file's name
        self.manifest = Manifest()
        self.fd = -1  # the incr file being appended to
        self.buffer = bytearray()  # commands fed but not yet written
        self.selected_db = -1  # the database the file's last SELECT chose
        self.unsynced = False  # written since the last fsync
        self.last_fsync = time.monotonic()
        self.incr_size = 0  # for INFO's aof_current_size
        self.base_size = 0
        self.write_error: str | None = None  # why the last write failed (a full disk, say)

    @property
    def manifest_path(self) -> str:
        return os.path.join(self.directory, f"{self.filename}.manifest")

    def path(self, entry: AofFile) -> str:
        return os.path.join(self.directory, entry.name)

    def exists(self) -> bool:
        return os.path.exists(self.manifest_path)

    def read_manifest(self) -> None:
        with open(self.manifest_path, encoding="utf-8") as file:
            self.manifest = Manifest.parse(file.read())

    def write_manifest(self) -> None:
        """Replace the manifest in one step: write a temporary file, sync it,
        rename it over the old one. A crash leaves the old or the new."""
        temporary = os.path.join(self.directory, f"temp-{self.filename}.manifest")
        with open(temporary, "w", encoding="utf-8") as file:
            file.write(self.manifest.text())
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self.manifest_path)
        sync_directory(self.directory)

    def new_base(self, rdb_format: bool) -> AofFile:
        """The name and number of the next base file: appendonly.aof.2.base.rdb, say."""
        self.manifest.base_seq += 1
        seq = self.manifest.base_seq
        return AofFile(f"{self.filename}.{seq}.base.{'rdb' if rdb_format else 'aof'}", seq, BASE)

    def open_new_incr(self) -> AofFile:
        """Start appending to a new incr file (the caller updates the manifest)."""
        self.manifest.incr_seq += 1
        entry = AofFile(f"{self.filename}.{self.manifest.incr_seq}.incr.aof", self.manifest.incr_seq, INCR)
        self.open_incr(entry)
        return entry

    def open_incr(self, entry: AofFile) -> None:
        self.write()  # what was fed so far belongs to the file open until now
        if self.fd >= 0:
            os.fsync(self.fd)
            os.close(self.fd)
        self.fd = os.open(self.path(entry), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.incr_size = os.fstat(self.fd).st_size
        self.selected_db = -1  # a new file starts with no database selected

    def close(self) -> None:
        if self.fd >= 0:
            self.write()
            os.fsync(self.fd)
            os.close(self.fd)
            self.fd = -1

    def feed(self, db_index: int, args: list[bytes]) -> None:
        """Queue a command made in database `db_index`, after a SELECT if the
        file's last command was made in another."""
        if db_index != self.selected_db:
            self.buffer += encode_command([b"SELECT", b"%d" % db_index])
            self.selected_db = db_index
        self.buffer += encode_command(args)

    def write(self, fsync: bool = False) -> None:
        """Hand the buffer to the operating system, and with `fsync` wait
        until it is on the disk. Once written, a crash of this process loses
        nothing; a crash of the machine loses what was not yet synced."""
        if self.buffer and self.fd >= 0:
            try:
                written = os.write(self.fd, self.buffer)
            except OSError as error:
                # Keep the buffer to try again; the server refuses writes meanwhile.
                self.write_error = error.strerror
                return
            self.write_error = None
            del self.buffer[:written]  # a short write leaves the rest for next time
            self.incr_size += written
            self.unsynced = True
        if fsync and self.unsynced and self.fd >= 0:
            os.fsync(self.fd)
            self.unsynced, self.last_fsync = False, time.monotonic()

    def delete_history(self) -> None:
        for entry in self.manifest.history:
            try:
                os.unlink(self.path(entry))
            except FileNotFoundError:
                pass
        if self.manifest.history:
            self.manifest.history = []
            self.write_manifest()
# --8<-- [end:writer]


def sync_directory(path: str) -> None:
    """Make a rename in `path` survive a crash of the machine: sync the directory itself."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
