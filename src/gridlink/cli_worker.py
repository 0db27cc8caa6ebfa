"""``gridlink worker``: the worker loops (and its sync processes) without the API.

Apart from cli_serve.py on purpose: a worker, and each of its sync processes, never imports the
HTTP API's routers and schemas (0.5 to 0.9 s of start-up and 9 MB, per process, measured).
"""

from __future__ import annotations

import asyncio
import signal
import socket
import sys

from gridlink.cli_database import open_database
from gridlink.config import Settings
from gridlink.kit.clock import SystemClock
from gridlink.kit.key_modes import keys_for_worker
from gridlink.kit.process import harden_process
from gridlink.kit.tasks import cancel_and_wait
from gridlink.kit.vault import Vault
from gridlink.metrics.server import AddressError, parse_address, serve_until, worker_app
from gridlink.worker.processes import SYNC_LOOP, lower_priority, stop_with_parent
from gridlink.worker.registry import build_connectors, build_jobs, build_loops
from gridlink.worker.runner import Worker


def with_sync_processes(settings: Settings, *, default: int) -> Settings:
    """The settings with ``sync_processes`` decided (unset: ``default``, for this command)."""
    if settings.sync_processes is not None:
        return settings
    return settings.model_copy(update={"sync_processes": default})


def bind(host: str, port: int) -> socket.socket:
    """Bind before starting a server, so a busy port is a clear error rather than a crash."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host.strip("[]"), port))
    except OSError:
        listener.close()
        raise
    listener.set_inheritable(True)
    return listener


async def run_worker(settings: Settings) -> int:
    secrets = keys_for_worker(settings).secrets  # a key mode error stops us here
    listener = _metrics_listener(settings.worker_metrics_address)
    if isinstance(listener, str):
        print(f"gridlink worker: error: {listener}", file=sys.stderr)
        return 1
    harden_process()  # after the checks that can refuse to start: a refusal changes nothing
    clock = SystemClock()
    vault = Vault(secrets, clock)
    settings = with_sync_processes(settings, default=1)
    syncs_only = settings.selected_loops() == {SYNC_LOOP}
    if syncs_only:
        lower_priority(settings.sync_niceness)
    db = await open_database(settings, kind="sync" if syncs_only else "worker")
    worker = Worker(
        db,
        clock,
        build_jobs(settings),
        settings.worker_poll_seconds,
        build_loops(db, clock, vault, settings, build_connectors(settings)),
        stall_seconds=settings.worker_stall_seconds,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    http = None
    if listener is not None:
        app = worker_app(settings, db, clock, worker.health)
        http = asyncio.create_task(serve_until(app, listener, stop))
    orphaned = asyncio.create_task(stop_with_parent(stop))
    try:
        await worker.run_forever(stop)
    finally:
        await cancel_and_wait(orphaned)
        if http is not None:
            await http
        await db.dispose()
    return 0


def _metrics_listener(address: str | None) -> socket.socket | str | None:
    """The bound socket of the worker's /metrics server, None without one, or what is wrong."""
    if address is None:
        return None
    try:
        host, port = parse_address(address)
        return bind(host, port)
    except AddressError as exc:
        return f"invalid --metrics-address: {exc}"
    except OSError as exc:
        return f"cannot listen on {address} ({exc.strerror}); pick another --metrics-address"
