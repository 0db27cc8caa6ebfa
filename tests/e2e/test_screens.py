"""Every Connect screen, in English and Spanish, on a desktop (1280 px) and a phone (360 px):
photographed into build/e2e-screenshots/ and checked with axe-core. Also: the card is the same
size and place on every screen, and on a phone it is the whole screen with its primary action at
the bottom.

Connect is opened by the loader on the demo page with a connect token that names the language;
the screens are driven by their texts in widget/packages/ui/src/messages/<lang>.json.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, FrameLocator, Page, Route, expect

from tests.e2e.conftest import SHORT_SYNC
from tests.e2e.flows import FRAME_TITLE, open_demo
from tests.e2e.harness import ROOT, Server, gridlink_server, missing_prerequisites
from tests.e2e.screens import Screens

MESSAGES = {
    lang: json.loads((ROOT / "widget/packages/ui/src/messages" / f"{lang}.json").read_text())
    for lang in ("en", "es")
}
TITLES = {"en": FRAME_TITLE, "es": MESSAGES["es"]["title"]}
UTILITY = "Sandbox Power & Light"
SIZES = {"desktop": (1280, 800), "phone": (360, 740)}

# Short waits so that the pending and timeout screens come within seconds.
SETTINGS = {
    **SHORT_SYNC,
    "GRIDLINK_CONNECT_WAIT_SECONDS": "4",
    "GRIDLINK_SANDBOX_TIMEOUT_SECONDS": "1",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    problems = missing_prerequisites()
    if problems:
        pytest.fail("; ".join(problems))
    with gridlink_server(tmp_path_factory.mktemp("serve") / "data", settings=SETTINGS) as running:
        yield running


def pattern(template: str, **values: str) -> re.Pattern[str]:
    """A message as a pattern: the given placeholders filled in, the others any text."""
    parts = re.split(r"(\{\w+\})", template)
    out = ""
    for part in parts:
        name = part[1:-1] if re.fullmatch(r"\{\w+\}", part) else None
        out += (re.escape(values[name]) if name in values else ".+") if name else re.escape(part)
    return re.compile(f"^{out}$")


class Tour:
    """Connect in one language and size, driven by its own texts; ``shot`` photographs and
    axe-checks the screen on show."""

    def __init__(self, page: Page, server: Server, lang: str, screens: Screens) -> None:
        self.page, self.server, self.lang, self.screens = page, server, lang, screens
        self.messages: dict[str, str] = MESSAGES[lang]

    @property
    def ui(self) -> FrameLocator:
        return self.page.frame_locator(f'iframe[title="{TITLES[self.lang]}"]')

    def text(self, key: str, **values: str) -> re.Pattern[str]:
        return pattern(self.messages[key], utility=UTILITY, **values)

    def heading(self, key: str, *, shot: str | None = None, **values: str) -> None:
        expect(
            self.ui.get_by_role("heading", level=1, name=self.text(key, **values))
        ).to_be_visible()
        if shot:
            self.shot(shot)

    def shot(self, name: str) -> None:
        handle = self.page.locator(f'iframe[title="{TITLES[self.lang]}"]').element_handle()
        frame = handle.content_frame() if handle else None
        assert frame is not None
        self.screens.check(self.page, name, frame)

    def button(self, key: str) -> None:
        # .last: result screens have the header's Close and their own at the bottom.
        self.ui.get_by_role("button", name=self.messages[key], exact=True).last.click()

    def open(self, *, wait: bool = True) -> None:
        """Open Connect with a new connect token in this language; wait for onLoad."""
        token = httpx.post(
            f"{self.server.url}/v1/auth/connect_token",
            json={"client_user_id": f"tour-{uuid.uuid4()}", "language": self.lang},
            auth=self.server.auth,
        ).json()["connect_token"]
        self.page.evaluate(
            """(token) => {
              window.tourLoaded = false;
              window.tourExit = null;
              window.tourHandle = window.Gridlink.create({connectToken: token, onSuccess() {},
                onLoad: () => { window.tourLoaded = true; },
                onExit: (status) => { window.tourExit = status; }});
              window.tourHandle.open();
            }""",
            token,
        )
        if wait:
            self.page.wait_for_function("() => window.tourLoaded")

    def closed(self, status: str) -> None:
        self.page.wait_for_function("() => window.tourExit !== null")
        assert self.page.evaluate("() => window.tourExit") == status
        expect(self.page.get_by_role("dialog")).to_have_count(0)

    def to_credentials(self) -> None:
        self.heading("consent.heading")
        self.button("consent.agree")
        self.heading("utility.heading")
        self.ui.get_by_role("radio", name=re.compile(re.escape(UTILITY))).check()
        self.button("continue")
        self.heading("credentials.heading")

    def sign_in(self, username: str, password: str = "pass_good") -> None:
        self.ui.get_by_label(self.messages["credentials.username"], exact=True).fill(username)
        self.ui.get_by_label(self.messages["credentials.password"], exact=True).fill(password)
        self.button("credentials.submit")

    def code(self, code: str) -> None:
        self.ui.get_by_label(self.messages["mfa.code"], exact=True).fill(code)
        self.button("mfa.verify")

    def card_box(self) -> dict[str, float]:
        box = self.ui.locator(".card").bounding_box()
        assert box is not None
        return box


def widget_url(server: Server, lang: str) -> str:
    """A bare frame URL (from the sandbox client's backend) for a new end user."""
    response = httpx.post(
        f"{server.url}/v1/widget_url",
        json={
            "client_user_id": f"tour-{uuid.uuid4()}",
            "language": lang,
            "target_origin": server.url,
        },
        auth=server.auth,
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code == 200, response.text
    return str(response.json()["url"])


def held(page: Page, url: str) -> list[Route]:
    """Hold every request to ``url`` until the test lets it go."""
    routes: list[Route] = []

    def hold(route: Route) -> None:
        routes.append(route)

    page.route(url, hold)
    return routes


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_screen(browser: Browser, server: Server, lang: str, size: str) -> None:
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(20_000)
    page = context.new_page()
    screens = Screens(f"screens-{lang}-{size}")
    tour = Tour(page, server, lang, screens)
    try:
        open_demo(page, server)
        boxes: list[dict[str, float]] = []

        # The loader's loading card, before the server answers (then in the session's language).
        frames = held(page, "**/connect/api/frames")
        tour.open(wait=False)
        page.wait_for_function("() => document.querySelector('[role=dialog] [role=status]')")
        screens.check(page, "loading-card")
        card = page.locator("[role=dialog] > div").bounding_box()
        for route in frames:
            route.continue_()
        page.unroute("**/connect/api/frames")
        page.wait_for_function("() => window.tourLoaded")
        expect(page.get_by_role("dialog")).to_have_attribute("aria-label", TITLES[lang])

        tour.heading("consent.heading", shot="consent")
        box = tour.card_box()
        assert card is not None
        # The loader's card and the frame's are the same size in the same place.
        assert (
            round(card["x"]),
            round(card["y"]),
            round(card["width"]),
            round(card["height"]),
        ) == (round(box["x"]), round(box["y"]), round(box["width"]), round(box["height"])), (
            card,
            box,
        )
        boxes.append(box)
        tour.button("consent.agree")
        tour.heading("utility.heading", shot="utility")
        boxes.append(tour.card_box())
        search = tour.ui.get_by_label(tour.messages["utility.search"], exact=True)
        search.fill("00011")
        search.press("Enter")
        expect(tour.ui.get_by_role("radio", name=re.compile(re.escape(UTILITY)))).to_be_checked()
        # The drawn radio of the pre-selected card shows it (in the accent colour).
        expect(tour.ui.locator("label.selected .radio")).to_have_css(
            "background-color", "rgb(31, 95, 191)"
        )
        tour.shot("utility-zip-best-match")
        tour.button("continue")
        tour.heading("credentials.heading", shot="credentials")
        boxes.append(tour.card_box())
        tour.sign_in("user_mfa_choice")
        tour.heading("mfa.methodHeading", shot="mfa-method")
        tour.ui.get_by_role("radio").first.check()
        tour.button("mfa.send")
        tour.heading("mfa.codeHeading", shot="mfa-code")
        tour.code("000000")
        expect(tour.ui.get_by_role("alert").filter(has_text=re.compile("4"))).to_be_visible()
        tour.shot("mfa-wrong-code")
        tour.code("123456")
        tour.heading("success.heading", shot="success")
        boxes.append(tour.card_box())
        # Fixed size: no jumps of the top edge or the width between screens.
        assert (
            len(
                {
                    (round(b["x"]), round(b["y"]), round(b["width"]), round(b["height"]))
                    for b in boxes
                }
            )
            == 1
        ), boxes
        if size == "phone":
            # The whole screen, the primary action at the bottom.
            assert boxes[0] == {"x": 0, "y": 0, "width": width, "height": height}
            done = tour.ui.get_by_role(
                "button", name=tour.messages["done"], exact=True
            ).bounding_box()
            assert done is not None
            assert done["y"] + done["height"] > height - 80, done
        tour.button("done")
        tour.closed("verified")

        # A slow utility: connecting, then pending.
        tour.open()
        tour.to_credentials()
        tour.sign_in("user_slow")
        tour.heading("connecting.heading", shot="connecting")
        tour.heading("result.pending.heading", shot="pending")
        tour.button("done")
        tour.closed("pending")

        for username, key, status in [
            ("user_locked", "result.locked.heading", "rejected"),
            ("user_unsupported_mfa", "result.unsupportedMfa.heading", "rejected"),
            ("user_timeout", "result.timeout.heading", "timeout"),
            ("user_down", "result.error.heading", "error"),
        ]:
            tour.open()
            tour.to_credentials()
            tour.sign_in(username)
            tour.heading(key, shot=key.split(".")[1])
            tour.button("close")
            tour.closed(status)

        # A wrong password, then Try again: the username is kept.
        tour.open()
        tour.to_credentials()
        tour.sign_in("user_good", "not_the_password")
        tour.heading("result.rejected.heading", shot="rejected")
        tour.button("tryAgain")
        tour.heading("credentials.heading", shot="try-again")
        expect(
            tour.ui.get_by_label(tour.messages["credentials.username"], exact=True)
        ).to_have_value("user_good")
        tour.button("close")
        tour.closed("user_initiated_exit")

        # Five wrong codes.
        tour.open()
        tour.to_credentials()
        tour.sign_in("user_mfa_sms")
        for attempt in range(5):
            tour.heading("mfa.codeHeading")
            tour.code("000000")
            if attempt < 4:
                expect(
                    tour.ui.get_by_label(tour.messages["mfa.code"], exact=True)
                ).to_have_attribute("aria-invalid", "true")
        tour.heading("result.mfaFailed.heading", shot="too-many-codes")
        tour.button("close")
        tour.closed("rejected")

    finally:
        context.close()


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_full_page_screens(browser: Browser, server: Server, lang: str, size: str) -> None:
    """A bare frame URL opened on its own: its loading card, "Connect is closed" after Close,
    and "This session has ended" for a used ticket."""
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(20_000)
    page = context.new_page()
    screens = Screens(f"screens-{lang}-{size}-page")
    messages = MESSAGES[lang]
    try:
        url = widget_url(server, lang)
        sessions = held(page, "**/connect/api/sessions")
        page.goto(url)
        expect(page.get_by_role("status")).to_have_text(messages["loading"])
        screens.check(page, "frame-loading-card")
        for route in sessions:
            route.continue_()
        page.unroute("**/connect/api/sessions")
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_have_text(pattern(messages["consent.heading"]))
        page.get_by_role("button", name=messages["close"], exact=True).click()
        expect(heading).to_have_text(messages["closed.heading"])
        screens.check(page, "closed")
        page.goto("about:blank")  # the same URL again is a new page load, not a fragment change
        page.goto(url)
        expect(heading).to_have_text(messages["result.ended.heading"])
        screens.check(page, "session-ended")
        # No network when the ticket is traded: Connect says it could not start. (In the
        # loader's modal the frame cannot say so: it learns the host's origin from the session.)
        url = widget_url(server, lang)
        page.route("**/connect/api/sessions", lambda route: route.abort())
        page.goto("about:blank")
        page.goto(url)
        expect(heading).to_have_text(messages["result.notStarted.heading"])
        screens.check(page, "could-not-start")
        page.unroute("**/connect/api/sessions")
        page.get_by_role("button", name=messages["tryAgain"], exact=True).click()
        expect(heading).to_have_text(pattern(messages["consent.heading"]))
    finally:
        context.close()
