"""Every Content-Security-Policy violation in a browser context, in every frame, as it happens.

How: an init script (Playwright runs it in every document of the context before any of the
document's own scripts, cross-origin iframes included) listens for the `securitypolicyviolation`
event the browser fires at the document for each violation (CSP3 §5.3), and hands it at once to
Python through a binding exposed to every frame of the context.

Why this way:
- It catches violations inside the cross-origin Connect frame, which is where they would be.
- Reported at once, so violations in a document that is gone by the end of the flow still count:
  the loader removes its frame on exit, and a connect link navigates back to the host.
- It is the browser's own structured report (directive, blocked URI, source file), not a console
  text to match: Chromium 156 words its console message "Applying inline style violates the
  following Content Security Policy directive …" (no longer "Refused to …"), and reports an
  `eval` refusal as a thrown EvalError with no console message at all, which this event still
  catches.

The listener and the binding run in Playwright's CDP-injected scripts, outside the page's CSP,
so watching causes no violation itself.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import BrowserContext, Page, Response

BINDING = "__gridlinkTestCspViolation"
# Sources that would let an inline or injected script or style through, so that a run reports no
# violation because nothing is refused any more.
LOOSE_SOURCES = {
    "'unsafe-inline'",
    "'unsafe-eval'",
    "'unsafe-hashes'",
    "*",
    "data:",
    "http:",
    "https:",
}
LISTENER = f"""
document.addEventListener("securitypolicyviolation", (event) => {{
  window.{BINDING}({{
    document: event.documentURI,
    directive: event.effectiveDirective,
    blocked: event.blockedURI,
    source: event.sourceFile,
    line: event.lineNumber,
    sample: event.sample,
    disposition: event.disposition,
  }});
}}, true);
"""


class CspViolations:
    """Watches one browser context from before its first page; ``seen`` lists what it caught.
    ``policies`` maps each Connect page loaded (/connect/frame, /connect/link) to the CSP it
    was served with, so a test can show the pages it watched really had a policy to violate."""

    def __init__(self, context: BrowserContext, gridlink_url: str) -> None:
        self.seen: list[dict[str, Any]] = []
        self.policies: list[tuple[str, str | None]] = []
        self.pages = (f"{gridlink_url}/connect/frame", f"{gridlink_url}/connect/link")
        context.expose_binding(BINDING, self._record)
        context.add_init_script(LISTENER)
        context.on("response", self._response)

    def _record(self, source: dict[str, Any], violation: dict[str, Any]) -> None:
        self.seen.append({"frame": source["frame"].url, **violation})

    def _response(self, response: Response) -> None:
        path = response.url.split("?")[0]
        if path in self.pages:
            self.policies.append((path, response.headers.get("content-security-policy")))

    def settle(self, page: Page) -> None:
        """Binding calls reach Python only while the sync API waits on the browser: one more
        round trip takes in the reports the browser sent before it."""
        page.evaluate("() => 0")

    def loose_policies(self) -> list[str]:
        """The Connect pages' policies that are missing or not strict: scripts and styles from
        the page's origin only, no plugins, no <base>."""
        return [
            f"{page}: {policy!r}"
            for page, policy in self.policies
            if policy is None or not is_strict(policy)
        ]

    def report(self) -> str:
        return f"{len(self.seen)} CSP violation(s):\n" + "\n".join(map(str, self.seen))


def is_strict(policy: str) -> bool:
    directives = {
        name.lower(): sources
        for name, *sources in (part.split() for part in policy.split(";") if part.strip())
    }
    script = directives.get("script-src", directives.get("default-src"))
    style = directives.get("style-src", directives.get("default-src"))
    return (
        script is not None
        and style is not None
        and not LOOSE_SOURCES & {*script, *style}
        and directives.get("object-src") == ["'none'"]
        and directives.get("base-uri") == ["'none'"]
    )
