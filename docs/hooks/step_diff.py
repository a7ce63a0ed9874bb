"""MkDocs hook: show what changed between two step snapshots, computed at build time.

A page asks for a diff with a line of its own:

    <!-- diff: 04_shared_state 05_resp -->

The line may be indented (inside a content tab, an admonition, ...). It is
replaced, at the same indentation, by one fenced ```diff block per Python file
that differs between steps/04_shared_state/ and steps/05_resp/, each titled
with the file's name. Files only in the newer step show up as new, files only
in the older one as removed. Changed and new files come first; removed files
come last, each folded into a collapsed block (pymdownx.details), so that a
whole deleted file does not push the real changes down the page. No diff is
ever committed: it is made from the step folders on every build, so it cannot
go stale.

Snippet section markers (`# --8<-- [start:name]`, `# --8<-- [end:name]`) are
taken out of both sides before diffing. They are there for the pages to cut
code out of the steps, and readers should see only real code.

A marker that names a step folder that does not exist, or that is not written
as above, stops the build with an error instead of quietly showing nothing.

This runs in on_page_markdown, before pymdownx.snippets expands includes, so
a diff marker must be written in the page itself, not in an included file.
It works line by line and knows nothing of Markdown: a marker line inside a
code block is expanded too.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from mkdocs.exceptions import PluginError

# <!-- diff: OLD NEW --> alone on its line, with any indentation.
DIFF_MARKER = re.compile(r"^(?P<indent>[ \t]*)<!--\s*diff:\s*(?P<old>\S+)\s+(?P<new>\S+)\s*-->\s*$")
# Anything that looks like it was meant to be a diff marker, to catch typos.
DIFF_MARKER_ATTEMPT = re.compile(r"^[ \t]*<!--\s*diff\s*:")

# A line whose only content, besides a comment sign, is a pymdownx.snippets
# section marker: "# --8<-- [start:respond]", "    # --8<-- [end:respond]".
SECTION_MARKER = re.compile(
    r"^\s*(?:#|//|;|--)?\s*-+8<-+\s+\[\s*(?:start|end)\s*:\s*[A-Za-z][-_0-9A-Za-z]*\s*\]\s*$"
)

STEP_NAME = re.compile(r"^[A-Za-z0-9][-_.A-Za-z0-9]*$")


def strip_section_markers(lines: list[str]) -> list[str]:
    """The lines of a source file without its snippet section markers."""
    return [line for line in lines if not SECTION_MARKER.match(line)]


def source_files(step_dir: Path) -> set[str]:
    """The Python files of one step, as paths relative to the step folder."""
    return {
        path.relative_to(step_dir).as_posix()
        for path in step_dir.rglob("*.py")
        if path.is_file()
        and not any(part == "__pycache__" or part.startswith(".") for part in path.relative_to(step_dir).parts)
    }


def read_source(path: Path) -> list[str]:
    return strip_section_markers(path.read_text(encoding="utf-8").splitlines())


def fence_for(lines: list[str]) -> str:
    """A backtick fence longer than any run of backticks in the lines."""
    longest = max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0)
    return "`" * max(3, longest + 1)


def step_dir(steps_root: Path, name: str, where: str) -> Path:
    if not STEP_NAME.match(name):
        raise PluginError(f"{where}: diff marker names {name!r}, which is not a step folder name")
    path = steps_root / name
    if not path.is_dir():
        raise PluginError(f"{where}: diff marker names step {name!r}, but {path} does not exist")
    return path


def render_diff(steps_root: Path, old: str, new: str, indent: str = "", where: str = "diff") -> list[str]:
    """Markdown lines: one ```diff block per Python file that differs between two steps."""
    old_dir = step_dir(steps_root, old, where)
    new_dir = step_dir(steps_root, new, where)
    old_files, new_files = source_files(old_dir), source_files(new_dir)

    out: list[str] = []
    # Removed files last: sorted() puts False (still there) before True (removed).
    for name in sorted(old_files | new_files, key=lambda name: (name not in new_files, name)):
        before = read_source(old_dir / name) if name in old_files else []
        after = read_source(new_dir / name) if name in new_files else []
        if before == after:
            continue
        removed = name not in new_files
        if name not in old_files:
            title = f"{name} (new file)"
        elif removed:
            title = f"{name} (removed)"
        else:
            title = name
        diff = list(
            difflib.unified_diff(
                before,
                after,
                fromfile=f"{old}/{name}" if name in old_files else "/dev/null",
                tofile=f"{new}/{name}" if name in new_files else "/dev/null",
                lineterm="",
            )
        )
        fence = fence_for(diff)
        if out:
            out.append("")
        block_indent = indent
        if removed:
            # Folded: a collapsed "??? note" block, its diff indented inside it.
            lines = len(before)
            out.append(f'{indent}??? note "{name} (removed, {lines} line{"s" if lines != 1 else ""})"')
            out.append("")
            block_indent = indent + "    "
        out.append(f'{block_indent}{fence}diff title="{title}"')
        out.extend(f"{block_indent}{line}" for line in diff)
        out.append(f"{block_indent}{fence}")

    if not out:
        out.append(f"{indent}*No Python file changed between `{old}` and `{new}`.*")
    return out


def expand_diff_markers(markdown: str, steps_root: Path, where: str = "page") -> str:
    """Replace every diff marker line in `markdown` with the diff it asks for."""
    out: list[str] = []
    for number, line in enumerate(markdown.split("\n"), start=1):
        match = DIFF_MARKER.match(line)
        if match:
            out.extend(
                render_diff(steps_root, match["old"], match["new"], match["indent"], where=f"{where}:{number}")
            )
        elif DIFF_MARKER_ATTEMPT.match(line):
            raise PluginError(
                f"{where}:{number}: malformed diff marker {line.strip()!r}; "
                "write it as <!-- diff: OLD_STEP NEW_STEP --> on a line of its own"
            )
        else:
            out.append(line)
    return "\n".join(out)


def on_page_markdown(markdown, *, page, config, files):
    steps_root = Path(config["config_file_path"]).resolve().parent / "steps"
    return expand_diff_markers(markdown, steps_root, where=page.file.src_uri)
