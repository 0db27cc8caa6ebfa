"""Fuzz targets: each takes raw bytes, feeds them to one parser of outside input, and lets
through only that parser's documented error. Anything else escapes, and the fuzzer reports it
as a crash with the input that caused it.

No Atheris here, so the test suite runs every target on its seeds (tests/test_fuzz_targets.py)
and fuzz/run.py drives them coverage-guided. The same parsers and errors as the bounded
Hypothesis tests (tests/test_fuzz_parsers.py).
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from gridlink.auth.dependencies import parse_basic
from gridlink.cli import parse_duration
from gridlink.clients.schemas import check_logo_url, check_origin, check_redirect_uri
from gridlink.connectors.units import UnknownUnit, canonical_unit
from gridlink.errors import InvalidRequest, Unauthorized
from gridlink.kit import pagination, tokens
from gridlink.kit.keyring import Keyring, KeyringError
from gridlink.utilities import service as utilities
from gridlink.utilities.eia import EiaFormatError, read_files
from gridlink.webhooks.schedule import parse_retry_after
from gridlink.webhooks.signing import InvalidSignature, generate_secret, verify
from gridlink.webhooks.targets import TargetPolicy, UnsafeTarget
from gridlink.webhooks.verify import check

NOW = datetime(2026, 11, 21, 10, 0, tzinfo=UTC).timestamp()
SECRET = generate_secret()  # a fresh key per run: the fuzzer looks for crashes, not matches

Target = Callable[[bytes], None]


def _text(data: bytes) -> str:
    """Bytes as text the way argv does it: undecodable bytes become lone surrogates."""
    return data.decode("utf-8", "surrogateescape")


def _parts(data: bytes, count: int) -> list[str]:
    parts = _text(data).split("\n", count - 1)
    return parts + [""] * (count - len(parts))


def eia(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "iouzipcodes2020.csv"
        path.write_bytes(data)
        with contextlib.suppress(EiaFormatError):
            read_files([path])


def webhook_signature(data: bytes) -> None:
    """Lines: webhook-id, webhook-timestamp, webhook-signature, then the body."""
    msg_id, timestamp, signature, body = _parts(data, 4)
    headers = {"webhook-id": msg_id, "webhook-timestamp": timestamp}
    headers["webhook-signature"] = signature
    with contextlib.suppress(InvalidSignature):
        verify(SECRET, headers, body.encode("utf-8", "surrogateescape"), NOW)


def webhook_verify_command(data: bytes) -> None:
    """Lines: the secret, then header lines as given to --header; a blank line; the body."""
    head, _, body = data.partition(b"\n\n")
    secret, *lines = _text(head).split("\n")
    status, message = check(secret, lines, body, NOW, 300)
    assert status in (0, 1, 2)
    assert message


def cursor(data: bytes) -> None:
    text = _text(data)
    with contextlib.suppress(InvalidRequest):
        pagination.decode_cursor(text)
    with contextlib.suppress(InvalidRequest):
        utilities.decode_cursor(text)


def token(data: bytes) -> None:
    text = _text(data)
    for kind in tokens.TokenKind:
        assert tokens.parse(text, kind) in (None, *tokens.ENVIRONMENTS)


def basic_auth(data: bytes) -> None:
    with contextlib.suppress(Unauthorized):
        parse_basic(data.decode("latin-1"))  # what Starlette makes of header bytes


def retry_after(data: bytes) -> None:
    wait = parse_retry_after(data.decode("latin-1"), datetime.fromtimestamp(NOW, UTC))
    assert wait is None or wait.total_seconds() >= 0


def urls(data: bytes) -> None:
    text = _text(data)
    for environment in ("live", "sandbox"):
        with contextlib.suppress(UnsafeTarget):
            TargetPolicy(environment).check_shape(text)
        for checker in (check_origin, check_redirect_uri, check_logo_url):
            with contextlib.suppress(ValueError):
                checker(text, environment)


def units(data: bytes) -> None:
    with contextlib.suppress(UnknownUnit):
        canonical_unit(_text(data))


def master_keys(data: bytes) -> None:
    with contextlib.suppress(KeyringError):
        Keyring.parse(_text(data))


def duration(data: bytes) -> None:
    with contextlib.suppress(argparse.ArgumentTypeError):
        parse_duration(_text(data))


TARGETS: dict[str, Target] = {
    "eia": eia,
    "webhook_signature": webhook_signature,
    "webhook_verify_command": webhook_verify_command,
    "cursor": cursor,
    "token": token,
    "basic_auth": basic_auth,
    "retry_after": retry_after,
    "urls": urls,
    "units": units,
    "master_keys": master_keys,
    "duration": duration,
}

# Starting points for each target (the fuzzer mutates from these): well-formed inputs and the
# inputs that crashed the parsers before control 41's fixes.
SEEDS: dict[str, list[bytes]] = {
    "eia": [
        b"zip,eiaid,utility_name,state,service_type,ownership,res_rate\n"
        b"10001,4226,Consolidated Edison Co-NY Inc,NY,Bundled,Investor Owned,0.2\n",
        b"\xff\xfe",
        b"zip,eiaid,utility_name,state,service_type,ownership\n\xc2\xb2,1,a,NY,b,c\n",
        b"zip,eiaid,utility_name,state,service_type,ownership\n10001\n",
    ],
    "webhook_signature": [
        b"evt_1\n1763719200\nv1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=\n{}",
        b"evt_1\n\xc2\xb2\nv1,x\n",
        b"\xed\xb2\x80\n1763719200\nv1,x\n",
    ],
    "webhook_verify_command": [
        SECRET.encode() + b"\nwebhook-id: evt_1\nwebhook-timestamp: 1763719200\n"
        b"webhook-signature: v1,x\n\n{}",
    ],
    "cursor": [b"dXNyXzAxSkQzUTJWN1M5WDhZNlo1VzRWM1UyVDFT", b"WzAsImEiLCJiIl0", b"="],
    "token": [b"glct_sandbox_" + b"A" * 49, b"glsk_live_"],
    "basic_auth": [b"Y2xpX3g6Z2xza19zYW5kYm94X3g=", b"\xe9"],
    "retry_after": [b"120", b"Fri, 21 Nov 2026 10:05:00 GMT", b"\xc2\xb2", b"9" * 5000],
    "urls": [b"https://hooks.example/x", b"https://[::1", b"http://[v1.x]/"],
    "units": [b"kWh", b"CCF", b"therms"],
    "master_keys": [b"k1:" + b"A" * 43 + b"=", b"k1:\xff"],
    "duration": [b"24h", b"99999999999999999999d"],
}
