"""A Data Custodian's notification: an ESPI ``BatchList`` of resource URIs with new data.

Custodians POST it unauthenticated (ESPI has no signature for it), so it is only a hint: it
selects subscriptions Gridlink already reads at that custodian and makes their syncs due now.
Nothing is fetched from the URIs it carries, a URI that matches nothing is ignored, and the
answer is the same whatever matched, so a forged notification learns nothing and at most
brings a sync forward (which reads with our own tokens from the registered endpoint).
"""

from __future__ import annotations

from lxml import etree
from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.custodians.repository import CustodianRepository
from gridlink.errors import InvalidRequest, NotFound
from gridlink.greenbutton.xmlsafe import hardened_parser, local
from gridlink.kit.clock import Clock
from gridlink.models import UtilityCredential
from gridlink.sync.schedule import enqueue

MAX_BYTES = 256 * 1024
MAX_RESOURCES = 1000
NOT_A_BATCH_LIST = (
    "Send an ESPI BatchList (application/atom+xml or application/xml): "
    "<BatchList><resources>URI</resources>...</BatchList>."
)
UNKNOWN_CUSTODIAN = "No Data Custodian is registered under this id."


def resource_uris(body: bytes) -> list[str]:
    if len(body) > MAX_BYTES or b"<!DOCTYPE" in body[:4096].upper():
        raise InvalidRequest(NOT_A_BATCH_LIST)
    try:
        root = etree.fromstring(body, parser=hardened_parser())
    except etree.XMLSyntaxError:
        raise InvalidRequest(NOT_A_BATCH_LIST) from None
    if root is None or local(root.tag) != "BatchList":
        raise InvalidRequest(NOT_A_BATCH_LIST)
    found: list[str] = []
    for element in root:
        if local(element.tag) == "resources" and element.text and element.text.strip():
            found.append(element.text.strip()[:1000])
        if len(found) > MAX_RESOURCES:
            raise InvalidRequest(f"A BatchList names at most {MAX_RESOURCES} resources.")
    return found


async def receive(session: AsyncSession, clock: Clock, custodian_id: str, body: bytes) -> int:
    """Make due the syncs the notification names; returns how many (never shown to the
    sender)."""
    repo = CustodianRepository(session)
    if len(custodian_id) > 40 or await repo.get(custodian_id) is None:
        raise NotFound(UNKNOWN_CUSTODIAN)
    uris = resource_uris(body)
    # A notification may name the subscription or a resource inside it: match both.
    candidates = sorted({u for uri in uris for u in _subscription_forms(uri)})
    count = 0
    for credential_id in await repo.credentials_reading(custodian_id, candidates):
        credential = await session.get(UtilityCredential, credential_id)
        if credential is not None:
            await enqueue(session, clock, credential, requested=True)
            count += 1
    return count


def _subscription_forms(uri: str) -> list[str]:
    """The URI itself and, for ``.../Batch/Subscription/{id}/...``, the subscription's URI."""
    forms = [uri.split("?", 1)[0]]
    marker = "/Batch/Subscription/"
    if marker in forms[0]:
        head, _, tail = forms[0].partition(marker)
        forms.append(f"{head}{marker}{tail.split('/', 1)[0]}")
    return forms
