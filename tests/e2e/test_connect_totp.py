"""Sign-in with an authenticator app's setup key (``password_totp``, as ConEd and Orange &
Rockland ask), in Chromium, from the `connect.js` script tag on a host page of another origin:
the key the utility refuses, then the right one, to the success screen and the exchanged code;
in English at 1280 px and in Spanish on a 360 px phone. Every screen is photographed and
axe-checked (build/e2e-screenshots/)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Frame, FrameLocator, Page, expect

from tests.e2e.embedded import entries, wait_for_entries
from tests.e2e.harness import Server
from tests.e2e.host_apps import HostApp, host_app
from tests.e2e.screens import Screens

UTILITY = "Sandbox Metro Electric"
RIGHT_KEY = "grid link sand box2"  # the sandbox's key (docs/reference/sandbox.md), as typed
REFUSED_KEY = "JBSW Y3DP EHPK 3PXP"  # a well-formed key the utility refuses


@pytest.fixture(scope="module")
def host(server: Server) -> Iterator[HostApp]:
    with host_app(server) as app:
        yield app


def _page(browser: Browser, locale: str, width: int) -> Page:
    context = browser.new_context(locale=locale, viewport={"width": width, "height": 800})
    context.set_default_timeout(20_000)
    return context.new_page()


# The loader titles its frame in Connect's language: found as the page's one iframe.
FRAME = "iframe"


def _frame(page: Page) -> Frame:
    handle = page.locator(FRAME).element_handle()
    frame = handle.content_frame() if handle else None
    assert frame is not None
    return frame


class Flow:
    def __init__(self, page: Page, screens: Screens) -> None:
        self.page = page
        self.screens = screens
        self.ui: FrameLocator = page.frame_locator(FRAME)

    def screen(self, heading: str | re.Pattern[str], name: str) -> None:
        expect(self.ui.get_by_role("heading", level=1, name=heading)).to_be_visible()
        self.screens.check(self.page, name, _frame(self.page))

    def press(self, name: str) -> None:
        self.ui.get_by_role("button", name=name, exact=True).click()

    def to_sign_in(self, agree: str, search: str, cont: str) -> None:
        self.page.get_by_role("button", name="Link your utility account", exact=True).click()
        self.ui.get_by_role("button", name=agree, exact=True).click()
        field = self.ui.get_by_label(search)
        field.fill("00050")  # the sandbox authenticator utility's zip: pre-selected
        field.press("Enter")
        expect(self.ui.get_by_role("radio", name=re.compile(UTILITY))).to_be_checked()
        self.press(cont)

    def fill(self, labels: tuple[str, str, str], key: str) -> None:
        username, password, setup_key = labels
        self.ui.get_by_label(username).fill("user_good")
        self.ui.get_by_label(password, exact=True).fill("pass_good")
        self.ui.get_by_label(setup_key).fill(key)

    def no_sideways_scroll(self) -> None:
        width = _frame(self.page).evaluate("() => document.documentElement.scrollWidth")
        assert width <= self.page.viewport_size["width"], width  # type: ignore[index]


ENGLISH = ("Username", "Password", "Authenticator app setup key")
SPANISH = ("Usuario", "Contraseña", "Clave de configuración de la app de autenticación")


def test_a_refused_key_then_the_right_one_links_the_account(
    browser: Browser, host: HostApp, screens: Screens
) -> None:
    page = _page(browser, "en-US", 1280)
    page.goto(f"{host.origin}/script.html")
    flow = Flow(page, screens)
    flow.to_sign_in("Agree and continue", "ZIP code or utility name", "Continue")
    flow.screen(f"Sign in to {UTILITY}", "totp-sign-in-1280")
    hint = flow.ui.get_by_text(re.compile("Gridlink stores it encrypted"))
    expect(hint).to_be_visible()
    flow.ui.get_by_text("Where do I find it?").click()
    expect(flow.ui.get_by_text(re.compile("shown with the QR code"))).to_be_visible()
    page.set_viewport_size({"width": 360, "height": 800})
    flow.no_sideways_scroll()
    flow.screen(f"Sign in to {UTILITY}", "totp-sign-in-help-360")
    page.set_viewport_size({"width": 1280, "height": 800})

    flow.fill(ENGLISH, REFUSED_KEY)
    flow.press("Connect")
    flow.screen("We couldn't sign you in", "totp-refused")
    expect(flow.ui.get_by_text(re.compile("username, password or setup key"))).to_be_visible()
    flow.press("Try again")
    expect(flow.ui.get_by_label(ENGLISH[2])).to_have_value("")  # a key is never kept
    flow.fill(ENGLISH, RIGHT_KEY)
    flow.press("Connect")
    flow.screen("Your account is connected", "totp-connected")

    wait_for_entries(page, "exchange")
    [exchange] = entries(page, "exchange")
    assert exchange["status"] == 200, exchange
    credential = host.credential(exchange["body"]["utility_credential_id"])
    assert (credential["utility"]["id"], credential["status"]) == (
        "sandbox_authenticator",
        "verified",
    )
    shown = str(page.evaluate("() => JSON.stringify(window.hostLog)")).upper().replace(" ", "")
    assert "GRIDLINKSANDBOX2" not in shown  # nothing of the key reaches the host page
    page.context.close()


def test_in_spanish_on_a_phone(browser: Browser, host: HostApp, screens: Screens) -> None:
    page = _page(browser, "es-ES", 360)
    page.goto(f"{host.origin}/script.html")
    flow = Flow(page, screens)
    flow.to_sign_in("Aceptar y continuar", "Código postal o nombre de la compañía", "Continuar")
    heading = f"Inicie sesión en {UTILITY}"
    flow.ui.get_by_text("¿Dónde la encuentro?").click()
    flow.no_sideways_scroll()
    flow.screen(heading, "totp-sign-in-es-360")
    flow.ui.get_by_label(SPANISH[0]).fill("user_good")
    flow.ui.get_by_label(SPANISH[1], exact=True).fill("pass_good")
    flow.press("Conectar")  # no key: said at once, in Spanish
    expect(
        flow.ui.get_by_text("Escriba la clave de configuración de su app de autenticación.")
    ).to_be_visible()
    flow.screen(heading, "totp-missing-key-es-360")
    page.set_viewport_size({"width": 1280, "height": 800})
    flow.screen(heading, "totp-sign-in-es-1280")
    flow.fill(SPANISH, RIGHT_KEY)
    flow.press("Conectar")
    flow.screen("Su cuenta está conectada", "totp-connected-es")
    page.context.close()
