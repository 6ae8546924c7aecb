"""Each page's trace as a diagram: every ``.rst`` page that defines needs ends with a
``needflow`` of its own needs (requirement -> architecture -> implementation -> test, the
links drawn with their names), and the traceability page with one of the whole workspace.

Added when the page is read, so a new page with needs gets its diagram without anyone
remembering to write it; the HTML check of ``cargo xtask docs`` requires an SVG on every
page with needs.
"""

from __future__ import annotations

import re

_NEED = re.compile(r"^\.\. (req|arch_component|impl|test)::", re.MULTILINE)

#: The page whose diagram covers every need.
WHOLE_WORKSPACE_PAGE = "traceability"


def _diagram(title: str, filter_expression: str | None) -> str:
    lines = ["", "", title, "-" * len(title), "", ".. needflow::", "   :show_link_names:", "   :direction: right"]
    if filter_expression:
        lines.append(f"   :filter: {filter_expression}")
    return "\n".join(lines) + "\n"


def _append_diagram(app, docname, source):
    if not app.env.doc2path(docname).name.endswith(".rst"):
        return
    text = source[0]
    if docname == WHOLE_WORKSPACE_PAGE:
        source[0] = text + _diagram("Trace of the whole workspace", None)
    elif _NEED.search(text):
        source[0] = text + _diagram("Trace of this page", f'docname == "{docname}"')


def setup(app):
    app.connect("source-read", _append_diagram)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
