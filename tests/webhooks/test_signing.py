"""Our signer, proven by the independent reference implementation (``standardwebhooks``)."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from gridlink.cli import main
from gridlink.webhooks.signing import (
    InvalidSignature,
    generate_secret,
    secret_key,
    sign,
    verify,
    webhook_headers,
)
from gridlink.webhooks.verify import check

# The Standard Webhooks libraries' own test vector.
GOLDEN_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
GOLDEN_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
GOLDEN_TIMESTAMP = 1614265330
GOLDEN_BODY = b'{"test": 2432232314}'
GOLDEN_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_golden_vector_matches_the_reference_library() -> None:
    reference = Webhook(GOLDEN_SECRET).sign(
        GOLDEN_ID, datetime.fromtimestamp(GOLDEN_TIMESTAMP, UTC), GOLDEN_BODY.decode()
    )
    ours = sign(GOLDEN_SECRET, GOLDEN_ID, GOLDEN_TIMESTAMP, GOLDEN_BODY)
    assert ours == reference == GOLDEN_SIGNATURE


def test_generated_secrets_have_enough_entropy_and_never_repeat() -> None:
    secrets = {generate_secret() for _ in range(100)}
    assert len(secrets) == 100
    for secret in secrets:
        assert secret.startswith("whsec_")
        assert len(secret_key(secret)) >= 24
        Webhook(secret)  # the reference library accepts the format


def _signed(secrets: list[str], body: bytes = b'{"id":"evt_1"}') -> dict[str, str]:
    return webhook_headers(secrets, "evt_1", int(time.time()), body)


def test_reference_library_verifies_what_we_sign() -> None:
    secret = generate_secret()
    body = b'{"id":"evt_1","type":"test"}'
    assert Webhook(secret).verify(body, _signed([secret], body)) == {"id": "evt_1", "type": "test"}


@pytest.mark.parametrize("position", [0, 7, -1])
def test_one_changed_body_byte_fails(position: int) -> None:
    secret = generate_secret()
    body = b'{"id":"evt_1","type":"test"}'
    headers = _signed([secret], body)
    tampered = bytearray(body)
    tampered[position] ^= 0x01
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(bytes(tampered), headers)
    with pytest.raises(InvalidSignature, match="no v1 signature matches"):
        verify(secret, headers, bytes(tampered), time.time())


def test_a_changed_timestamp_fails() -> None:
    secret = generate_secret()
    body = b"{}"
    headers = _signed([secret], body)
    headers["webhook-timestamp"] = str(int(headers["webhook-timestamp"]) + 1)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, headers)
    with pytest.raises(InvalidSignature):
        verify(secret, headers, body, time.time())


def test_another_secret_fails() -> None:
    headers = _signed([generate_secret()])
    with pytest.raises(WebhookVerificationError):
        Webhook(generate_secret()).verify(b'{"id":"evt_1"}', headers)


def test_during_rotation_both_secrets_verify() -> None:
    old, new = generate_secret(), generate_secret()
    body = b'{"id":"evt_1"}'
    headers = _signed([new, old], body)
    signatures = headers["webhook-signature"].split(" ")
    assert len(signatures) == 2
    assert all(s.startswith("v1,") for s in signatures)
    for secret in (old, new):
        Webhook(secret).verify(body, headers)
        verify(secret, headers, body, time.time())


@pytest.mark.parametrize(
    ("skew", "accepted"), [(-301, False), (-299, True), (299, True), (301, False)]
)
def test_timestamps_outside_five_minutes_are_refused(skew: int, accepted: bool) -> None:
    secret = generate_secret()
    now = 1_800_000_000
    headers = webhook_headers([secret], "evt_1", now + skew, b"{}")
    if accepted:
        verify(secret, headers, b"{}", now)
    else:
        with pytest.raises(InvalidSignature, match="webhook-timestamp"):
            verify(secret, headers, b"{}", now)


def test_missing_header_is_named() -> None:
    headers = _signed([generate_secret()])
    del headers["webhook-signature"]
    with pytest.raises(InvalidSignature, match="webhook-signature header is missing"):
        verify(generate_secret(), headers, b"{}", time.time())


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The real command-line entry point, in-process: (exit status, stdout, stderr)."""
    status = main(["webhooks", "verify", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_cli_verify_exits_0_when_valid_and_1_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("gridlink.kit.logging.configure_logging", lambda *_a, **_k: None)
    secret = generate_secret()
    body = b'{"id":"evt_1","type":"test"}\n'
    (tmp_path / "body.json").write_bytes(body)
    headers = _signed([secret], body)
    header_args = [a for k, v in headers.items() for a in ("--header", f"{k}: {v}")]
    body_arg = ["--body", str(tmp_path / "body.json")]

    status, out, _ = _cli(capsys, "--secret", secret, *header_args, *body_arg)
    assert (status, out.split(":")[0]) == (0, "valid")

    (tmp_path / "body.json").write_bytes(body.rstrip())  # one byte less
    status, _, err = _cli(capsys, "--secret", secret, *header_args, *body_arg)
    assert status == 1
    assert "invalid: no v1 signature matches" in err

    status, _, err = _cli(capsys, "--secret", secret, "--header", "no colon", *body_arg)
    assert (status, "is not 'name: value'" in err) == (2, True)
    status, _, err = _cli(capsys, "--secret", secret, "--body", str(tmp_path / "missing"))
    assert (status, "cannot read --body" in err) == (2, True)
    with pytest.raises(SystemExit) as usage:
        main(["webhooks", "verify", "--body", "x"])  # --secret missing
    assert usage.value.code == 2


def test_cli_verify_check_reasons() -> None:
    secret = generate_secret()
    body = b"{}"
    now = time.time()
    headers = [f"{k}: {v}" for k, v in _signed([secret], body).items()]
    assert check(secret, headers, body, now, 300)[0] == 0
    other = "whsec_" + base64.b64encode(b"x" * 32).decode()
    assert check(other, headers, body, now, 300) == (
        1,
        "invalid: no v1 signature matches this secret, id, timestamp and body",
    )
    status, message = check(secret, headers, body, now + 3600, 300)
    assert (status, message) == (1, "invalid: webhook-timestamp is more than 300 s old")
    assert check(secret, [*headers, "no colon"], body, now, 300)[0] == 2
    assert check(secret, headers[:2], body, now, 300)[1].endswith("header is missing")
