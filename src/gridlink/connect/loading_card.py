"""What the loader's loading card says, in the end user's language (embed protocol §1).

The loader draws Connect's loading card before the frame is ready. It carries no translations of
its own (every byte of connect.js is paid by every host page): the frames answer brings the
card's three labels in the language Connect will speak. The texts are the Connect UI's own
(widget/packages/ui/src/messages/<lang>.json, keys ``title``, ``close``, ``loading``);
tests/connect/test_frames.py keeps them equal.
"""

from __future__ import annotations

from typing import get_args

from gridlink.connect.schemas import Language

LABELS: dict[Language, dict[str, str]] = {
    "en": {"title": "Connect your utility account", "close": "Close", "loading": "Loading…"},
    "es": {
        "title": "Conecte su cuenta de servicios públicos",
        "close": "Cerrar",
        "loading": "Cargando…",
    },
}
LANGUAGES: tuple[Language, ...] = get_args(Language)


def card_language(session_language: str | None, accept_language: str | None) -> Language:
    """The session's language when it names one, else the browser's first language Connect
    speaks, else English: the order the Connect UI picks in (``pickLanguage`` in its i18n.ts),
    with the browser's languages read from the request's ``Accept-Language`` (which browsers
    build from the same list as ``navigator.languages``)."""
    for tag in [session_language, *_preferred(accept_language or "")]:
        base = (tag or "").lower().split("-")[0]
        for language in LANGUAGES:
            if base == language:
                return language
    return "en"


def _preferred(header: str) -> list[str]:
    """The header's language tags, most preferred first (``q`` weights; ties keep their order;
    ``q=0`` means "not this one"). Malformed parts are skipped: it is a hint, never an error."""
    weighted: list[tuple[float, str]] = []
    for part in header.split(",")[:20]:
        tag, *params = (piece.strip() for piece in part.split(";"))
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if tag and weight > 0:
            weighted.append((weight, tag))
    # sorted() is stable: equal weights keep the browser's order.
    return [tag for _weight, tag in sorted(weighted, key=lambda item: -item[0])]
