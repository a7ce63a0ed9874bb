"""MkDocs hook: long code lines wrap under their own indentation.

Code blocks on the site wrap long lines instead of hiding their ends behind a
scroll bar (docs/stylesheets/extra.css). A wrapped Python line is only easy to
read if its continuation starts to the right of where the line itself starts,
the way an editor's soft wrap does it:

    def lookup(name: bytes, args: list[bytes]) -> ...:
        return error(b"ERR wrong number of arguments for
            'get' command")

pymdownx.highlight puts each line of a block in a span of its own
(`line_spans: __span` in mkdocs.yml). This hook counts the spaces each line
starts with and writes the count on the line's span, as a CSS variable:
`<span id="__span-3-7" style="--indent:8">`. The stylesheet gives the span a
hanging indent of that many characters plus four, so the first line stays
where it is and the rest of it lines up further right.

In a diff, the first character of a line is `+`, `-` or a space, and the
indentation of the code comes after it, so it is counted too.
"""

from __future__ import annotations

import re

# One highlighted block: <div class="language-python highlight"> ... </code></pre></div>
BLOCK = re.compile(r'(<div class="language-(?P<lang>[\w-]+) highlight">)(?P<body>.*?</code></pre>)', re.DOTALL)
# The start of one line, and everything up to the start of the next.
LINE = re.compile(r'<span id="(?P<id>__span-\d+-\d+)">(?P<text>.*?)(?=<span id="__span-|</code>)', re.DOTALL)
TAG = re.compile(r"<[^>]+>")


def leading_columns(line_html: str, diff: bool) -> int:
    """How many columns of indentation a line of highlighted HTML starts with."""
    text = TAG.sub("", line_html)
    if diff and text[:1] in ("+", "-", " "):
        return 1 + leading_columns(text[1:], diff=False)
    return len(text) - len(text.lstrip(" "))


def mark_indentation(html: str) -> str:
    def block(match: re.Match[str]) -> str:
        diff = match["lang"] == "diff"

        def line(line_match: re.Match[str]) -> str:
            columns = leading_columns(line_match["text"], diff)
            if not columns:
                return line_match[0]
            return f'<span id="{line_match["id"]}" style="--indent:{columns}">{line_match["text"]}'

        return match[1] + LINE.sub(line, match["body"])

    return BLOCK.sub(block, html)


def on_page_content(html, *, page, config, files):
    return mark_indentation(html)
