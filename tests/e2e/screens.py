"""Every screen a browser test reaches is photographed and checked with axe-core.

Screenshots go to build/e2e-screenshots/<test>/<nn>-<screen>.png (ignored by git) for people to
look at. axe-core comes from widget/node_modules (a pinned devDependency of the widget); it is
evaluated in the page or frame through the DevTools protocol, which a strict CSP allows, so the
pages under test keep their real CSP.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Frame, Page

from tests.e2e.harness import ROOT

SCREENSHOTS = ROOT / "build" / "e2e-screenshots"
AXE = ROOT / "widget" / "node_modules" / "axe-core" / "axe.min.js"

# WCAG 2.1 A and AA plus axe's best practices; every violation fails the test.
AXE_RUN = """async () => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
    resultTypes: ["violations"],
  });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " :: " + n.failureSummary),
  }));
}"""


@cache
def axe_source() -> str:
    if not AXE.is_file():
        raise RuntimeError(f"{AXE} is missing: run `cd widget && npm ci`")
    return AXE.read_text()


def axe_violations(target: Page | Frame) -> list[dict[str, Any]]:
    if not target.evaluate("() => typeof window.axe === 'object'"):
        target.evaluate(axe_source() + "\n;0")
    violations: list[dict[str, Any]] = target.evaluate(AXE_RUN)
    return violations


class Screens:
    def __init__(self, test_name: Path) -> None:
        self.folder = SCREENSHOTS / re.sub(r"[^\w.-]+", "_", str(test_name))
        self.count = 0
        self.seen: list[str] = []

    def check(self, page: Page, name: str, content: Page | Frame | None = None) -> None:
        """Photograph ``page`` and assert axe finds nothing wrong in ``content`` (the Connect
        frame, or the page itself)."""
        self.count += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=self.folder / f"{self.count:02d}-{name}.png")
        self.seen.append(name)
        violations = axe_violations(content or page)
        assert violations == [], f"axe on screen {name!r}: {violations}"
