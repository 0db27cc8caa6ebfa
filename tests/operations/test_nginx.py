"""Behind a real reverse proxy: Debian's nginx, running the deployment guide's server block
(TLS included), in front of two API processes and one worker on PostgreSQL.

Clients are told apart by their source address: loopback is all of 127.0.0.0/8, so each one
binds its own (127.0.0.2 is "client A", 127.0.0.3 "client B"). nginx reaches the API
processes from 127.0.0.1, the only trusted proxy.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gridlink.attempts.limits import IP_REFUSED
from tests.conftest import TEST_MASTER_KEYS, _empty_tables
from tests.nginx import (
    PUBLIC_HOST,
    Nginx,
    directive,
    guide_block,
    live_twin_plugin,
    localized,
    self_signed,
)
from tests.own_postgres import free_port
from tests.processes import (
    ENDED,
    create_client,
    follow,
    open_connect,
    start,
    stop,
    wait_ready,
)

PUBLIC_URL = f"https://{PUBLIC_HOST}"
TWIN = "twin_power"  # tests/attempts/live_twin.py: a live utility (the IP limit is live-only)
PER_IP = 2
LONGEST_WAIT = 30  # the long-poll's `wait` maximum (connect/widget_routes.py)


@pytest.fixture
def env(database_urls: dict[str, str], tmp_path: Path) -> Iterator[dict[str, str]]:
    url = database_urls["postgresql"]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GRIDLINK_")}
    environment.update(
        GRIDLINK_DATABASE_URL=url,
        GRIDLINK_DATA_DIR=str(tmp_path / "data"),
        GRIDLINK_MASTER_KEYS=TEST_MASTER_KEYS,
        GRIDLINK_LOG_LEVEL="warning",
        GRIDLINK_WORKER_POLL_SECONDS="0.1",
        GRIDLINK_CONNECT_INPUT_TIMEOUT_SECONDS="120",
        GRIDLINK_PUBLIC_URL=PUBLIC_URL,
        GRIDLINK_TRUSTED_PROXIES="127.0.0.1",
        GRIDLINK_SIGN_IN_FAILURES_PER_IP_HOUR=str(PER_IP),
        PYTHONPATH=live_twin_plugin(tmp_path / "plugin"),
    )
    yield environment
    asyncio.run(_empty_tables(url))


@pytest.fixture
def stack(env: dict[str, str], tmp_path: Path) -> Iterator[dict[str, Any]]:
    """Two API processes, a worker, and nginx: the guide's server block, plus a copy of it
    whose proxy_read_timeout is shorter than a long-poll (what the guide's setting prevents)."""
    apis = [free_port(), free_port()]
    processes = []
    site, short = free_port(), free_port()
    proxy = None
    try:
        for port in apis:  # one after the other: the first start seeds the catalog
            processes.append(start(["serve", "--port", str(port), "--no-worker"], env))
            wait_ready(f"http://127.0.0.1:{port}")
        processes.append(start(["worker"], env))
        cert, key = self_signed(tmp_path)
        block = guide_block()
        ours = localized(block, upstreams=apis, port=site, cert=cert, key=key)
        too_short = localized(block, upstreams=apis, port=short, cert=cert, key=key)
        too_short = too_short.replace("upstream gridlink_api", "upstream gridlink_short")
        too_short = too_short.replace("http://gridlink_api", "http://gridlink_short")
        too_short = re.sub(r"proxy_read_timeout [^;]+;", "proxy_read_timeout 2s;", too_short)
        proxy = Nginx(ours + "\n" + too_short, [site, short])
        yield {"apis": apis, "site": site, "short": short, "block": block}
    finally:
        if proxy is not None:
            proxy.close()
        stop(*processes)


def through(port: int, source: str = "127.0.0.1") -> httpx.Client:
    """A client at ``source`` reaching nginx over TLS, naming the public host."""
    transport = httpx.HTTPTransport(local_address=source, verify=False)  # self-signed
    return httpx.Client(
        base_url=f"https://127.0.0.1:{port}",
        transport=transport,
        headers={"Host": PUBLIC_HOST},
        timeout=40,
    )


def direct(port: int, source: str) -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=source)
    return httpx.Client(base_url=f"http://127.0.0.1:{port}", transport=transport, timeout=40)


def sign_in(
    app: httpx.Client,
    widget: httpx.Client,
    pair: dict[str, str],
    user: str,
    password: str,
    forged: str | None = None,
) -> httpx.Response | dict[str, Any]:
    """The app's backend asks for a connect token; the end user's browser (``widget``) opens
    Connect and signs in at the live twin. The finished attempt, or the refusal."""
    extra = {"X-Forwarded-For": forged} if forged else {}
    token = app.post(
        "/v1/auth/connect_token",
        json={"client_user_id": user, "utility_id": TWIN},
        auth=(pair["client_id"], pair["client_secret"]),
    )
    assert token.status_code == 200, token.text
    opened = widget.post(
        "/connect/api/sessions", json={"connect_token": token.json()["connect_token"]}
    ).json()
    headers = {"Authorization": f"Bearer {opened['session_token']}", **extra}
    consent = widget.post(
        "/connect/api/session/consent",
        json={"consent_version": opened["session"]["consent_version"]},
        headers=headers,
    )
    assert consent.status_code == 200, consent.text
    login = {"username": "user_good", "password": password}
    submitted = widget.post("/connect/api/attempts", json=login, headers=headers)
    if submitted.status_code != 200:
        return submitted
    return follow(widget, headers, submitted.json(), ENDED)


def ended(result: httpx.Response | dict[str, Any]) -> str:
    assert isinstance(result, dict), result.text
    return str(result["status"])


def refusal(result: httpx.Response | dict[str, Any]) -> str:
    assert isinstance(result, httpx.Response), result
    assert result.status_code == 429, result.text
    return str(result.json()["error"]["message"])


def healthz_count(metrics: str) -> float:
    pattern = r'gridlink_http_request_duration_seconds_count\{[^}]*route="/healthz"[^}]*\} (\S+)'
    return sum(float(value) for value in re.findall(pattern, metrics))


@pytest.mark.slow
def test_behind_nginx(stack: dict[str, Any], env: dict[str, str]) -> None:
    site, short, apis = stack["site"], stack["short"], stack["apis"]
    with (
        through(site) as app,
        through(site, "127.0.0.2") as client_a,
        through(site, "127.0.0.3") as client_b,
        through(short, "127.0.0.4") as impatient,
        direct(apis[0], "127.0.0.2") as a_direct,
    ):
        for _ in range(6):
            assert app.get("/healthz").status_code == 200
        check_sign_in_limit_counts_the_real_client(env, app, client_a, client_b, a_direct)
        sandbox = create_client(env)
        credential_id = check_mfa_sign_in_and_long_polls(sandbox, stack, client_b, impatient)
        check_generated_urls(sandbox, app, credential_id)
        check_body_sizes(app)
        # /metrics is not for the internet, even when nginx names a loopback client...
        assert client_a.get("/metrics").status_code == 403
    # ...but each API process answers this machine: both served some of the six /healthz.
    counts = [healthz_count(httpx.get(f"http://127.0.0.1:{port}/metrics").text) for port in apis]
    assert min(counts) >= 1, counts
    assert sum(counts) >= 6, counts


def check_sign_in_limit_counts_the_real_client(
    env: dict[str, str],
    app: httpx.Client,
    client_a: httpx.Client,
    client_b: httpx.Client,
    a_direct: httpx.Client,
) -> None:
    live = create_client(env, "--environment", "live", name="Live")
    # Client A's failures count against A's address, whatever A claims to be...
    for i in range(PER_IP):
        failed = sign_in(app, client_a, live, f"a-{i}", "wrong", forged=f"198.51.100.{i}")
        assert ended(failed) == "rejected"
    refused = sign_in(app, client_a, live, "a-next", "pass_good", forged="198.51.100.50")
    assert refusal(refused) == IP_REFUSED
    # ...A cannot slip past by talking to an API process directly with a header of its own...
    sneaky = sign_in(app, a_direct, live, "a-direct", "pass_good", forged="203.0.113.9")
    assert refusal(sneaky) == IP_REFUSED
    # ...while client B, behind the same nginx, still signs in (last: a sign-in that succeeds
    # forgets its login's failures, and A's were at the same username).
    assert ended(sign_in(app, client_b, live, "b", "pass_good")) == "verified"


def check_mfa_sign_in_and_long_polls(
    sandbox: dict[str, str], stack: dict[str, Any], browser: httpx.Client, impatient: httpx.Client
) -> str:
    """A full sandbox sign-in with MFA through nginx; while it waits for the code, a long-poll
    that sees no change answers after its full wait, and is cut by a too-short timeout."""
    headers = open_connect(browser, sandbox, "mfa-user")
    login = {"username": "user_mfa_sms", "password": "pass_good"}
    attempt = browser.post("/connect/api/attempts", json=login, headers=headers).json()
    waiting = follow(browser, headers, attempt, {"mfa_code"})
    assert waiting["status"] == "mfa_code"
    poll = f"/connect/api/attempts/{waiting['id']}"
    quiet = {"after_seq": waiting["seq"], "wait": 6}
    began = time.monotonic()
    held = browser.get(poll, params=quiet, headers=headers)
    assert held.status_code == 200
    assert held.json()["seq"] == waiting["seq"]
    assert time.monotonic() - began >= 6  # answered after its full wait, not cut
    began = time.monotonic()
    assert impatient.get(poll, params=quiet, headers=headers).status_code == 504
    assert time.monotonic() - began < 6
    timeout = directive(stack["block"], "proxy_read_timeout")
    assert int(timeout.rstrip("s")) > LONGEST_WAIT + 10, "the guide's timeout must outlast"
    coded = browser.post(f"{poll}/mfa/code", json={"code": "123456"}, headers=headers).json()
    done = follow(browser, headers, coded, ENDED)
    assert done["status"] == "verified", done
    return str(done["utility_credential_id"])


def check_generated_urls(sandbox: dict[str, str], app: httpx.Client, credential_id: str) -> None:
    """Every URL handed out is https on the public host, never an API process's address."""
    auth = (sandbox["client_id"], sandbox["client_secret"])
    link = app.post(f"/v1/utility_credentials/{credential_id}/connect_link", auth=auth)
    assert link.status_code == 201, link.text
    assert link.json()["url"].startswith(f"{PUBLIC_URL}/connect/link?")
    frame = {"client_user_id": "u-frame", "target_origin": "https://app.example"}
    widget_url = app.post("/v1/widget_url", json=frame, auth=auth)
    assert widget_url.is_success, widget_url.text
    assert widget_url.json()["url"].startswith(f"{PUBLIC_URL}/connect/frame?")
    slash = app.get("/v1/utilities/", auth=auth)  # the framework's own redirect
    assert slash.status_code == 307
    assert slash.headers["location"] == f"{PUBLIC_URL}/v1/utilities"  # not http://


def check_body_sizes(app: httpx.Client) -> None:
    """A Green Button file over 1 MiB reaches Gridlink (here 401 without a session, in
    Gridlink's JSON, not nginx's 413 page); any other body that size is stopped by nginx."""
    big = b"x" * (2 * 1024 * 1024)
    upload = app.post("/connect/api/files", content=big)
    assert upload.status_code == 401, upload.text
    assert "error" in upload.json()
    assert app.post("/v1/auth/token", content=big).status_code == 413
