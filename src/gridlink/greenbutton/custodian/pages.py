"""The HTML the custodian shows people: the consent page, its error page, the /manage page.

Plain HTML with one inline stylesheet (allowed by its hash in the Content-Security-Policy),
no script, no external asset; readable at 360 px. Every value is escaped.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from html import escape
from urllib.parse import quote, urlsplit

from gridlink.greenbutton.custodian.feeds import Customer
from gridlink.greenbutton.custodian.state import Authorization, Registration

_STYLE = """
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:#1b1f24;background:#f4f6f8}
main{max-width:34rem;margin:0 auto;padding:1.25rem 1rem 2rem}
.utility{font-weight:700;color:#0b5394;margin:0 0 1rem}
.card{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:1.25rem}
h1{font-size:1.4rem;line-height:1.3;margin:0 0 .75rem}
h2{font-size:1.1rem;margin:1.25rem 0 .5rem}
ul{padding-left:1.25rem}
fieldset{border:1px solid #d0d7de;border-radius:6px;margin:1rem 0;padding:.5rem .75rem}
legend{font-weight:600;padding:0 .25rem}
label{display:flex;gap:.5rem;align-items:flex-start;padding:.4rem 0}
input[type=radio]{width:1.2rem;height:1.2rem;margin-top:.15rem}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:1.25rem}
button{font:inherit;font-weight:600;min-height:44px;padding:.6rem 1.2rem;border-radius:6px;
border:2px solid #0b5394;cursor:pointer;flex:1 1 8rem}
button.primary{background:#0b5394;color:#fff}
button.secondary{background:#fff;color:#0b5394}
button:focus-visible{outline:3px solid #f0b400;outline-offset:2px}
.fine{font-size:.9rem;color:#57606a}
code{word-break:break-all}
table{width:100%;border-collapse:collapse;font-size:.9rem}
th,td{text-align:left;padding:.4rem;border-bottom:1px solid #d0d7de;vertical-align:top}
.notice{background:#eaf5ea;border:1px solid #9ac79a;border-radius:6px;padding:.5rem .75rem}
"""
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()
UTILITY = "Local Utility (Green Button test custodian)"


def security_headers(*, form_targets: Sequence[str] = ()) -> dict[str, str]:
    """No script, no framing (a consent page must not be clickjacked), forms only to us and
    to where the answer redirects (browsers check a form's redirect against form-action)."""
    origins = sorted({_origin(target) for target in form_targets if _origin(target)})
    policy = (
        "default-src 'none'; "
        f"style-src 'sha256-{_STYLE_HASH}'; "
        f"form-action 'self' {' '.join(origins)}".rstrip()
        + "; frame-ancestors 'none'; base-uri 'none'"
    )
    return {
        "Content-Security-Policy": policy,
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f'<body><main><p class="utility">{escape(UTILITY)}</p>{body}</main></body></html>'
    )


def consent_page(
    *,
    registration: Registration,
    customers: Sequence[Customer],
    scope: str,
    action: str,
    forgery_token: str,
) -> str:
    name = escape(registration.display_name)
    if len(customers) == 1:
        only = customers[0]
        chooser = (
            f"<p>Account: <strong>{escape(_account(only))}</strong></p>"
            f'<input type="hidden" name="customer" value="{escape(only.id)}">'
        )
    else:
        options = "".join(
            f'<label><input type="radio" name="customer" value="{escape(c.id)}"'
            f"{' checked' if index == 0 else ''}> <span>{escape(_account(c))}</span></label>"
            for index, c in enumerate(customers)
        )
        chooser = (
            f"<fieldset><legend>Which account do you want to share?</legend>{options}</fieldset>"
        )
    body = f"""
<div class="card">
<h1>Share your energy data with {name}</h1>
<p>{name} is asking to read your energy usage from us, now and as new data arrives,
until you stop sharing.</p>
<h2>What {name} will see</h2>
<ul><li>Your meters' usage readings (electricity, and gas if you have it)</li>
<li>Your bill summaries: billing periods, usage and charges</li></ul>
<form method="post" action="{escape(action)}">
<input type="hidden" name="csrf" value="{escape(forgery_token)}">
{chooser}
<div class="actions">
<button class="primary" type="submit" name="decision" value="allow">Allow</button>
<button class="secondary" type="submit" name="decision" value="deny">Deny</button>
</div>
</form>
<p class="fine">You can stop sharing at any time from your account's privacy settings.
Requested scope: <code>{escape(scope)}</code></p>
</div>"""
    return _page(f"Share your energy data with {registration.display_name}", body)


def _account(customer: Customer) -> str:
    return f"{customer.name} — account {customer.account}" if customer.account else customer.name


def error_page(title: str, detail: str) -> str:
    body = (
        f'<div class="card"><h1>{escape(title)}</h1><p>{escape(detail)}</p>'
        "<p>Nothing was shared. Go back to the site that sent you here and try again, "
        "or contact its support.</p></div>"
    )
    return _page(title, body)


def manage_page(
    *,
    prefix: str,
    registrations: Sequence[Registration],
    authorizations: Sequence[Authorization],
    customers: dict[str, Customer],
    notice: str | None,
) -> str:
    names = {r.client_id: r.display_name for r in registrations}
    rows = "".join(_authorization_row(prefix, a, names, customers) for a in authorizations)
    table = (
        '<table><caption class="fine">Every authorization given at this utility</caption>'
        '<thead><tr><th scope="col">Third party</th><th scope="col">Customer</th>'
        '<th scope="col">Status</th><th scope="col">Action</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
        if authorizations
        else "<p>No authorization yet: connect through a third party first.</p>"
    )
    notify_forms = "".join(
        f'<form method="post" action="{escape(prefix)}/manage/notify?'
        f'client_id={escape(quote(r.client_id))}">'
        '<input type="hidden" name="from_page" value="1">'
        f'<button class="secondary" type="submit">Send notification to {escape(r.display_name)}'
        "</button></form>"
        for r in registrations
        if r.notify_uri
    )
    banner = f'<p class="notice" role="status">{escape(notice)}</p>' if notice else ""
    body = (
        f'<div class="card"><h1>Utility portal: shared data</h1>{banner}'
        f"<h2>Authorizations</h2>{table}"
        f'<h2>Notifications</h2><div class="actions">'
        f"{notify_forms or '<p>No third party has a notification URI.</p>'}</div></div>"
    )
    return _page("Utility portal: shared data", body)


def _authorization_row(
    prefix: str, item: Authorization, names: dict[str, str], customers: dict[str, Customer]
) -> str:
    customer = customers.get(item.customer_id)
    who = _account(customer) if customer else item.customer_id
    action = "—"
    if item.active:
        action = (
            f'<form method="post" action="{escape(prefix)}/manage/authorizations/'
            f'{escape(item.id)}/revoke"><input type="hidden" name="from_page" value="1">'
            f'<button class="secondary" type="submit" aria-label="Revoke authorization '
            f'{escape(item.id)}">Revoke</button></form>'
        )
    return (
        f"<tr><td>{escape(names.get(item.client_id, item.client_id))}</td>"
        f"<td>{escape(who)}</td><td>{escape(item.status.value)}</td><td>{action}</td></tr>"
    )
