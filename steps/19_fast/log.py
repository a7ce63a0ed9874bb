"""The server's log, in Redis's format, so that what operators grep for
in Redis's logs is there in ours too:

    4017:M 06 Dec 2026 12:18:44.607 * Background saving started by pid 4026

The process id; its role, M for the server and C for a child writing a
snapshot; the local time to the millisecond; the level's mark: `.` debug,
`-` verbose, `*` notice, `#` warning; then the message. `loglevel` says
which levels are written, `logfile` where: appended to that file, or to
standard error when it is empty. (Redis writes to standard output; ours
has the "Listening on" line that scripts and tests read first.)
"""

from __future__ import annotations

import os
import sys
import time

LEVELS = ("debug", "verbose", "notice", "warning")
MARKS = ".-*#"


class Log:
    def __init__(self) -> None:
        self.level = LEVELS.index("notice")
        self.path = ""  # the logfile; "": standard error
        self.role = "M"  # the server; a forked child sets "C"

    def configure(self, config: dict[str, bytes]) -> None:
        """loglevel may change at any time (CONFIG SET); logfile only at start."""
        self.level = LEVELS.index(config["loglevel"].decode())
        self.path = os.fsdecode(config["logfile"])

    def wants(self, level: str) -> bool:
        """Whether a message of this level is written: callers whose
        message costs something to make (a client's whole description) ask
        first, since most servers run at notice and would throw it away."""
        return LEVELS.index(level) >= self.level

    def __call__(self, message: str, level: str = "notice") -> None:
        if not self.wants(level):
            return
        now = time.time()
        line = (f"{os.getpid()}:{self.role} {time.strftime('%d %b %Y %H:%M:%S', time.localtime(now))}"
                f".{int(now * 1000) % 1000:03d} {MARKS[LEVELS.index(level)]} {message}\n")
        if not self.path:
            sys.stderr.write(line)
            sys.stderr.flush()
            return
        # Opened for every line, as Redis does: a log rotated away (renamed)
        # is recreated at the next line, with no signal to the server.
        try:
            with open(self.path, "a", encoding="utf-8", errors="backslashreplace") as file:
                file.write(line)
        except OSError:
            pass  # a log that cannot be written must not stop the server


log = Log()
