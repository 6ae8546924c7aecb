# Sphinx configuration of the wrt resource-management docs.
#
# Built by `cargo xtask docs` (sphinx-build -W --keep-going: every warning is an error) into
# target/docs/html, with the needs exported to needs.json. `cargo xtask trace` reads the same
# .rst sources and checks every :source: / :symbol: / :test: against the code; the convention
# is described in traceability.rst.

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "_ext"))


def _git(*args: str) -> str:
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout.strip()


# The stamp: the commit the docs describe, and "modified" when the working tree differs
# from it (then the source pages show the tree, not the commit). A build outside a git
# checkout fails here: unstamped docs are not evidence.
WRT_COMMIT = _git("rev-parse", "HEAD")
WRT_MODIFIED = _git("status", "--porcelain", "--untracked-files=no") != ""
WRT_STAMP = WRT_COMMIT + (" (modified)" if WRT_MODIFIED else "")

project = "wrt resource management"
author = "wrt contributors"
copyright = "wrt contributors"
# needs.json records `version` as its `current_version`: the stamp goes there too.
version = WRT_STAMP
release = WRT_STAMP

html_context = {"wrt_stamp": WRT_STAMP, "wrt_commit": WRT_COMMIT}
templates_path = ["_templates"]
html_static_path = ["_static"]

# myst_parser renders docs/declared-limits.md (written with the admission code) as a page.
# wrt_sources (docs/_ext) links every citation to a generated page of the cited lines;
# wrt_trace_diagrams adds each page's needflow. graphviz draws the needflows as SVG.
extensions = [
    "sphinx_needs",
    "myst_parser",
    "sphinx.ext.graphviz",
    "wrt_sources",
    "wrt_trace_diagrams",
]
graphviz_output_format = "svg"
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
# Pygments' WAT lexer does not know annotations such as `(@custom ...)`; the block is then
# shown without colours. Only colouring is affected, so this one warning is not an error.
suppress_warnings = ["misc.highlighting_failure"]

exclude_patterns = ["_build", ".venv", "requirements.txt", "_ext", "_templates", "_static"]
root_doc = "index"
html_theme = "alabaster"
html_title = "wrt resource management"
html_theme_options = {"page_width": "1200px", "sidebar_width": "260px"}

# --- sphinx-needs -------------------------------------------------------------------------

# A requirement says what must hold; an architecture component is a part of the design that
# satisfies requirements; an implementation is a piece of code that implements a requirement
# or a component; a test verifies a requirement.
needs_types = [
    {
        "directive": "req",
        "title": "Requirement",
        "prefix": "REQ_",
        "color": "#BFD8D2",
        "style": "node",
    },
    {
        "directive": "arch_component",
        "title": "Architecture component",
        "prefix": "ARCH_",
        "color": "#FEDCD2",
        "style": "component",
    },
    {
        "directive": "impl",
        "title": "Implementation",
        "prefix": "IMPL_",
        "color": "#DF744A",
        "style": "node",
    },
    {
        "directive": "test",
        "title": "Test",
        "prefix": "TEST_",
        "color": "#DCB239",
        "style": "node",
    },
]

# Citation fields. The schemas reject a malformed value at build time; `cargo xtask trace`
# checks that the value still matches the code.
_PATH = r"[A-Za-z0-9_./-]+[.]rs"
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
needs_fields = {
    # accepted: a requirement agreed and in force; implemented: realised by the code cited.
    "status": {
        "nullable": True,
        "schema": {"type": "string", "enum": ["accepted", "implemented"]},
    },
    "source": {
        "description": "Cited code: path relative to the repository root and a 1-based "
        "inclusive line range, `path:start-end`.",
        "nullable": True,
        "schema": {"type": "string", "pattern": rf"^{_PATH}:[0-9]+(-[0-9]+)?$"},
    },
    "symbol": {
        "description": "Comma-separated items defined inside the :source: range: `Name` or "
        "`Type::member`.",
        "nullable": True,
        "schema": {
            "type": "string",
            "pattern": rf"^{_NAME}(::{_NAME})*(, *{_NAME}(::{_NAME})*)*$",
        },
    },
    "test": {
        "description": "Comma-separated test functions, `path/to/file.rs::function`.",
        "nullable": True,
        "schema": {
            "type": "string",
            "pattern": rf"^{_PATH}::{_NAME}(, *{_PATH}::{_NAME})*$",
        },
    },
    "environments": {
        "description": "Feature environments the item exists in: no_alloc, alloc, std.",
        "nullable": True,
        "schema": {"type": "string"},
    },
    "rationale": {
        "description": "Why the requirement or the design decision exists.",
        "nullable": True,
        "schema": {"type": "string"},
    },
}

# Links (the non-deprecated form of `needs_extra_links` in sphinx-needs 9).
needs_links = {
    "satisfies": {
        "description": "An architecture component satisfies a requirement.",
        "outgoing": "satisfies",
        "incoming": "satisfied by",
        "target_types": ["req"],
    },
    "implements": {
        "description": "Code implements a requirement or an architecture component.",
        "outgoing": "implements",
        "incoming": "implemented by",
        "target_types": ["req", "arch_component"],
    },
    "verifies": {
        "description": "A test verifies a requirement.",
        "outgoing": "verifies",
        "incoming": "verified by",
        "target_types": ["req"],
    },
}

needs_id_required = True
needs_id_regex = r"^(REQ|ARCH|IMPL|TEST)_[A-Z0-9_]+$"

# needs.json next to the HTML (copied to target/docs/needs.json by `cargo xtask docs`).
needs_build_json = True
needs_reproducible_json = True

needs_table_style = "TABLE"
needs_table_columns = "ID;TITLE;TYPE;OUTGOING;INCOMING"

# Trace diagrams: requirement -> architecture -> implementation -> test, drawn by graphviz.
needs_flow_engine = "graphviz"
needs_flow_show_links = True
