"""MkDocs hook: a mermaid diagram may scroll sideways on a narrow screen.

Mermaid draws a diagram as wide as the column and scales everything in it,
text included, to fit. A sequence diagram with four participants, shrunk to
the 370 px of a phone, has letters a few pixels high. So each diagram is
wrapped in a container of its own, `<div class="diagram-scroll">`, which
docs/stylesheets/extra.css lets scroll sideways on a narrow screen while the
diagram inside keeps a width at which its labels can be read. On a wide
screen the container changes nothing.

The theme finds diagrams as `pre.mermaid` wherever they are, so the wrapper
does not stop them from being drawn.
"""

from __future__ import annotations

import re

DIAGRAM = re.compile(r'<pre class="mermaid">.*?</pre>', re.DOTALL)


def wrap_diagrams(html: str) -> str:
    return DIAGRAM.sub(lambda match: f'<div class="diagram-scroll">{match[0]}</div>', html)


def on_page_content(html, *, page, config, files):
    return wrap_diagrams(html)
