"""Settings, read from the environment with the ``GRIDLINK_`` prefix.

Every field here is listed in docs/reference/configuration.md (a test keeps the two in step).
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from gridlink.connectors.metadata import RequestBudget, parse_request_budgets
from gridlink.kit.trusted_proxies import parse_trusted_proxies

# The worker's loops by name (worker/registry.py builds them; GRIDLINK_WORKER_LOOPS picks).
WORKER_LOOPS = (
    "connection_attempts",
    "utility_syncs",
    "webhook_deliveries",
    "file_sweeper",
    "periodic_jobs",
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GRIDLINK_", extra="ignore")

    data_dir: Path = Field(
        default=Path(".gridlink"),
        description="Folder for the embedded database, the local key file and stored files.",
    )
    files_dir: Path | None = Field(
        default=None,
        description="Folder of the file store (bill PDFs). Unset: DATA_DIR/files.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL. Unset: SQLite at DATA_DIR/gridlink.db. "
        "postgresql://user@host/db switches to PostgreSQL.",
    )
    database_pool_size: int | None = Field(
        default=None,
        ge=1,
        le=1000,
        description="Database connections each process keeps open. Unset: 20 for `gridlink "
        "serve` with its worker, 10 for an API process (`GRIDLINK_RUN_WORKER=false`), 6 for a "
        "`gridlink worker`, 5 for its sync process, 2 for the short commands. Every "
        "process may open "
        "`DATABASE_POOL_SIZE + DATABASE_MAX_OVERFLOW`, plus one per waiting loop for wake-ups "
        "on a worker: their sum over all processes must stay under PostgreSQL's "
        "`max_connections` (or put PgBouncer in between).",
    )
    database_max_overflow: int | None = Field(
        default=None,
        ge=0,
        le=1000,
        description="Connections a process may open beyond the pool while busy (closed when "
        "returned). Unset: the same as the pool size.",
    )
    database_pool_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        le=300,
        description="How long a request or job waits for a free connection before it fails "
        "(a request with 503 `database_busy`).",
    )
    database_pooler: Literal["none", "transaction"] = Field(
        default="none",
        description="`transaction` when DATABASE_URL points at PgBouncer in transaction mode: "
        "no prepared statement is kept between transactions, and LISTEN wake-ups and "
        "migrations use DATABASE_DIRECT_URL (without it workers poll, and migrations refuse "
        "to run).",
    )
    database_direct_url: str | None = Field(
        default=None,
        description="PostgreSQL itself, bypassing the pooler, for the connections that must "
        "be the server's own: LISTEN wake-ups and migrations. Only with "
        "DATABASE_POOLER=transaction.",
    )
    host: str = Field(default="127.0.0.1", description="Address `gridlink serve` listens on.")
    port: int = Field(default=8080, description="Port `gridlink serve` listens on.")
    public_url: str | None = Field(
        default=None,
        description="Base URL end users and integrators reach this server at "
        "(default http://HOST:PORT).",
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated IP addresses and networks (CIDR) of the reverse proxies "
        "in front of `gridlink serve`, whose X-Forwarded-For and X-Forwarded-Proto are "
        "believed. Empty: nobody's; the TCP peer is the client.",
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        default="info", description="debug, info, warning or error."
    )
    max_body_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description="Largest request body accepted, in bytes (1 MiB). A larger body is refused "
        "with 413 `payload_too_large` before it is read.",
    )
    max_upload_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=1024,
        description="Largest Green Button file upload accepted, in bytes (64 MiB: ten years of "
        "15-minute readings fit). Applies to POST /v1/utility_credentials/files and "
        "POST /connect/api/files, whose bodies are read as they stream; a larger one is refused "
        "with 413 `payload_too_large`.",
    )
    master_keys: SecretStr | None = Field(
        default=None,
        description="Master keys as `id:base64key,...` (the first is primary). Unset: a key file "
        "DATA_DIR/master.keys is created with mode 0600.",
    )
    key_mode: Literal["master", "api", "worker"] = Field(
        default="master",
        description="Which keys this process holds: master (the master keys seal and open "
        "everything; one process), api (seals with the public sealing key, opens no utility "
        "secret), worker (opens with the private opening keys). See ADR 0012.",
    )
    opening_keys: SecretStr | None = Field(
        default=None,
        description="Worker mode: private opening keys as `id:base64key,...` (the first is "
        "primary). Unset: DATA_DIR/opening.keys, made by `gridlink keys init`.",
    )
    sealing_key: str | None = Field(
        default=None,
        description="API mode: the public sealing key `id:base64key` from `gridlink keys "
        "public`. Unset: DATA_DIR/sealing.pub.",
    )
    api_keys: SecretStr | None = Field(
        default=None,
        description="API mode: the API's own keys for saved idempotency responses, as "
        "`id:base64key,...`. Unset: DATA_DIR/api.keys, made by `gridlink keys init`.",
    )
    migrate_on_start: bool = Field(
        default=True,
        description="Apply database migrations when a command opens the database. Turn off when "
        "several processes share one database and `gridlink migrate` runs once per deploy.",
    )
    run_worker: bool = Field(
        default=True, description="Run the background worker inside `gridlink serve`."
    )
    worker_poll_seconds: float = Field(
        default=1.0, description="How often the worker looks for due work."
    )
    worker_loops: str = Field(
        default="all",
        description="The worker loops this process runs, comma-separated: `connection_attempts` "
        "(sign-ins), `utility_syncs`, `webhook_deliveries`, `file_sweeper`, `periodic_jobs`; "
        "`all` for every one. Dedicates `gridlink worker` processes to kinds of work.",
    )
    sync_processes: int | None = Field(
        default=None,
        ge=0,
        le=64,
        description="Child processes a worker starts to run its syncs (backfills are CPU-heavy; "
        "apart, they never slow the sign-ins of the worker's own event loop); 0 runs syncs in "
        "the worker's own process. Unset: 1 for `gridlink worker` and for `gridlink serve` on "
        "PostgreSQL, 0 for `gridlink serve` on SQLite (the one-process embedded default).",
    )
    worker_stall_seconds: float = Field(
        default=120.0,
        gt=0,
        description="`/readyz` fails when a worker loop has made no progress for this long "
        "(beyond its own poll interval).",
    )
    worker_metrics_address: str | None = Field(
        default=None,
        description="`gridlink worker` serves /metrics, /healthz and /readyz on this HOST:PORT "
        "(e.g. 127.0.0.1:9464); unset: no HTTP server.",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token that may read /metrics; unset: loopback callers only.",
    )

    webhook_poll_seconds: float = Field(
        default=1.0,
        gt=0,
        description="How often a delivery worker looks for retries that came due (new events "
        "wake it at once).",
    )
    webhook_lease_seconds: float = Field(
        default=60.0,
        gt=0,
        description="How long a worker holds a claimed delivery; if it dies, another worker "
        "sends it after this. Keep it above the timeout.",
    )
    webhook_timeout_seconds: float = Field(
        default=15.0, gt=0, description="Time a receiver has to answer one delivery."
    )
    webhook_concurrency: int = Field(
        default=100,
        ge=1,
        description="Deliveries in flight at once, per worker (also the most connections it "
        "opens to one receiver).",
    )
    webhook_batch_size: int = Field(
        default=50, ge=1, description="Deliveries a worker claims per database round trip."
    )
    webhook_allow_loopback: bool | Literal["auto"] = Field(
        default="auto",
        description="Whether sandbox clients may send webhooks to loopback addresses "
        "(http://localhost:3000/...). auto: only on a local server (see is_local). Live clients "
        "never may.",
    )

    connect_wait_seconds: float = Field(
        default=25.0,
        gt=0,
        description="How long Connect waits for a utility to answer before showing `pending` "
        "(the sign-in goes on; the app is told by webhook).",
    )
    connect_input_timeout_seconds: float = Field(
        default=600.0,
        gt=0,
        description="How long a sign-in waits for the end user's MFA choice or code before it "
        "ends as `timeout`.",
    )
    attempt_lease_seconds: float = Field(
        default=30.0,
        gt=0,
        description="How long a worker's claim on a running sign-in lasts without renewal; a "
        "sign-in whose worker died ends as `error` after this.",
    )
    attempt_concurrency: int = Field(
        default=100, gt=0, description="Sign-ins one worker runs at the same time."
    )
    sign_in_failures_per_ip_hour: int = Field(
        default=20,
        gt=0,
        description="Live clients: failed utility sign-ins from one IP address per client in an "
        "hour before further sign-ins from it are refused (429).",
    )
    sign_in_failures_per_client_hour: int = Field(
        default=300,
        gt=0,
        description="Live clients: failed utility sign-ins per client in an hour before further "
        "sign-ins are refused (429), against spraying from many end users.",
    )
    sandbox_slow_seconds: float = Field(
        default=40.0, gt=0, description="How long the sandbox's `user_slow` takes to verify."
    )
    sandbox_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="How long the sandbox's `user_timeout` stays silent before timing out.",
    )

    sync_history_months: int = Field(
        default=24,
        ge=1,
        le=120,
        description="How many months of statements and intervals a credential's first sync "
        "backfills.",
    )
    sync_interval_seconds: float = Field(
        default=86400.0,
        gt=0,
        description="Time between a credential's scheduled checks for new statements and "
        "intervals (utility-side time: a sandbox client's moved clock makes them due).",
    )
    sync_jitter_seconds: float = Field(
        default=3600.0,
        ge=0,
        description="Scheduled checks are spread by up to this much either way, so credentials "
        "verified together do not all sync at once.",
    )
    sync_chunk_days: int = Field(
        default=31,
        ge=1,
        description="Days of interval readings fetched and stored per transaction (one "
        "checkpoint step).",
    )
    sync_overlap_days: int = Field(
        default=2,
        ge=0,
        description="The least look-back of a scheduled check: it fetches intervals again from "
        "the last stored reading minus the connector's look-back or this many days, whichever "
        "is longer, for readings the utility publishes late or revises.",
    )
    sync_finest_months: int | None = Field(
        default=None,
        ge=1,
        description="The backfill reads the finest readings for this many recent months and "
        "daily readings before them, for every connector that can read daily; unset: each "
        "connector's own policy (opower and the sandbox 13 months).",
    )
    sync_chunk_pause_seconds: float = Field(
        default=0.0,
        ge=0,
        description="Pause between two chunks of one sync, to go easy on a utility.",
    )
    sync_lease_seconds: float = Field(
        default=60.0,
        gt=0,
        description="How long a worker's claim on a running sync lasts without renewal; another "
        "worker resumes a dead worker's sync from its checkpoint after this.",
    )
    sync_concurrency: int = Field(
        default=10, ge=1, description="Syncs one worker runs at the same time."
    )
    sync_per_utility_concurrency: int = Field(
        default=4,
        ge=1,
        description="Most syncs running at once against one utility, across all workers.",
    )
    sync_niceness: int = Field(
        default=10,
        ge=0,
        le=19,
        description="How much lower the CPU priority of a process that runs only syncs (a "
        "worker's sync process, or a worker with GRIDLINK_WORKER_LOOPS=utility_syncs) is than "
        "the processes that answer people (the nice increment): on a shared host, backfills then "
        "take only the CPU that sign-ins and API requests leave; 0 keeps the same priority.",
    )
    sync_busy_share: float = Field(
        default=0.9,
        ge=0,
        le=1,
        description="A sync process takes no more syncs while it spent this share of the last "
        "second computing (its core is saturated), leaving them to processes whose core is "
        "free; 0 turns this off (fill GRIDLINK_SYNC_CONCURRENCY whatever the load).",
    )
    sync_retry_base_seconds: float = Field(
        default=60.0,
        gt=0,
        description="First wait after a failed sync; it doubles with each failure (a utility's "
        "retry hint wins when longer).",
    )
    sync_retry_max_seconds: float = Field(
        default=21600.0, gt=0, description="Longest wait between two tries of a failing sync."
    )
    request_budgets: str = Field(
        default="",
        description="Requests a minute Gridlink may send a utility, all workers together, as "
        "`id=PER_MINUTE[/BURST],...` where an id is a utility's or a connector's (e.g. "
        "`pge=20/5,smart_meter_texas=6,sandbox=unlimited`). Unset ids keep their connector's "
        "declared budget.",
    )
    sync_poll_seconds: float = Field(
        default=5.0,
        gt=0,
        description="How often a sync worker looks for syncs that came due (a verification or a "
        "refresh wakes it at once).",
    )

    widget_dist_dir: Path | None = Field(
        default=None,
        description="Folder holding the built `connect.js` served at /connect.js and, in its "
        "`ui/` subfolder, the built Connect page (manifest.json and hashed assets). Unset: "
        "widget/packages/connect/dist and widget/packages/ui/dist of the source checkout "
        "(built by `make serve`).",
    )

    demo: bool | Literal["auto"] = Field(
        default="auto",
        description="Serve the demo app at /demo: a sample host page that opens Connect for the "
        "demo's own sandbox client. auto: only on a local server (see is_local).",
    )

    sandbox_green_button: bool | Literal["auto"] = Field(
        default="auto",
        description="Serve a local Green Button Data Custodian at /sandbox/green-button, "
        "registered for the sandbox utility 'Sandbox Green Button Utility', so Connect My Data "
        "can be tried from the demo. auto: only on a local server (see is_local).",
    )

    dashboard_idle_minutes: int = Field(
        default=30,
        ge=1,
        le=24 * 60,
        description="A dashboard session ends after this many minutes without a request.",
    )
    dashboard_session_hours: int = Field(
        default=12,
        ge=1,
        le=24 * 30,
        description="A dashboard session ends this many hours after sign-in, however active.",
    )

    connect_terms_url: str | None = Field(
        default=None,
        description="Terms of service linked from Connect's consent screen. Unset: no link.",
    )
    connect_privacy_url: str | None = Field(
        default=None,
        description="Privacy policy linked from Connect's consent screen. Unset: no link.",
    )

    @field_validator("worker_loops")
    @classmethod
    def _loops_known(cls, value: str) -> str:
        names = _loop_names(value)
        unknown = names - {"all", *WORKER_LOOPS}
        if unknown or not names:
            raise ValueError(
                f"unknown worker loops {sorted(unknown)}: use `all` or some of {list(WORKER_LOOPS)}"
            )
        return value

    def selected_loops(self) -> frozenset[str]:
        names = _loop_names(self.worker_loops)
        return frozenset(WORKER_LOOPS) if "all" in names else names

    @field_validator("request_budgets")
    @classmethod
    def _budgets_parse(cls, value: str) -> str:
        parse_request_budgets(value)
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_parse(cls, value: str) -> str:
        parse_trusted_proxies(value)
        return value

    def trusted_proxy_list(self) -> list[str]:
        return parse_trusted_proxies(self.trusted_proxies)

    def request_budget_overrides(self) -> dict[str, RequestBudget]:
        return parse_request_budgets(self.request_budgets)

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'gridlink.db').resolve()}"

    def resolved_files_dir(self) -> Path:
        return self.files_dir or self.data_dir / "files"

    def resolved_public_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    def is_local(self) -> bool:
        """True when only this machine can reach the server: it listens on a loopback address
        and its public URL, if set, names a loopback host (a server behind a proxy listens on
        127.0.0.1 but is reachable at its public URL). What ``auto`` settings go by."""
        public = urlsplit(self.public_url).hostname if self.public_url else self.host
        return is_loopback_host(self.host) and is_loopback_host(public or "")

    def demo_enabled(self) -> bool:
        return self.is_local() if self.demo == "auto" else self.demo

    def sandbox_green_button_enabled(self) -> bool:
        if self.sandbox_green_button == "auto":
            return self.is_local()
        return self.sandbox_green_button

    def webhook_loopback_allowed(self) -> bool:
        if self.webhook_allow_loopback == "auto":
            return self.is_local()
        return self.webhook_allow_loopback


def _loop_names(value: str) -> frozenset[str]:
    return frozenset(name.strip() for name in value.split(",") if name.strip())


def is_loopback_host(host: str) -> bool:
    """localhost (and *.localhost) or a loopback address, bracketed IPv6 too."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
