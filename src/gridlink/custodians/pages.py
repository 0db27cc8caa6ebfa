"""The page the Data Custodian sends the end user back to (the OAuth callback), in the popup.

It tells the Connect window that opened it (same origin: ``window.opener.postMessage`` to our
own origin, the authorization's id only) and closes itself; Connect polls as well, since a
custodian's own page may cut the opener. Without an opener (the link was opened in a new tab,
or the opener was cut) it asks the end user to go back to the app. The script is a constant,
allowed by its hash in the page's Content-Security-Policy.
"""

from __future__ import annotations

import base64
import hashlib
import html

from starlette.responses import HTMLResponse

_SCRIPT = (
    "(function(){var b=document.body,id=b.getAttribute('data-authorization');"
    "if(id&&window.opener){try{window.opener.postMessage("
    "{type:'gridlink:green_button',authorization_id:id},location.origin);"
    "window.close();}catch(e){}}})();"
)
_SCRIPT_HASH = base64.b64encode(hashlib.sha256(_SCRIPT.encode()).digest()).decode()
CSP = (
    "default-src 'none'; "
    f"script-src 'sha256-{_SCRIPT_HASH}'; "
    "style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;margin:0;display:grid;place-items:center;"
    "min-height:100vh;background:#f6f8fa;color:#1f2328}"
    "main{max-width:28rem;padding:2rem;background:#fff;border-radius:12px;"
    "box-shadow:0 1px 3px rgba(0,0,0,.12);text-align:center}"
    "h1{font-size:1.25rem;margin:0 0 .5rem}"
)


def callback_page(*, ok: bool, message: str, trip_id: str | None, status_code: int) -> HTMLResponse:
    title = "Connected" if ok else "Not connected"
    data = f' data-authorization="{html.escape(trip_id)}"' if trip_id else ""
    body = (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>{title}</title><style>{_STYLE}</style></head>"
        f"<body{data}><main><h1>{title}</h1><p>{html.escape(message)}</p>"
        "<p>Return to the app to continue.</p></main>"
        f"<script>{_SCRIPT}</script></body></html>"
    )
    return HTMLResponse(
        body,
        status_code=status_code,
        headers={
            "Content-Security-Policy": CSP,
            # The opener (Connect) must keep its handle on this window: see module doc.
            "Cross-Origin-Opener-Policy": "unsafe-none",
        },
    )
