"""Connect renders text, never markup: utility names, status details and error messages come from
the server (and, through it, from utilities and integrators), so no widget source may turn a
string into HTML or code. Preact escapes what it renders; these are the ways around it."""

from __future__ import annotations

import re
from pathlib import Path

WIDGET = Path(__file__).resolve().parents[1] / "widget" / "packages"
MARKUP_SINKS = re.compile(
    r"dangerouslySetInnerHTML|\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML|document\.write"
    r"|\beval\s*\(|new\s+Function\s*\(|\bsetTimeout\s*\(\s*['\"`]|createContextualFragment"
)


def _sources() -> list[Path]:
    return [
        path
        for path in WIDGET.glob("*/src/**/*")
        if path.suffix in {".ts", ".tsx"} and ".test." not in path.name
    ]


def test_no_widget_source_turns_a_string_into_markup_or_code() -> None:
    sources = _sources()
    assert len(sources) > 10, "the widget's sources were not found"
    found = [
        f"{path.relative_to(WIDGET)}:{number}: {line.strip()}"
        for path in sources
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if MARKUP_SINKS.search(line)
    ]
    assert found == []


def test_the_check_sees_each_sink() -> None:
    for line in [
        "<div dangerouslySetInnerHTML={{ __html: message }} />",
        "node.innerHTML = text;",
        "el.insertAdjacentHTML('beforeend', x)",
        "document.write(x)",
        "eval(code)",
        "const f = new Function(body)",
        "setTimeout('run()', 10)",
    ]:
        assert MARKUP_SINKS.search(line), line
    assert not MARKUP_SINKS.search("setTimeout(() => run(), 10); node.textContent = text;")
