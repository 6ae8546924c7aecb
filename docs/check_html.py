"""Checks the built HTML as an assessor would use it (run by `cargo xtask docs`).

    check_html.py HTML_DIR REPO_ROOT COMMIT      check a build
    check_html.py --self-test                   show the check fails on broken pages

For every need in needs.json that cites code — each `:source:` of an `arch_component` or
`impl`, each `:test:` of a `test` — the need's page must hold a link whose text is the
citation; the link must open an existing page of the build; for a `:source:` its anchor
must be the first cited line, and the lines that page highlights must be exactly the cited
range, each with the text of that line in the repository; for a `:test:` the highlighted
lines must begin at the anchor with the test's `fn`. Every page with needs must show a
trace diagram (an SVG that exists), the traceability page one of the whole workspace,
every page must carry the stamp, and the stamp in
needs.json must name COMMIT.

Prints one line per problem and exits 1 if there is any, else prints a summary.
"""

from __future__ import annotations

import html
import json
import re
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, unquote

_SOURCE = re.compile(r"^(?P<path>[A-Za-z0-9_./-]+\.rs):(?P<start>[0-9]+)(?:-(?P<end>[0-9]+))?$")
_TEST = re.compile(r"^(?P<path>[A-Za-z0-9_./-]+\.rs)::(?P<name>[A-Za-z_][A-Za-z0-9_]*)$")


class _Page(HTMLParser):
    """What the check needs of one page: citation links, images, stamp, source lines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.citations: dict[str, list[str]] = {}
        self.images: list[str] = []
        self.stamp: str | None = None
        self.lines: dict[int, str] = {}
        self.cited: list[int] = []
        self._link: str | None = None
        self._link_text: list[str] = []
        self._in_stamp = False
        self._line: int | None = None
        self._line_text: list[str] = []
        self._line_depth = 0
        self._in_lineno = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if self._line is not None and tag == "span":
            self._line_depth += 1
        if tag == "a" and "wrt-citation" in classes:
            self._link = attributes.get("href") or ""
            self._link_text = []
        elif tag == "a" and "wrt-lineno" in classes:
            self._in_lineno = True
        elif tag == "img":
            self.images.append(attributes.get("src") or "")
        elif tag == "code" and "wrt-commit" in classes:
            self._in_stamp = True
            self.stamp = ""
        elif tag == "span" and "wrt-line" in classes:
            number = int((attributes.get("id") or "L0")[1:])
            self._line = number
            self._line_text = []
            self._line_depth = 1
            if "wrt-cited" in classes:
                self.cited.append(number)

    def handle_endtag(self, tag):
        if tag == "a" and self._link is not None:
            self.citations.setdefault("".join(self._link_text).strip(), []).append(self._link)
            self._link = None
        elif tag == "a" and self._in_lineno:
            self._in_lineno = False
        elif tag == "code" and self._in_stamp:
            self._in_stamp = False
        elif tag == "span" and self._line is not None:
            self._line_depth -= 1
            if self._line_depth == 0:
                # the line number is followed by one space before the code
                self.lines[self._line] = "".join(self._line_text)[1:]
                self._line = None

    def handle_data(self, data):
        if self._link is not None:
            self._link_text.append(data)
        if self._in_stamp and self.stamp is not None:
            self.stamp += data
        if self._line is not None and not self._in_lineno:
            self._line_text.append(data)


def _parse(path: Path, cache: dict[Path, _Page]) -> _Page | None:
    if path not in cache:
        if not path.is_file():
            return None
        page = _Page()
        page.feed(path.read_text(encoding="utf-8"))
        cache[path] = page
    return cache[path]


def _needs(html_dir: Path) -> tuple[str, dict]:
    data = json.loads((html_dir / "needs.json").read_text(encoding="utf-8"))
    current = data["current_version"]
    return current, data["versions"][current]["needs"]


def _check_link(html_dir, repo, page_path, value, field, links, cache, problems):
    where = f"{page_path.name}: {value}"
    if not links:
        problems.append(f"{where}: no link")
        return
    target, anchor = urldefrag(links[0])
    target_path = (page_path.parent / unquote(target)).resolve()
    code = _parse(target_path, cache)
    if code is None:
        problems.append(f"{where}: link to {target} opens no page")
        return
    if not anchor.startswith("L") or not anchor[1:].isdigit():
        problems.append(f"{where}: anchor #{anchor} is not a line")
        return
    first = int(anchor[1:])
    if field == "source":
        match = _SOURCE.match(value)
        start, end = int(match["start"]), int(match["end"] or match["start"])
        if first != start:
            problems.append(f"{where}: anchor #L{first}, first cited line {start}")
        if code.cited != list(range(start, end + 1)):
            shown = f"{code.cited[0]}-{code.cited[-1]}" if code.cited else "nothing"
            problems.append(f"{where}: page highlights {shown}, citation {start}-{end}")
        path = match["path"]
    else:
        match = _TEST.match(value)
        path = match["path"]
        if not code.cited or code.cited[0] != first:
            problems.append(f"{where}: highlight does not begin at #L{first}")
        elif not re.search(rf"\bfn\s+{match['name']}\b", code.lines.get(first, "")):
            problems.append(f"{where}: line {first} is not `fn {match['name']}`")
    source = (repo / path).read_text(encoding="utf-8").split("\n")
    for number in code.cited:
        wanted = source[number - 1] if number <= len(source) else None
        if code.lines.get(number) != wanted:
            problems.append(f"{where}: line {number} differs from {path}")
            break


def check(html_dir: Path, repo: Path, commit: str) -> list[str]:
    problems: list[str] = []
    cache: dict[Path, _Page] = {}
    stamp, needs = _needs(html_dir)
    if stamp.split(" ")[0] != commit:
        problems.append(f"needs.json: stamped {stamp!r}, HEAD is {commit}")
    by_page: dict[str, list[dict]] = {}
    for need in needs.values():
        by_page.setdefault(need["docname"], []).append(need)
    citations = 0
    for docname, page_needs in sorted(by_page.items()):
        page_path = html_dir / f"{docname}.html"
        page = _parse(page_path, cache)
        if page is None:
            problems.append(f"{docname}: no page")
            continue
        diagrams = [src for src in page.images if "needflow" in src and src.endswith(".svg")]
        if not diagrams:
            problems.append(f"{docname}.html: no trace diagram")
        for src in diagrams:
            if not (page_path.parent / unquote(src)).is_file():
                problems.append(f"{docname}.html: diagram {src} missing")
        for need in page_needs:
            fields = []
            if need["type"] in ("arch_component", "impl") and need.get("source"):
                fields.append(("source", [need["source"]]))
            if need["type"] == "test" and need.get("test"):
                fields.append(("test", [v.strip() for v in need["test"].split(",") if v.strip()]))
            for field, values in fields:
                for value in values:
                    citations += 1
                    links = page.citations.get(value, [])
                    _check_link(html_dir, repo, page_path, value, field, links, cache, problems)
    whole = _parse(html_dir / "traceability.html", cache)
    if whole is None or not any("needflow" in src for src in whole.images):
        problems.append("traceability.html: no diagram of the whole workspace")
    pages = 0
    for page_path in sorted(html_dir.rglob("*.html")):
        # search and genindex are Sphinx's own; permalink.html is sphinx-needs' redirect
        # for need links, a script with no content of its own.
        if page_path.name in ("search.html", "genindex.html", "permalink.html"):
            continue
        pages += 1
        page = _parse(page_path, cache)
        if page is None or page.stamp != stamp:
            problems.append(f"{page_path.relative_to(html_dir)}: stamp missing or not {stamp!r}")
    if not problems:
        print(
            f"check_html: {citations} citations link to the cited lines; "
            f"{len(by_page)} pages with diagrams; {pages} pages stamped {stamp}"
        )
    return problems


def _self_test() -> list[str]:
    """A tiny build with one right and three wrong citations: the check must name each."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        repo, out = root / "repo", root / "html"
        (repo / "src").mkdir(parents=True)
        (repo / "src/a.rs").write_text("fn one() {}\nfn two() {}\nfn three() {}\n")
        (out / "_code" / "src" / "a.rs").mkdir(parents=True)
        (out / "_images").mkdir()
        (out / "_images/needflow-x.svg").write_text("<svg/>")
        stamp = '<code class="wrt-commit">abc</code>'

        def code_page(name, cited):
            lines = "\n".join(
                f'<span class="wrt-line{" wrt-cited" if n in cited else ""}" id="L{n}">'
                f'<a class="wrt-lineno" href="#L{n}">{n:>4}</a> {html.escape(t)}</span>'
                for n, t in enumerate(["fn one() {}", "fn two() {}", "fn three() {}"], 1)
            )
            (out / "_code/src/a.rs" / name).write_text(f"{stamp}<pre>{lines}</pre>")

        code_page("L1-L2.html", {1, 2})
        code_page("L2-L3.html", {2})  # highlights less than it says
        link = '<a class="wrt-citation" href="{}"><code>{}</code></a>'
        (out / "page.html").write_text(
            stamp
            + '<img src="_images/needflow-x.svg">'
            + link.format("_code/src/a.rs/L1-L2.html#L1", "src/a.rs:1-2")
            + link.format("_code/src/a.rs/L2-L3.html#L3", "src/a.rs:2-3")
            + link.format("_code/src/a.rs/L9.html#L9", "src/a.rs:9")
        )
        (out / "traceability.html").write_text(stamp + '<img src="_images/needflow-x.svg">')
        needs = {
            "IMPL_A": {"docname": "page", "type": "impl", "source": "src/a.rs:1-2"},
            "IMPL_B": {"docname": "page", "type": "impl", "source": "src/a.rs:2-3"},
            "IMPL_C": {"docname": "page", "type": "impl", "source": "src/a.rs:9"},
            "IMPL_D": {"docname": "page", "type": "impl", "source": "src/a.rs:3"},
        }
        (out / "needs.json").write_text(
            json.dumps({"current_version": "abc", "versions": {"abc": {"needs": needs}}})
        )
        found = check(out, repo, "abc")
    expected = ["src/a.rs:2-3: anchor #L3", "src/a.rs:2-3: page highlights",
                "src/a.rs:9: link to", "src/a.rs:3: no link"]
    missing = [e for e in expected if not any(e in p for p in found)]
    if len(found) != len(expected) or missing:
        return [f"self-test: expected {expected}, found {found}"]
    return []


def main(argv: list[str]) -> int:
    if argv[1:] == ["--self-test"]:
        problems = _self_test()
        if not problems:
            print("check_html: self-test found every planted fault")
    elif len(argv) == 4:
        problems = check(Path(argv[1]), Path(argv[2]), argv[3])
    else:
        print(__doc__)
        return 2
    for problem in problems:
        print(f"check_html: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
