"""Citations an assessor can click: every ``:source:`` and ``:test:`` of a need becomes a
link to a page of these docs that shows the cited file, at the built commit, with line
numbers, one anchor per line and the cited lines highlighted.

sphinx-needs renders a need's fields as ``<span class="needs_data">`` text. After it has
done so (``doctree-resolved``, run later than sphinx-needs' own handler), each citation in
that text is replaced by a reference to a generated page, one page per cited range of a
file (``_code/<path>/L<start>-L<end>.html``), so the highlight is exactly the citation. A
``:test:`` cites ``path::function``; its range is the function, from its ``fn`` line to the
closing brace. The pages are produced like ``sphinx.ext.viewcode``'s: through
``html-collect-pages``, in the theme, offline, part of the HTML output.

``cargo xtask trace`` checks that the ranges still hold their symbols; ``cargo xtask docs``
checks the built HTML (every link resolves, its anchor is the first cited line, the
highlighted lines are the cited ones).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from docutils import nodes
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import RustLexer

#: Where generated source pages live in the HTML output.
CODE_DIR = "_code"

_SOURCE = re.compile(r"^(?P<path>[A-Za-z0-9_./-]+\.rs):(?P<start>[0-9]+)(?:-(?P<end>[0-9]+))?$")
_TEST = re.compile(r"^(?P<path>[A-Za-z0-9_./-]+\.rs)::(?P<name>[A-Za-z_][A-Za-z0-9_]*)$")


@dataclass(frozen=True)
class Cited:
    """One cited range of one file: a generated page."""

    path: str
    start: int
    end: int

    @property
    def pagename(self) -> str:
        return f"{CODE_DIR}/{self.path}/L{self.start}-L{self.end}"


def _repository(app) -> Path:
    return Path(app.confdir).parent


@lru_cache(maxsize=None)
def _read(path: Path) -> str:
    """A cited file's text, read once per build however often it is cited."""
    return path.read_text(encoding="utf-8")


def test_function_range(text: str, name: str) -> tuple[int, int] | None:
    """1-based lines of ``fn name``: from its line to its closing brace (braces counted
    outside strings and comments, enough for test functions)."""
    lines = text.split("\n")
    pattern = re.compile(rf"\bfn\s+{re.escape(name)}\b")
    for index, line in enumerate(lines):
        if not pattern.search(line):
            continue
        depth = 0
        opened = False
        for end in range(index, len(lines)):
            code = re.sub(r'"(?:\\.|[^"\\])*"', '""', lines[end].split("//")[0])
            for char in code:
                if char == "{":
                    depth += 1
                    opened = True
                elif char == "}":
                    depth -= 1
            if opened and depth <= 0:
                return index + 1, end + 1
        return None
    return None


def _resolve(app, value: str, field: str) -> Cited | None:
    """The cited range of one citation, or ``None`` (with a warning) when it cannot be."""
    root = _repository(app)
    if field == "source":
        match = _SOURCE.match(value)
        if not match:
            return None
        start = int(match["start"])
        end = int(match["end"] or start)
        if not (root / match["path"]).is_file():
            return None
        return Cited(match["path"], start, end)
    match = _TEST.match(value)
    if not match:
        return None
    file = root / match["path"]
    if not file.is_file():
        return None
    found = test_function_range(_read(file), match["name"])
    if found is None:
        return None
    return Cited(match["path"], found[0], found[1])


def _link_citations(app, doctree, docname):
    """Turns the text of every ``source`` and ``test`` field into links to source pages."""
    env = app.env
    pages = getattr(env, "wrt_cited_pages", None)
    if pages is None:
        pages = env.wrt_cited_pages = {}
    for container in list(doctree.findall(nodes.inline)):
        classes = container.get("classes", [])
        field = next((f for f in ("source", "test") if f"needs_{f}" in classes), None)
        if field is None:
            continue
        for data in list(container.findall(nodes.inline)):
            if "needs_data" not in data.get("classes", []):
                continue
            values = [v.strip() for v in data.astext().split(",") if v.strip()]
            data.children = []
            for position, value in enumerate(values):
                if position:
                    data += nodes.Text(", ")
                cited = _resolve(app, value, field)
                if cited is None:
                    # Left as text: `cargo xtask trace` names the broken citation, and the
                    # HTML check fails on a citation without a link.
                    data += nodes.literal(value, value, classes=["wrt-unresolved"])
                    continue
                pages.setdefault(cited, set()).add(docname)
                uri = app.builder.get_relative_uri(docname, cited.pagename)
                reference = nodes.reference(
                    "", "", internal=True, refuri=f"{uri}#L{cited.start}",
                    classes=["wrt-citation"],
                )
                reference["wrt-range"] = f"{cited.start}-{cited.end}"
                reference += nodes.literal(value, value)
                data += reference


def _highlighted_lines(text: str) -> list[str]:
    """One HTML string per source line. Pygments closes its spans at every newline when it
    formats without wrapping, so each piece is well-formed on its own."""
    formatted = highlight(text, RustLexer(), HtmlFormatter(nowrap=True))
    lines = formatted.split("\n")
    wanted = text.count("\n") + (0 if text.endswith("\n") else 1)
    return (lines + [""] * wanted)[:wanted]


def _page_body(app, cited: Cited, citing: set[str], pagename: str) -> str:
    root = _repository(app)
    text = _read(root / cited.path)
    # Each line is a block of its own (CSS), so no newline between them: one would show
    # as an empty line after every line.
    rows = []
    for number, line in enumerate(_highlighted_lines(text), start=1):
        mark = " wrt-cited" if cited.start <= number <= cited.end else ""
        rows.append(
            f'<span class="wrt-line{mark}" id="L{number}">'
            f'<a class="wrt-lineno" href="#L{number}">{number:>4}</a> {line}</span>'
        )
    back = ", ".join(
        f'<a href="{app.builder.get_relative_uri(pagename, doc)}">{html.escape(doc)}</a>'
        for doc in sorted(citing)
    )
    stamp = app.config.html_context.get("wrt_stamp", "")
    return (
        f"<h1>{html.escape(cited.path)}, lines {cited.start}&#8211;{cited.end}</h1>\n"
        f'<p class="wrt-stamp">At commit <code>{html.escape(stamp)}</code>. '
        f"Cited from: {back}.</p>\n"
        f'<div class="highlight wrt-source" data-path="{html.escape(cited.path)}" '
        f'data-range="{cited.start}-{cited.end}"><pre>' + "".join(rows) + "</pre></div>\n"
    )


def _collect_pages(app):
    """One page per cited range, yielded to the HTML builder like viewcode's pages."""
    if app.builder.format != "html":
        return
    pages = getattr(app.env, "wrt_cited_pages", {})
    for cited in sorted(pages, key=lambda c: (c.path, c.start, c.end)):
        pagename = cited.pagename
        context = {
            "title": f"{cited.path}:{cited.start}-{cited.end}",
            "body": _page_body(app, cited, pages[cited], pagename),
            "parents": [],
        }
        yield pagename, context, "page.html"


def _forget_old_pages(app, env, docnames):
    env.wrt_cited_pages = {}
    _read.cache_clear()


def setup(app):
    app.connect("env-before-read-docs", _forget_old_pages)
    # After sphinx-needs has rendered the need fields (its handler runs at the default 500).
    app.connect("doctree-resolved", _link_citations, priority=900)
    app.connect("html-collect-pages", _collect_pages)
    app.add_css_file("wrt.css")
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": False}
