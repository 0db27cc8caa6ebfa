"""Every request a browser context makes, in every frame, with the headers Chromium put on the
wire, and every answer it got: what the tests of security control 33 (no secret in a URL or a
Referer) read.

How, and why this way:
- ``context.on("request")`` and ``context.on("response")`` see every page and frame of the
  context, the cross-site Connect frame included, and a frame that is gone by the end of the run
  (the loader removes its frame on exit; a connect link navigates back to the host).
- Headers come from ``all_headers()``: those sent (Referer and Authorization included), not the
  ones a page asked for.
- Which document made a request is the URL of its frame when the request left, read at once in
  the event (a frame's URL moves on later): a navigation is made by the document it replaces
  (a connect link's "Return to …" by the link page), a new iframe's first load by its empty
  ``about:blank`` (the host page set its src), every other request by the frame's document.
- A request's URL is the one Chromium sends: a fragment is never part of it (the Chrome
  DevTools Protocol reports it apart, as ``urlFragment``, and Playwright leaves it out).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from playwright.sync_api import BrowserContext, Error, Request, Response

# Anything shaped like a Gridlink token or secret (src/gridlink/kit/tokens.py: client secret,
# access token, connect token, authorization code, Connect session, connect link, frame ticket),
# so a value the test did not think to collect is caught as well.
TOKEN_SHAPE = re.compile(r"gl(?:sk|at|ct|ac|cs|cl|wt)_")


@dataclass(frozen=True)
class Sent:
    """One request as it went out."""

    method: str
    url: str
    referer: str | None
    authorization: str | None
    made_by: str  # the URL of the document that made it (see the module doc)

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    def __str__(self) -> str:
        return f"{self.method} {self.url} (made by {self.made_by or 'nothing yet'})"


class RequestLog:
    """Records one browser context from before its first page."""

    def __init__(self, context: BrowserContext) -> None:
        self._requests: list[tuple[Request, str]] = []
        self.answers: list[Response] = []
        context.on("request", self._request)
        context.on("response", self._response)

    def _request(self, request: Request) -> None:
        try:
            made_by = request.frame.url
        except Error:  # no frame (a service worker's request): not one of ours
            made_by = ""
        self._requests.append((request, made_by))

    def _response(self, response: Response) -> None:
        self.answers.append(response)

    def sent(self) -> list[Sent]:
        """Every request so far, with its headers as sent."""
        found = []
        for request, made_by in self._requests:
            headers = request.all_headers()
            found.append(
                Sent(
                    request.method,
                    request.url,
                    headers.get("referer"),
                    headers.get("authorization"),
                    made_by,
                )
            )
        return found

    def answer(self, method: str, url: str) -> Response:
        """The one answer to ``method url`` (read its body while its frame still exists)."""
        [answer] = [a for a in self.answers if a.url == url and a.request.method == method]
        return answer

    def json(self, method: str, url: str) -> Any:
        return self.answer(method, url).json()


def secrets_on_the_wire(sent: list[Sent], secrets: dict[str, str]) -> list[str]:
    """Each secret (by name) or token-shaped value found in a request's URL or Referer, as sent
    or percent-decoded."""
    found = set()
    for request in sent:
        for place, text in (("URL", request.url), ("Referer", request.referer or "")):
            for shown in (text, unquote(text)):
                for name, value in secrets.items():
                    if value in shown:
                        found.add(f"the {name} in the {place} of {request}")
                if TOKEN_SHAPE.search(shown):
                    found.add(f"a token in the {place} of {request}")
    return sorted(found)


def answers_not_no_store(answers: list[Response], gridlink_url: str) -> list[str]:
    """Gridlink's answers under /connect/ without ``Cache-Control: no-store`` (the content-hashed
    assets under /connect/ui/ are cacheable by design: embed protocol §6)."""
    found = []
    for answer in answers:
        path = urlsplit(answer.url).path
        if answer.url.startswith(f"{gridlink_url}/connect/") and not path.startswith(
            "/connect/ui/"
        ):
            value = answer.all_headers().get("cache-control")
            if value != "no-store":
                found.append(f"{answer.request.method} {path}: Cache-Control {value!r}")
    return found
