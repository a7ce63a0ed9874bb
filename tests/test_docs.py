"""The documentation site: every step has a page, and every page shows its step.

These tests start no server. Together with `mkdocs build --strict` they keep
the pages and the steps from drifting apart: a page includes its code from the
step's files rather than pasting it, shows a terminal session that the session
tests replay against the step, and asks for the diff against the previous step
through the build-time hook in docs/hooks/step_diff.py. One group of tests
builds the site into a temporary folder and reads the pages a reader gets:
they must work offline, so no page may load a script from another host.
"""

from __future__ import annotations

import hashlib
import html.parser
import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import markdown
import pytest
import yaml
from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
STEP_DIRS = sorted(path for path in (ROOT / "steps").glob("[0-9][0-9]_*") if path.is_dir())
STEP_NAMES = [path.name for path in STEP_DIRS]
# The checks of a page's content run on the pages that exist; a missing page
# fails test_every_step_has_a_page_listed_in_the_nav, once.
PAGED_STEPS = [path for path in STEP_DIRS if (DOCS / "steps" / f"{path.name}.md").exists()]
SESSIONS = sorted((DOCS / "sessions").glob("[0-9][0-9]_*.console"))

# --8<-- "steps/02_keep_open/server.py" or --8<-- "steps/02_keep_open/server.py:respond"
SNIPPET_INCLUDE = re.compile(r'^\s*-+8<-+\s+"(?P<path>[^":]+)(?::(?P<section>[A-Za-z][-_0-9A-Za-z]*))?"\s*$')


def load_hook(name: str = "step_diff"):
    spec = importlib.util.spec_from_file_location(name, DOCS / "hooks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


step_diff = load_hook()
code_indent = load_hook("code_indent")
diagram_scroll = load_hook("diagram_scroll")


class _IgnoreTagsLoader(yaml.SafeLoader):
    """Reads mkdocs.yml, whose `!!python/name:` tags safe_load refuses."""


_IgnoreTagsLoader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: suffix)
_IgnoreTagsLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def nav_pages(entries) -> list[str]:
    pages = []
    for entry in entries:
        if isinstance(entry, str):
            pages.append(entry)
        elif isinstance(entry, dict):
            for value in entry.values():
                pages += nav_pages(value) if isinstance(value, list) else [value]
    return pages


@pytest.fixture(scope="module")
def nav() -> list[str]:
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_IgnoreTagsLoader)
    return nav_pages(config["nav"])


def page_of(step: str) -> Path:
    return DOCS / "steps" / f"{step}.md"


def page_text(step: str) -> str:
    return page_of(step).read_text(encoding="utf-8")


def includes(text: str) -> list[tuple[str, str | None]]:
    """(path, section) for every snippet include in a page."""
    return [(m["path"], m["section"]) for line in text.splitlines() if (m := SNIPPET_INCLUDE.match(line))]


def all_pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


# --- every step has a page that shows it ----------------------------------------------------


@pytest.mark.parametrize("step", STEP_NAMES)
def test_every_step_has_a_page_listed_in_the_nav(step, nav):
    assert page_of(step).exists(), f"docs/steps/{step}.md is missing"
    assert f"steps/{step}.md" in nav, f"docs/steps/{step}.md is not in mkdocs.yml's nav"


def test_the_nav_lists_the_steps_in_order(nav):
    listed = [Path(page).stem for page in nav if page.startswith("steps/")]
    assert listed == sorted(listed)


@pytest.mark.parametrize(
    "step, source",
    [(step.name, source.relative_to(step).as_posix())
     for step in PAGED_STEPS for source in sorted(step.rglob("*.py")) if "__pycache__" not in source.parts],
)
def test_every_page_includes_each_python_file_of_its_step(step, source):
    included = {path for path, _section in includes(page_text(step))}
    assert f"steps/{step}/{source}" in included, (
        f'docs/steps/{step}.md never includes steps/{step}/{source}: add --8<-- "steps/{step}/{source}" '
        "(or one of its sections) instead of pasting code"
    )


@pytest.mark.parametrize("step", [path.name for path in PAGED_STEPS])
def test_every_page_has_a_session_file(step):
    assert (DOCS / "sessions" / f"{step}.console").exists(), f"docs/sessions/{step}.console is missing"


@pytest.mark.parametrize("step", [path.name for path in PAGED_STEPS])
def test_every_page_includes_its_session_file(step):
    assert (f"docs/sessions/{step}.console", None) in includes(page_text(step)), (
        f'add --8<-- "docs/sessions/{step}.console" inside a console fence to docs/steps/{step}.md'
    )


@pytest.mark.parametrize("session", SESSIONS, ids=[path.stem for path in SESSIONS])
def test_every_session_file_belongs_to_a_step(session):
    assert session.stem in STEP_NAMES, f"{session.name} names no step folder"


@pytest.mark.parametrize("session", SESSIONS, ids=[path.stem for path in SESSIONS])
def test_every_session_file_starts_with_a_command(session):
    lines = session.read_text(encoding="utf-8").splitlines()
    assert lines and lines[0].startswith("$ "), "a session is commands ('$ ...') each followed by its output"


@pytest.mark.parametrize("step", [path.name for path in PAGED_STEPS if path != STEP_DIRS[0]])
def test_every_page_after_the_first_shows_the_diff_from_the_previous_step(step):
    previous = STEP_NAMES[STEP_NAMES.index(step) - 1]
    markers = [(m["old"], m["new"]) for line in page_text(step).splitlines()
               if (m := step_diff.DIFF_MARKER.match(line))]
    assert (previous, step) in markers, f"add <!-- diff: {previous} {step} --> to docs/steps/{step}.md"


# --- includes and diff markers point at things that exist ----------------------------------


@pytest.mark.parametrize("page", all_pages(), ids=lambda page: page.relative_to(DOCS).as_posix())
def test_every_snippet_include_names_an_existing_file_and_section(page):
    for path, section in includes(page.read_text(encoding="utf-8")):
        target = ROOT / path
        assert target.is_file(), f"{path} does not exist"
        if section:
            text = target.read_text(encoding="utf-8")
            assert re.search(rf"-8<-+\s+\[\s*start\s*:\s*{re.escape(section)}\s*\]", text), (
                f"{path} has no section marker [start:{section}]"
            )


@pytest.mark.parametrize("page", all_pages(), ids=lambda page: page.relative_to(DOCS).as_posix())
def test_every_diff_marker_names_two_existing_steps(page):
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1):
        if step_diff.DIFF_MARKER_ATTEMPT.match(line):
            match = step_diff.DIFF_MARKER.match(line)
            assert match, f"line {number}: malformed diff marker {line.strip()!r}"
            for step in (match["old"], match["new"]):
                assert step in STEP_NAMES, f"line {number}: diff marker names {step!r}, which is not a step"


# --- the diff hook ---------------------------------------------------------------------------


def write_step(root: Path, name: str, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / name / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_a_diff_marker_becomes_a_titled_diff_block_for_each_changed_file():
    rendered = step_diff.expand_diff_markers("<!-- diff: 02_keep_open 03_many_clients -->", ROOT / "steps")
    assert rendered.startswith('```diff title="server.py"')
    assert "+import threading" in rendered.splitlines()
    assert rendered.endswith("```")


def test_a_diff_keeps_the_indentation_of_its_marker():
    rendered = step_diff.expand_diff_markers("    <!-- diff: 02_keep_open 03_many_clients -->", ROOT / "steps")
    assert all(line.startswith("    ") for line in rendered.splitlines() if line)


def test_a_diff_leaves_out_snippet_section_markers(tmp_path):
    write_step(tmp_path, "01_a", {"server.py": "x = 1\n"})
    write_step(tmp_path, "02_b", {"server.py": "# --8<-- [start:x]\nx = 1\n    # --8<-- [end:x]\n"})
    rendered = "\n".join(step_diff.render_diff(tmp_path, "01_a", "02_b"))
    assert "8<" not in rendered
    assert "No Python file changed" in rendered


def test_a_diff_of_real_steps_never_shows_a_section_marker():
    for old, new in zip(STEP_NAMES, STEP_NAMES[1:]):
        assert "8<-" not in "\n".join(step_diff.render_diff(ROOT / "steps", old, new))


def test_a_diff_marks_new_and_removed_files(tmp_path):
    write_step(tmp_path, "01_a", {"server.py": "a\n", "gone.py": "old\n"})
    write_step(tmp_path, "02_b", {"server.py": "a\n", "resp.py": "new\n"})
    rendered = step_diff.render_diff(tmp_path, "01_a", "02_b")
    titles = [line.strip() for line in rendered if line.strip().startswith("```diff")]
    assert titles == ['```diff title="resp.py (new file)"', '```diff title="gone.py (removed)"']
    assert "+new" in rendered and "    -old" in rendered


def test_a_removed_file_comes_last_and_folded(tmp_path):
    # A whole deleted file is long and says little; the changes come first.
    write_step(tmp_path, "01_a", {"a_gone.py": "x\ny\n", "server.py": "a\n"})
    write_step(tmp_path, "02_b", {"server.py": "b\n", "z_new.py": "new\n"})
    rendered = step_diff.render_diff(tmp_path, "01_a", "02_b")
    folded = rendered.index('??? note "a_gone.py (removed, 2 lines)"')
    assert rendered.index('```diff title="server.py"') < rendered.index('```diff title="z_new.py (new file)"') < folded
    assert all(line.startswith("    ") for line in rendered[folded + 1:] if line)


def test_a_removed_file_is_folded_on_the_built_page():
    html = markdown.Markdown(extensions=["pymdownx.details", "pymdownx.superfences"]).convert(
        "\n".join(step_diff.render_diff(ROOT / "steps", "04_shared_state", "05_resp")))
    assert html.rindex("<details") > html.rindex('<span class="filename">server.py</span>'), (
        "lost_updates.py, removed in step 05, should come after the changed files, folded")


def test_a_diff_covers_python_source_files_only(tmp_path):
    write_step(tmp_path, "01_a", {"server.py": "a\n", "notes.txt": "x\n"})
    write_step(tmp_path, "02_b", {"server.py": "a\n", "notes.txt": "y\n", "__pycache__/junk.py": "z\n"})
    rendered = "\n".join(step_diff.render_diff(tmp_path, "01_a", "02_b"))
    assert "No Python file changed" in rendered


def test_a_diff_marker_naming_a_missing_step_fails_the_build():
    with pytest.raises(PluginError, match="09_nowhere"):
        step_diff.expand_diff_markers("<!-- diff: 01_hello 09_nowhere -->", ROOT / "steps")


def test_a_malformed_diff_marker_fails_the_build():
    with pytest.raises(PluginError, match="malformed"):
        step_diff.expand_diff_markers("<!-- diff: 01_hello -->", ROOT / "steps")


# --- long lines and wide diagrams on narrow screens ------------------------------------------


def highlighted(source: str, lang: str) -> str:
    md = markdown.Markdown(extensions=["pymdownx.highlight", "pymdownx.superfences"],
                           extension_configs={"pymdownx.highlight": {"line_spans": "__span",
                                                                     "pygments_lang_class": True}})
    return md.convert(f"```{lang}\n{source}\n```")


def test_each_code_line_carries_its_indentation_for_the_wrap():
    html = code_indent.mark_indentation(highlighted('def f():\n    if x:\n        return "a b c"\nx = 1', "python"))
    indents = re.findall(r'<span id="__span-\d+-(\d+)"(?: style="--indent:(\d+)")?>', html)
    assert indents == [("1", ""), ("2", "4"), ("3", "8"), ("4", "")]


def test_a_diff_line_is_indented_past_its_plus_or_minus():
    html = code_indent.mark_indentation(highlighted("@@ -1 +1 @@\n-    old\n+        new\n     same", "diff"))
    assert re.findall(r'style="--indent:(\d+)"', html) == ["5", "9", "5"]


def test_a_diagram_gets_a_container_that_can_scroll():
    html = diagram_scroll.wrap_diagrams('<p>x</p><pre class="mermaid"><code>graph LR\n a --> b</code></pre>')
    assert html == '<p>x</p><div class="diagram-scroll"><pre class="mermaid"><code>graph LR\n a --> b</code></pre></div>'


# --- what pymdownx.snippets does with section markers ---------------------------------------


def test_a_whole_file_include_shows_no_section_markers():
    # The pages rely on this: "Whole file" tabs include files full of
    # "# --8<-- [start:name]" lines, and readers must not see them.
    md = markdown.Markdown(extensions=["pymdownx.snippets"],
                           extension_configs={"pymdownx.snippets": {"base_path": [str(ROOT)], "check_paths": True}})
    for step in STEP_DIRS:
        for source in step.glob("*.py"):
            text = source.read_text(encoding="utf-8")
            if "8<-" not in text:
                continue
            lines = md.preprocessors["snippet"].run([f'--8<-- "{source.relative_to(ROOT).as_posix()}"'])
            assert lines, f"{source} included nothing"
            assert not [line for line in lines if "8<-" in line], f"{source}: section markers shown"


# --- the built site works offline -------------------------------------------------------------

# docs/javascripts/vendor/ holds dist/mermaid.min.js of the npm package mermaid@11.17.2,
# renamed; mkdocs.yml loads it through extra_javascript.
MERMAID = DOCS / "javascripts" / "vendor" / "mermaid-11.17.2.min.js"
MERMAID_SHA256 = "581ed7d74bd9048d0e3a91363927d72ef22942d7722546b27f7cc29e35390eb8"


class _Scripts(html.parser.HTMLParser):
    """The src of every <script> in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "script" and (src := dict(attrs).get("src")):
            self.sources.append(src)


def scripts_of(page: Path) -> list[str]:
    parser = _Scripts()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.sources


@pytest.fixture(scope="module")
def built_site(tmp_path_factory) -> Path:
    """The site as `mkdocs build` makes it, in a folder of its own (not site/, which may be stale)."""
    site = tmp_path_factory.mktemp("site")
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--quiet", "--site-dir", str(site)],
                          cwd=ROOT, capture_output=True, text=True, timeout=100, check=False)
    assert done.returncode == 0, f"mkdocs build failed:\n{done.stderr[-3000:]}"
    return site


def built_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


# One worker builds the site once for all of these, under pytest-xdist too.
built = pytest.mark.xdist_group("docs-built-site")


@built
def test_no_built_page_loads_a_script_from_another_host(built_site):
    pages = built_pages(built_site)
    assert len(pages) > len(STEP_NAMES) - 1, "the build made too few pages"
    for page in pages:
        for src in scripts_of(page):
            parts = urlsplit(src)
            assert not parts.scheme and not parts.netloc, (
                f"{page.relative_to(built_site)} loads {src}: a reader without internet gets no script; "
                "ship it under docs/ instead"
            )


@built
def test_pages_with_diagrams_load_the_mermaid_that_ships_with_the_site(built_site):
    with_diagrams = [page for page in built_pages(built_site) if 'class="mermaid"' in page.read_text("utf-8")]
    assert with_diagrams, "no page has a mermaid diagram; is the mermaid fence still configured?"
    for page in with_diagrams:
        mermaid = [src for src in scripts_of(page) if "mermaid" in src]
        assert mermaid, f"{page.relative_to(built_site)} has a diagram but loads no mermaid"
        assert (page.parent / mermaid[0]).resolve() == (built_site / MERMAID.relative_to(DOCS)).resolve()


@built
def test_the_theme_uses_an_already_loaded_mermaid(built_site):
    # mkdocs-material fetches mermaid from a CDN only when none is loaded. If
    # a new version of the theme stopped checking, diagrams would need the
    # internet again: this test would notice.
    bundles = list((built_site / "assets" / "javascripts").glob("bundle.*.min.js"))
    assert bundles, "the theme's JavaScript bundle is not where it used to be"
    assert any('typeof mermaid=="undefined"' in bundle.read_text("utf-8") for bundle in bundles)


def test_the_vendored_mermaid_is_the_pinned_release():
    assert hashlib.sha256(MERMAID.read_bytes()).hexdigest() == MERMAID_SHA256, (
        f"{MERMAID.relative_to(ROOT)} is not dist/mermaid.min.js of mermaid@11.17.2; "
        "if you upgraded it on purpose, update the name, mkdocs.yml and this hash"
    )
