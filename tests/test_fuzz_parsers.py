"""Control 41: every parser of outside input, fuzzed. Only its documented error may escape.

Bounded for the test suite (``GRIDLINK_FUZZ_EXAMPLES``, default 200 per parser; raise it for
a long run, e.g. ``make fuzz-long``). Coverage-guided runs of the same parsers: fuzz/ (Atheris).

| Parser | Input from | Documented error |
|---|---|---|
| utilities/eia.py ``read_files`` | files an operator downloads from EIA/OpenEI | EiaFormatError |
| webhooks/signing.py ``verify`` | a received webhook (headers, body) | InvalidSignature |
| webhooks/verify.py ``check`` | the CLI's arguments and body file | none: an exit status |
| kit/pagination.py ``decode_cursor`` | ``?cursor=`` of every list | InvalidRequest |
| utilities/service.py ``decode_cursor`` | ``?cursor=`` of /v1/utilities | InvalidRequest |
| kit/tokens.py ``parse``, ``present`` | every bearer token, secret, code | none: None |
| auth/dependencies.py ``parse_basic`` | the ``Authorization: Basic`` header | none: ("", "") |
| webhooks/schedule.py ``parse_retry_after`` | a receiver's ``Retry-After`` | none: None |
| webhooks/targets.py ``check_shape`` | a client's webhook URL | UnsafeTarget |
| clients/schemas.py ``check_origin`` etc. | ``gridlink clients create`` arguments | ValueError |
| connectors/units.py ``canonical_unit`` | a utility's unit names | UnknownUnit |
| kit/keyring.py ``Keyring.parse`` | ``GRIDLINK_MASTER_KEYS``, the key file | KeyringError |
| cli.py ``parse_duration`` | ``--grace`` | ArgumentTypeError |
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import csv
import io
import os
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from standardwebhooks import Webhook

from gridlink.auth.dependencies import parse_basic
from gridlink.cli import parse_duration
from gridlink.clients.schemas import check_logo_url, check_origin, check_redirect_uri
from gridlink.connectors.units import UnknownUnit, canonical_unit
from gridlink.errors import InvalidRequest
from gridlink.kit import pagination, tokens
from gridlink.kit.keyring import Keyring, KeyringError
from gridlink.utilities import service as utilities
from gridlink.utilities.eia import REQUIRED_COLUMNS, EiaFormatError, read_files
from gridlink.webhooks.schedule import parse_retry_after
from gridlink.webhooks.signing import InvalidSignature, generate_secret, verify
from gridlink.webhooks.targets import TargetPolicy, UnsafeTarget
from gridlink.webhooks.verify import EXIT_INVALID, EXIT_USAGE, EXIT_VALID, check
from tests.factories import assert_error

EXAMPLES = int(os.environ.get("GRIDLINK_FUZZ_EXAMPLES", "200"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
NOW = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)

# Any text at all, lone surrogates included (what argv's surrogateescape and JSON \ud800 give).
any_text = st.text(st.characters(exclude_categories=()), max_size=300)
# Digits of every script, superscripts and fractions included: str.isdigit() says yes to many
# of them, int() to fewer.
DIGITS = (
    "0123456789\u00b2\u00b3\u00b9\u2070\u0663\u06f4\u07c5\u0966\u09e7\u0a67\u0c69"
    "\u0e53\u0f23\u1045\u1090\u17e0\u1811\u1946\u07c0\U0001d7d8\U0001d7d9\u00bd\u2153"
)
digitish = st.text(st.sampled_from(DIGITS), min_size=1)
huge_number = st.builds(lambda n, d: d * n, st.integers(4301, 5000), st.sampled_from("19"))
numberish = st.one_of(digitish, huge_number, st.integers(-(10**30), 10**30).map(str), any_text)


# EIA files ---------------------------------------------------------------------------------------


def _read_bytes(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "iouzipcodes2020.csv"
        path.write_bytes(content)
        with contextlib.suppress(EiaFormatError):
            read_files([path])


@FUZZ
@given(st.binary(max_size=3000))
@example(b"\xff\xfe\x00zip")  # not UTF-8
@example(b"zip,eiaid,utility_name,state,service_type,ownership\n\x00,1,a,b,c,d\n")
def test_eia_any_bytes(content: bytes) -> None:
    _read_bytes(content)


row_cell = st.one_of(numberish, st.text(max_size=40))


@FUZZ
@given(
    st.permutations([*REQUIRED_COLUMNS, "res_rate"]),
    st.lists(st.lists(row_cell, max_size=9), max_size=20),
    st.sampled_from(["utf-8", "utf-8-sig"]),
)
@example(
    [*list(REQUIRED_COLUMNS), "res_rate"], [["²", "1", "a", "NY", "bundled", "x", "1"]], "utf-8"
)
@example([*list(REQUIRED_COLUMNS), "res_rate"], [["10001", "²", "a", "NY", "b", "x", "1"]], "utf-8")
def test_eia_well_formed_header_with_any_rows(
    header: list[str], rows: list[list[str]], encoding: str
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    _read_bytes(buffer.getvalue().encode(encoding, "surrogatepass"))


@FUZZ
@given(st.binary(min_size=1, max_size=200), st.integers(0, 10**9))
def test_eia_a_huge_field(chunk: bytes, seed: int) -> None:
    """csv's field size limit (131072) must read as a format error, not a crash."""
    header = ",".join(REQUIRED_COLUMNS).encode() + b"\n"
    field = (chunk * (140_000 // len(chunk) + 1))[:140_000].replace(b",", b"x").replace(b"\n", b"x")
    _read_bytes(header + b'"' + field.replace(b'"', b"x") + b'",1,a,b,c,d\n')


# Webhook signatures ------------------------------------------------------------------------------

secretish = st.one_of(
    st.builds(lambda _: generate_secret(), st.none()),
    st.builds(lambda raw: "whsec_" + base64.b64encode(raw).decode(), st.binary(max_size=64)),
    any_text,
)
headers = st.fixed_dictionaries(
    {},
    optional={
        "webhook-id": any_text,
        "webhook-timestamp": numberish,
        "webhook-signature": st.lists(
            st.one_of(st.just("v1,"), any_text.map(lambda t: "v1," + t), any_text), max_size=4
        ).map(" ".join),
    },
)


@FUZZ
@given(secretish, headers, st.binary(max_size=500), st.integers(0, 10**6))
@example(
    "whsec_AAAA", {"webhook-id": "x", "webhook-timestamp": "²", "webhook-signature": ""}, b"", 300
)
@example(
    "whsec_AAAA",
    {"webhook-id": "\udc80", "webhook-timestamp": "1", "webhook-signature": ""},
    b"",
    10**10,
)
def test_webhook_verify_raises_only_invalid_signature(
    secret: str, given_headers: dict[str, str], body: bytes, tolerance: int
) -> None:
    with contextlib.suppress(InvalidSignature):
        verify(secret, given_headers, body, NOW.timestamp(), tolerance)


@FUZZ
@given(secretish, st.lists(any_text, max_size=5), st.binary(max_size=300), st.integers(0, 10**6))
def test_the_verify_command_always_answers_with_an_exit_status(
    secret: str, header_lines: list[str], body: bytes, tolerance: int
) -> None:
    status, message = check(secret, header_lines, body, NOW.timestamp(), tolerance)
    assert status in (EXIT_VALID, EXIT_INVALID, EXIT_USAGE)
    assert message


@FUZZ
@given(
    st.text(st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="."), min_size=1),
    st.binary(max_size=300),
    st.integers(0, 299),
    st.data(),
)
def test_a_reference_signature_verifies_and_any_change_breaks_it(
    msg_id: str, body: bytes, age: int, data: st.DataObject
) -> None:
    secret = generate_secret()
    stamp = datetime.fromtimestamp(NOW.timestamp() - age, UTC)
    signature = Webhook(secret).sign(msg_id, stamp, body.decode("latin-1"))
    signed = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(stamp.timestamp())),
        "webhook-signature": signature,
    }
    verify(secret, signed, body.decode("latin-1").encode(), NOW.timestamp())
    tampered = data.draw(st.binary(max_size=300))
    assume(tampered != body.decode("latin-1").encode())
    try:
        verify(secret, signed, tampered, NOW.timestamp())
    except InvalidSignature:
        return
    raise AssertionError("a changed body verified")


# Cursors -----------------------------------------------------------------------------------------


@FUZZ
@given(any_text)
@example("=")
@example("\udc80")
def test_list_cursors_raise_only_invalid_request(cursor: str) -> None:
    with contextlib.suppress(InvalidRequest):
        pagination.decode_cursor(cursor)


@FUZZ
@given(st.from_regex(r"[a-z]{2,5}_[0-9A-Z]{26}", fullmatch=True))
def test_list_cursors_round_trip(last_id: str) -> None:
    assert pagination.decode_cursor(pagination.encode_cursor(last_id)) == last_id


@FUZZ
@given(any_text)
def test_utility_cursors_raise_only_invalid_request(cursor: str) -> None:
    with contextlib.suppress(InvalidRequest):
        utilities.decode_cursor(cursor)


# What a catalog row can hold: a zip rank, a sort name and an id of text without control
# characters (refused at the edge), the id never empty.
catalog_text = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=80)


@FUZZ
@given(
    st.integers(0, 999_999),
    catalog_text,
    catalog_text.filter(lambda text: 0 < len(text.encode()) <= 100),
)
def test_utility_cursors_round_trip(rank: int, sort_name: str, utility_id: str) -> None:
    position = (rank, sort_name, utility_id)
    assert utilities.decode_cursor(utilities.encode_cursor(position)) == position


# Tokens ------------------------------------------------------------------------------------------

kinds = st.sampled_from(list(tokens.TokenKind))


@FUZZ
@given(any_text, kinds)
def test_token_parsing_never_raises(value: str, kind: tokens.TokenKind) -> None:
    assert tokens.parse(value, kind) in (None, *tokens.ENVIRONMENTS)


@FUZZ
@given(any_text, kinds)
@example("glcs_sandbox_\udc80", tokens.TokenKind.CONNECT_SESSION)  # a JSON body's lone surrogate
def test_presenting_any_value_gives_a_digest_to_look_up(value: str, kind: tokens.TokenKind) -> None:
    """Malformed values are looked up too (control 36), so ``present`` must digest anything,
    and only a value ``parse`` accepts may carry an environment or its stored digest."""
    presented = tokens.present(value, kind)
    assert len(presented.digest) == 64
    assert presented.environment == tokens.parse(value, kind)
    if presented.environment is None:
        # Prefixed before hashing: never the digest a stored token with this value would have.
        with contextlib.suppress(UnicodeEncodeError):
            assert presented.digest != tokens.digest(value)


@FUZZ
@given(kinds, st.sampled_from(tokens.ENVIRONMENTS), st.data())
def test_a_token_with_any_one_character_changed_is_refused(
    kind: tokens.TokenKind, environment: str, data: st.DataObject
) -> None:
    token = tokens.generate(kind, environment)
    assert tokens.parse(token, kind) == environment
    body_start = len(f"{kind.value}_{environment}_")
    where = data.draw(st.integers(body_start, len(token) - 1))
    replacement = data.draw(
        st.sampled_from("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    )
    assume(token[where] != replacement)
    assert tokens.parse(token[:where] + replacement + token[where + 1 :], kind) is None


# Headers from the other side ---------------------------------------------------------------------

latin1 = st.text(st.characters(max_codepoint=255), max_size=300)  # what Starlette gives headers


@FUZZ
@given(st.one_of(latin1, st.builds(lambda raw: base64.b64encode(raw).decode(), st.binary())))
@example("é")
@example(base64.b64encode(b"\xff:\xfe").decode())
def test_basic_auth_never_raises(value: str) -> None:
    """A header that does not decode names no client (``("", "")``): it is looked up like a
    wrong secret, not refused early (control 36)."""
    client_id, secret = parse_basic(value)
    assert isinstance(client_id, str)
    assert isinstance(secret, str)


@FUZZ
@given(
    st.one_of(
        numberish, latin1, st.datetimes().map(lambda d: d.strftime("%a, %d %b %Y %H:%M:%S GMT"))
    )
)
@example("²")
@example("9" * 30)
@example("Fri, 31 Dec 9999 23:59:59 GMT")
def test_retry_after_is_a_wait_or_nothing(value: str) -> None:
    wait = parse_retry_after(value, NOW)
    assert wait is None or wait >= timedelta(0)


@FUZZ
@given(
    st.one_of(any_text, any_text.map(lambda t: "https://" + t)),
    st.sampled_from(["live", "sandbox"]),
)
@example("https://[::1", "live")
@example("http://[v1.x]/", "sandbox")
def test_webhook_urls_raise_only_unsafe_target(url: str, environment: str) -> None:
    with contextlib.suppress(UnsafeTarget):
        TargetPolicy(environment).check_shape(url)


@FUZZ
@given(
    st.one_of(any_text, any_text.map(lambda t: "https://" + t)),
    st.sampled_from(["live", "sandbox"]),
)
@example("http://[", "live")
def test_client_urls_raise_only_value_error(value: str, environment: str) -> None:
    for checker in (check_origin, check_redirect_uri, check_logo_url):
        with contextlib.suppress(ValueError):
            checker(value, environment)


@FUZZ
@given(any_text)
def test_unit_names_raise_only_unknown_unit(unit: str) -> None:
    with contextlib.suppress(UnknownUnit):
        canonical_unit(unit)


@FUZZ
@given(
    st.one_of(
        any_text,
        st.lists(
            st.tuples(any_text, st.binary(max_size=40)).map(
                lambda pair: f"{pair[0]}:{base64.b64encode(pair[1]).decode()}"
            ),
            max_size=4,
        ).map(",".join),
    )
)
def test_master_keys_raise_only_keyring_error(text: str) -> None:
    with contextlib.suppress(KeyringError):
        Keyring.parse(text)


@FUZZ
@given(st.one_of(numberish, any_text, st.integers(0, 10**30).map(lambda n: f"{n}d")))
@example("99999999999999999999d")
def test_durations_raise_only_argument_type_error(text: str) -> None:
    with contextlib.suppress(argparse.ArgumentTypeError):
        parse_duration(text)


# What the fuzzing found, through the real stack ------------------------------------------------


async def test_a_non_ascii_basic_header_is_401_not_500(api: httpx.AsyncClient) -> None:
    """Found by test_basic_auth_raises_only_unauthorized: base64 of a non-ASCII str raised a
    plain ValueError, which became an HTTP 500."""
    for value in (b"Basic \xe9", b"Basic \xff\xfe", "Basic é".encode("latin-1")):
        answer = await api.get("/v1/users", headers={"Authorization": value})
        assert_error(answer, 401, "unauthorized")


def test_a_webhook_with_a_superscript_timestamp_is_invalid_not_a_crash() -> None:
    """Found by test_webhook_verify_raises_only_invalid_signature: '²'.isdigit() is True."""
    status, message = check(
        generate_secret(),
        ["webhook-id: a", "webhook-timestamp: ²", "webhook-signature: v1,x"],
        b"",
        NOW.timestamp(),
        300,
    )
    assert status == EXIT_INVALID
    assert "webhook-timestamp" in message
