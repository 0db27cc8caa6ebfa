"""Notifications reach a real receiver; the /manage portal revokes and notifies."""

from __future__ import annotations

import socket

import httpx
from lxml import etree

from gridlink.greenbutton.custodian import Registration, SandboxFeeds
from gridlink.greenbutton.custodian.testing import Served, serve_custodian
from tests.greenbutton.custodian.conftest import ThirdParty, connected

ESPI = "{http://naesb.org/espi}"


def _listed(body: bytes) -> list[str]:
    root = etree.fromstring(body)
    assert root.tag == f"{ESPI}BatchList"
    return [str(e.text) for e in root.findall(f"{ESPI}resources")]


async def test_a_notification_lists_each_active_subscription(
    custodian: Served, third_party: ThirdParty
) -> None:
    async with (
        connected(custodian, third_party) as first,
        connected(custodian, third_party, customer="customer-2") as second,
        connected(custodian, third_party, client_id="other-party") as elsewhere,
    ):
        delivery = await custodian.custodian.notify("third-party")
        expected = [str(first.token["resourceURI"]), str(second.token["resourceURI"])]
        assert delivery.status_code == 200
        [(kind, body)] = third_party.notifications
        assert kind == "application/atom+xml"
        assert sorted(_listed(body)) == sorted(expected)
        assert str(elsewhere.token["resourceURI"]) not in _listed(body)
        # The listed URI is what the third party fetches next, with that authorization's token.
        fetched = await first.oauth.get(str(first.token["resourceURI"]))
        assert fetched.status_code == 200
        custodian.custodian.revoke_authorization(custodian.custodian.authorizations()[0].id)
        after = await custodian.custodian.notify("third-party")
    assert len(after.resources) == 1


async def test_a_refused_delivery_is_reported_not_raised(third_party: ThirdParty) -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens here now
    dead = Registration(
        client_id="gone",
        client_secret="s",
        redirect_uris=(third_party.redirect_uri,),
        notify_uri=f"http://127.0.0.1:{port}/notify",
    )
    with serve_custodian(registrations=[dead], feeds=SandboxFeeds(days=2)) as served:
        delivery = await served.custodian.notify(
            "gone", resource_uris=[f"{served.base_url}/espi/1_1/resource/Batch/Subscription/x"]
        )
    assert delivery.status_code is None
    assert delivery.error is not None
    assert "ConnectError" in delivery.error


async def test_the_receivers_answer_is_returned(custodian: Served, third_party: ThirdParty) -> None:
    third_party.notify_status = 503
    delivery = await custodian.custodian.notify("third-party", resource_uris=["http://x/Batch/1"])
    assert delivery.status_code == 503
    assert not delivery.delivered


async def test_the_manage_page_revokes_and_notifies(
    custodian: Served, third_party: ThirdParty
) -> None:
    async with connected(custodian, third_party) as conn:
        [authorization] = custodian.custodian.authorizations()
        async with httpx.AsyncClient(follow_redirects=True) as browser:
            page = await browser.get(f"{custodian.base_url}/manage")
            assert page.status_code == 200
            assert '<html lang="en">' in page.text
            assert f"/manage/authorizations/{authorization.id}/revoke" in page.text
            sent = await browser.post(
                f"{custodian.base_url}/manage/notify?client_id=third-party",
                data={"from_page": "1"},
            )
            assert "Notification answered 200." in sent.text
            revoked = await browser.post(
                f"{custodian.base_url}/manage/authorizations/{authorization.id}/revoke",
                data={"from_page": "1"},
            )
            assert "Authorization revoked" in revoked.text
        assert (await conn.oauth.get(str(conn.token["resourceURI"]))).status_code == 401
    assert [a.status.value for a in custodian.custodian.authorizations()] == ["revoked"]
    assert len(third_party.notifications) == 1


async def test_manage_answers_scripts_in_json(custodian: Served, third_party: ThirdParty) -> None:
    async with connected(custodian, third_party) as conn, httpx.AsyncClient() as script:
        [authorization] = custodian.custodian.authorizations()
        notified = await script.post(f"{custodian.base_url}/manage/notify?client_id=third-party")
        revoked = await script.post(
            f"{custodian.base_url}/manage/authorizations/{authorization.id}/revoke"
        )
        unknown = await script.post(f"{custodian.base_url}/manage/notify?client_id=nobody")
    assert notified.json()["resources"] == [conn.token["resourceURI"]]
    assert notified.json()["status_code"] == 200
    assert revoked.json() == {"id": authorization.id, "status": "revoked"}
    assert unknown.status_code == 404
