"""The authorization server, driven by Authlib's client and a browser-like httpx client."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError

from gridlink.greenbutton.custodian import SandboxFeeds
from gridlink.greenbutton.custodian.testing import Served, serve_custodian
from gridlink.kit.clock import ManualClock
from tests.greenbutton.custodian.conftest import (
    SECRET,
    ThirdParty,
    connected,
    consent,
    form_token,
    oauth_client,
    registration,
)


async def test_code_flow_with_pkce_gives_espi_token(
    custodian: Served, third_party: ThirdParty
) -> None:
    async with connected(custodian, third_party) as conn:
        token = conn.token
        assert token["token_type"] == "Bearer"
        assert token["expires_in"] == 3600
        assert token["refresh_token"]
        [authorization] = custodian.custodian.authorizations()
        assert authorization.customer_id == "customer-1"
        assert authorization.active
        base = f"{custodian.base_url}/espi/1_1/resource"
        sid, aid = authorization.subscription_id, authorization.id
        assert token["resourceURI"] == f"{base}/Batch/Subscription/{sid}"
        assert token["authorizationURI"] == f"{base}/Authorization/{aid}"
        [callback] = third_party.callbacks
        assert callback["state"]
        assert "code" in callback


async def test_consent_page_is_accessible_and_offers_each_account(
    custodian: Served, third_party: ThirdParty
) -> None:
    async with oauth_client(third_party) as oauth:
        url, _ = oauth.create_authorization_url(f"{custodian.base_url}/oauth/authorize")
    async with httpx.AsyncClient() as browser:
        page = await browser.get(url)
    html = page.text
    assert page.status_code == 200
    assert '<html lang="en">' in html
    assert "<h1>Share your energy data with Solar Savings Co.</h1>" in html
    assert 'name="viewport"' in html
    assert "<legend>Which account do you want to share?</legend>" in html
    assert html.count('type="radio" name="customer"') == 2
    assert html.count("<label>") == 2
    assert 'value="allow">Allow</button>' in html
    assert 'value="deny">Deny</button>' in html
    assert "http" not in html.split("<body>")[0].replace("http-equiv", "")  # no external asset
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


async def test_deny_redirects_with_access_denied(
    custodian: Served, third_party: ThirdParty
) -> None:
    async with oauth_client(third_party) as oauth:
        url, state = oauth.create_authorization_url(f"{custodian.base_url}/oauth/authorize")
        answer = await consent(url, decision="deny")
    [callback] = third_party.callbacks
    assert callback["error"] == "access_denied"
    assert callback["state"] == state
    assert "code" not in callback
    assert answer.text == "connected"
    assert custodian.custodian.authorizations() == []


@pytest.mark.parametrize(
    ("client_id", "redirect_uri"),
    [("third-party", "http://127.0.0.1:1/elsewhere"), ("nobody", None)],
    ids=["redirect_uri not registered", "unknown client"],
)
async def test_bad_client_or_redirect_gets_an_error_page_never_a_redirect(
    custodian: Served, third_party: ThirdParty, client_id: str, redirect_uri: str | None
) -> None:
    target = redirect_uri or third_party.redirect_uri
    url = (
        f"{custodian.base_url}/oauth/authorize?response_type=code&client_id={client_id}"
        f"&redirect_uri={target}&state=xyz"
    )
    async with httpx.AsyncClient() as browser:
        answer = await browser.get(url)
    assert answer.status_code == 400
    assert "location" not in answer.headers
    assert "This request cannot be completed" in answer.text
    assert third_party.callbacks == []


async def test_a_forged_consent_post_is_refused(custodian: Served, third_party: ThirdParty) -> None:
    async with oauth_client(third_party) as oauth:
        url, _ = oauth.create_authorization_url(f"{custodian.base_url}/oauth/authorize")
        other_url, _ = oauth.create_authorization_url(f"{custodian.base_url}/oauth/authorize")
    async with httpx.AsyncClient() as browser:
        page = await browser.get(url)
        token = form_token(page.text)
        # The right token on another authorization request, then no cookie at all.
        moved = await browser.post(
            other_url, data={"csrf": token, "customer": "customer-1", "decision": "allow"}
        )
    async with httpx.AsyncClient() as attacker:
        cookieless = await attacker.post(
            url, data={"csrf": token, "customer": "customer-1", "decision": "allow"}
        )
    for answer in (moved, cookieless):
        assert answer.status_code == 403
        assert "location" not in answer.headers
    assert third_party.callbacks == []


async def test_pkce_verifier_must_match(custodian: Served, third_party: ThirdParty) -> None:
    async with oauth_client(third_party) as oauth:
        verifier = generate_token(48)
        url, _ = oauth.create_authorization_url(
            f"{custodian.base_url}/oauth/authorize", code_verifier=verifier
        )
        answer = await consent(url)
        with pytest.raises(OAuthError) as refused:
            await oauth.fetch_token(
                f"{custodian.base_url}/oauth/token",
                authorization_response=str(answer.url),
                code_verifier=generate_token(48),
            )
    assert refused.value.error == "invalid_grant"
    assert custodian.custodian.authorizations() == []


async def test_a_code_works_once(custodian: Served, third_party: ThirdParty) -> None:
    async with oauth_client(third_party) as oauth:
        verifier = generate_token(48)
        url, _ = oauth.create_authorization_url(
            f"{custodian.base_url}/oauth/authorize", code_verifier=verifier
        )
        answer = await consent(url)
        token_url = f"{custodian.base_url}/oauth/token"
        await oauth.fetch_token(
            token_url, authorization_response=str(answer.url), code_verifier=verifier
        )
        with pytest.raises(OAuthError) as again:
            await oauth.fetch_token(
                token_url, authorization_response=str(answer.url), code_verifier=verifier
            )
    assert again.value.error == "invalid_grant"


async def test_a_code_expires_after_ten_minutes(
    custodian: Served, third_party: ThirdParty, clock: ManualClock
) -> None:
    async with oauth_client(third_party) as oauth:
        url, _ = oauth.create_authorization_url(f"{custodian.base_url}/oauth/authorize")
        answer = await consent(url)
        clock.advance(timedelta(minutes=10, seconds=1))
        with pytest.raises(OAuthError) as late:
            await oauth.fetch_token(
                f"{custodian.base_url}/oauth/token", authorization_response=str(answer.url)
            )
    assert late.value.error == "invalid_grant"


async def test_require_pkce_refuses_a_request_without_it(third_party: ThirdParty) -> None:
    with serve_custodian(
        registrations=[registration(third_party)], feeds=SandboxFeeds(days=2), require_pkce=True
    ) as served:
        async with oauth_client(third_party) as oauth:
            url, state = oauth.create_authorization_url(f"{served.base_url}/oauth/authorize")
        async with httpx.AsyncClient() as browser:
            answer = await browser.get(url)
    assert answer.status_code == 302
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert query["error"] == ["invalid_request"]
    assert query["state"] == [state]


async def test_wrong_client_secret_is_401(custodian: Served, third_party: ThirdParty) -> None:
    async with oauth_client(third_party) as oauth:
        url, _ = oauth.create_authorization_url(f"{custodian.base_url}/oauth/authorize")
        answer = await consent(url)
    async with oauth_client(third_party, secret="not-the-secret") as wrong:
        with pytest.raises(OAuthError) as refused:
            await wrong.fetch_token(
                f"{custodian.base_url}/oauth/token", authorization_response=str(answer.url)
            )
    assert refused.value.error == "invalid_client"
    async with httpx.AsyncClient() as raw:
        basic = await raw.post(
            f"{custodian.base_url}/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=("third-party", "not-the-secret"),
        )
    assert basic.status_code == 401
    assert "not-the-secret" not in basic.text


async def test_refresh_rotates_and_the_old_refresh_token_is_spent(
    custodian: Served, third_party: ThirdParty
) -> None:
    async with connected(custodian, third_party) as conn:
        token_url = f"{custodian.base_url}/oauth/token"
        first = str(conn.token["refresh_token"])
        renewed = await conn.oauth.refresh_token(token_url, refresh_token=first)
        assert renewed["refresh_token"] != first
        assert renewed["access_token"] != conn.token["access_token"]
        assert renewed["resourceURI"] == conn.token["resourceURI"]
        feed = await conn.oauth.get(str(renewed["resourceURI"]))
        assert feed.status_code == 200
        with pytest.raises(OAuthError) as spent:
            await conn.oauth.refresh_token(token_url, refresh_token=first)
    assert spent.value.error == "invalid_grant"


async def test_client_secret_post_and_client_credentials(
    custodian: Served, third_party: ThirdParty
) -> None:
    async with httpx.AsyncClient() as raw:
        answer = await raw.post(
            f"{custodian.base_url}/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "third-party",
                "client_secret": SECRET,
                "scope": "FB=36_40",
            },
        )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert "refresh_token" not in body
    assert body["resourceURI"] == f"{custodian.base_url}/espi/1_1/resource/Authorization"
    assert answer.headers["cache-control"] == "no-store"


async def test_the_third_party_revokes_its_token(
    custodian: Served, third_party: ThirdParty
) -> None:
    async with connected(custodian, third_party) as conn:
        resource = str(conn.token["resourceURI"])
        assert (await conn.oauth.get(resource)).status_code == 200
        revoked = await conn.oauth.revoke_token(
            f"{custodian.base_url}/oauth/revoke",
            token=str(conn.token["refresh_token"]),
            token_type_hint="refresh_token",
        )
        assert revoked.status_code == 200
        after = await conn.oauth.get(resource)
        assert after.status_code == 401
    [authorization] = custodian.custodian.authorizations()
    assert not authorization.active


async def test_an_access_token_expires(
    custodian: Served, third_party: ThirdParty, clock: ManualClock
) -> None:
    async with connected(custodian, third_party) as conn:
        clock.advance(timedelta(seconds=3601))
        answer = await conn.oauth.get(str(conn.token["resourceURI"]))
    assert answer.status_code == 401
    assert 'error="invalid_token"' in answer.headers["www-authenticate"]
