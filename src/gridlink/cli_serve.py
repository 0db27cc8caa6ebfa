"""``gridlink serve``: the API (and, by default, its worker) in one process."""

from __future__ import annotations

import asyncio
import sys
from typing import Any
from urllib.parse import urlsplit

import uvicorn

from gridlink.app import create_app
from gridlink.cli_database import open_database
from gridlink.cli_worker import bind, with_sync_processes
from gridlink.clients.service import SandboxClient, ensure_sandbox_client
from gridlink.config import Settings
from gridlink.custodians import sandbox as sandbox_custodian
from gridlink.demo.service import ensure_demo_client
from gridlink.kit.clock import SystemClock
from gridlink.kit.key_modes import keys_for_app
from gridlink.kit.keyring import LiveRing
from gridlink.kit.process import harden_process
from gridlink.operators.service import any_operator

FIRST_ADMIN = "gridlink operators create you@example.com --role admin --password-stdin"


def _banner(settings: Settings, sandbox: SandboxClient, *, has_operators: bool = True) -> str:
    url = settings.resolved_public_url()
    lines = [
        "",
        f"Gridlink is running at {url}",
        f"  API reference:  {url}/docs",
        f"  Health:         {url}/readyz",
        f"  Dashboard:      {url}/dashboard",
    ]
    if settings.demo_enabled():
        lines.append(f"  Demo app:       {url}/demo  (try user_good / pass_good)")
    if settings.sandbox_green_button_enabled():
        lines.append(
            f"  Green Button:   {url}{sandbox_custodian.MOUNT}/manage  (the sandbox's Data "
            f"Custodian, for {sandbox_custodian.UTILITY_NAME})"
        )
    if not has_operators:
        lines.append(
            f"  No operator can sign in to the dashboard yet; create the first admin: {FIRST_ADMIN}"
        )
    lines.append("")
    if sandbox.secret is not None:
        lines += [
            "A sandbox client was created (the secret is shown only this once; store it now):",
            f"  client_id:     {sandbox.client_id}",
            f"  client_secret: {sandbox.secret}",
            "",
            "Get a connect token for an end user:",
            f"  curl -s -u '{sandbox.client_id}:{sandbox.secret}' \\",
            "    -H 'Content-Type: application/json' -d '{\"client_user_id\": \"user-123\"}' \\",
            f"    {url}/v1/auth/connect_token",
        ]
    else:
        lines += [
            f"Sandbox client: {sandbox.client_id} (its secret was shown on first start; get a new",
            f"one with `gridlink clients rotate-secret {sandbox.client_id}`).",
        ]
    return "\n".join(lines) + "\n"


async def serve(settings: Settings) -> int:
    keys_for_app(settings, run_worker=settings.run_worker)  # a key mode error stops us here
    harden_process()  # after the checks that can refuse to start: a refusal changes nothing
    db = await open_database(settings)
    public = urlsplit(settings.resolved_public_url())
    green_button: tuple[str, str] | None = None
    try:
        async with db.transaction() as session:
            origin = f"{public.scheme}://{public.netloc}"
            sandbox = await ensure_sandbox_client(session, SystemClock(), origin)
            if settings.demo_enabled():
                await ensure_demo_client(session, SystemClock(), origin)
            if settings.sandbox_green_button_enabled():
                secret = sandbox_custodian.new_secret()
                ring = LiveRing(keys_for_app(settings, run_worker=settings.run_worker)[0].secrets)
                custodian_id = await sandbox_custodian.register(
                    session, SystemClock(), ring, settings.resolved_public_url(), secret
                )
                green_button = (secret, custodian_id)
            has_operators = await any_operator(session)
    finally:
        await db.dispose()
    # On PostgreSQL syncs run in a process of their own (ADR 0024); the embedded SQLite default
    # stays one process, whose in-process wake-ups start a first sync at once.
    sync_default = 0 if settings.resolved_database_url().startswith("sqlite") else 1
    settings = with_sync_processes(settings, default=sync_default)
    app = create_app(settings.model_copy(update={"migrate_on_start": False}))
    if green_button is not None:
        custodian = sandbox_custodian.build(settings.resolved_public_url(), *green_button)
        app.mount(sandbox_custodian.MOUNT, custodian.app)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        http="httptools",
        lifespan="on",
        server_header=False,
        **proxy_options(settings),
    )
    try:
        listener = bind(settings.host, settings.port)
    except OSError as exc:
        print(
            f"gridlink serve: error: cannot listen on {settings.host}:{settings.port} "
            f"({exc.strerror}); pick another port with --port",
            file=sys.stderr,
        )
        return 1
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[listener]))
    while not server.started and not task.done():  # noqa: ASYNC110 - uvicorn offers no event
        await asyncio.sleep(0.02)
    if server.started:
        sys.stdout.write(_banner(settings, sandbox, has_operators=has_operators))
        sys.stdout.flush()
    await task
    return 0 if server.started else 1


def proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn believes X-Forwarded-For/-Proto only from GRIDLINK_TRUSTED_PROXIES. Passed
    always, so uvicorn's own default (FORWARDED_ALLOW_IPS, else 127.0.0.1: any local process,
    a same-host proxy that forgot the header) never applies."""
    trusted = settings.trusted_proxy_list()
    return {"proxy_headers": bool(trusted), "forwarded_allow_ips": trusted}
