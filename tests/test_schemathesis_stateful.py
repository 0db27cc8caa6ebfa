"""Schemathesis's stateful phase: the API's OpenAPI links, followed, on SQLite and PostgreSQL.

The document says which answer feeds which operation (``links``, kit/openapi.py): the end user a
connect token was made for can be read and deleted, a new webhook endpoint read, changed, deleted
and its secret rotated, a listed utility credential read, deleted and sent a connect link, a
connect link revoked. Schemathesis turns those links into a Hypothesis state machine: it calls a
producer, takes the id from its answer, calls the linked operation with it, and so on, and runs
every check on every answer, including the ones only a sequence can fail (a resource that is
gone after its DELETE must answer 404, one just created must be found).

Everything else is tests/test_schemathesis.py's: the WSGI bridge to the app on the test's event
loop, the auth provider, the `served` fixture, the checks and the STATE_DEPENDENT allowances.
On top of that the client has one utility credential (for the credentials list to hand out),
and names resolve to a public address (a stub at the DNS edge), so registering a webhook
endpoint can succeed and its links be followed.

The links of POST /v1/auth/connect_token (to the user it names) are declared but not followed:
Schemathesis 4.32 starts scenarios only from operations it judges likely to succeed, and it
takes that body's `client_user_id` for an id no operation produces. The users' links are
followed from GET /v1/users instead; tests/test_openapi.py checks every link's expressions.

The run is deterministic (derandomized) and bounded by ``SCENARIOS`` and ``STEPS``. A test
that followed no link would pass vacuously, so the test also asserts that each linked operation
was reached with an id an earlier answer produced, and answered 2xx.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, settings
from schemathesis.core.result import Ok
from schemathesis.core.transport import Response
from schemathesis.generation.stateful.state_machine import StepInput, StepOutput

from tests.factories import make_client, make_credential
from tests.test_schemathesis import (
    BRIDGE,
    CHECKS,
    CREDENTIALS,
    DOCUMENT,
    EXAMPLE_USER_ID,
    MAX_EXAMPLES,
    WAITS_FOR_THE_WORKER,
    _Auth,
    served,  # noqa: F401 (a fixture)
)

SCENARIOS = 50  # state machine runs per database
STEPS = 15  # calls per run at most
PUBLIC_ADDRESS = "93.184.216.34"  # any host a generated webhook URL names resolves here
RECEIVERS = ["https://hooks.acme.example/gridlink", "http://hooks.acme.example:8080/in"]
CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True},
        # Mostly receiver URLs, so that registering an endpoint can succeed and its links be
        # followed; test_schemathesis.py fuzzes the URL field itself.
        "dictionaries": {"receivers": {"values": RECEIVERS}},
        "parameters": {"body.url": {"dictionary": "receivers", "probability": 0.8}},
        # Only the links the document declares: inference would add guesses of its own, and
        # write them into the schema it reads.
        "phases": {"stateful": {"inference": {"algorithms": []}}},
    }
)
schema = schemathesis.openapi.from_dict(copy.deepcopy(DOCUMENT), config=CONFIG).exclude(
    path=list(WAITS_FOR_THE_WORKER)
)
schema.app = BRIDGE
schema.auth.auth(refresh_interval=None)(_Auth)

# Each linked operation, to be reached through its link and succeed at least once per database.
MUST_FOLLOW = {
    "GET /v1/users/{client_user_id}",
    "DELETE /v1/users/{client_user_id}",
    "GET /v1/webhook_endpoints/{endpoint_id}",
    "PATCH /v1/webhook_endpoints/{endpoint_id}",
    "DELETE /v1/webhook_endpoints/{endpoint_id}",
    "POST /v1/webhook_endpoints/{endpoint_id}/rotate_secret",
    "GET /v1/utility_credentials/{utility_credential_id}",
    "DELETE /v1/utility_credentials/{utility_credential_id}",
    "POST /v1/utility_credentials/{utility_credential_id}/connect_link",
    "DELETE /v1/connect_links/{connect_link_id}",
}


@dataclass(frozen=True)
class Followed:
    """One call a link made: from which operation, to which, with what id, and the answer."""

    source: str
    target: str
    path_parameters: dict[str, Any]
    status: int


class _Workflow(schema.as_state_machine()):  # type: ignore[misc]
    """The state machine, with tests/test_schemathesis.py's checks, noting each link it followed."""

    followed: ClassVar[list[Followed]] = []
    app: ClassVar[FastAPI | None] = None

    def setup(self) -> None:
        """Each scenario starts from the same state: a new client, whose one end user has one
        credential. Hypothesis replays the start of earlier scenarios and requires the same
        draws (which follow the answers); and an earlier scenario may have deleted them."""
        assert self.app is not None
        assert BRIDGE.target is not None
        _, loop = BRIDGE.target
        CREDENTIALS.client = loop.run_until_complete(_fresh_client(self.app))

    def step(self, input: StepInput) -> StepOutput:
        self._input = input
        return super().step(input)

    def after_call(self, response: Response, case: schemathesis.Case) -> None:
        super().after_call(response, case)
        transition = self._input.transition
        if transition is None:
            return
        linked = {
            name: extracted.value.ok()
            for name, extracted in transition.parameters.get("path_parameters", {}).items()
            if isinstance(extracted.value, Ok)
        }
        used = case.path_parameters or {}
        if linked and all(used.get(name) == value for name, value in linked.items()):
            source = self.recorder.cases[transition.parent_id].value.operation.label
            self.followed.append(Followed(source, case.operation.label, used, response.status_code))

    def validate_response(
        self,
        response: Response,
        case: schemathesis.Case,
        additional_checks: Any = None,
        **kwargs: Any,
    ) -> None:
        case.validate_response(
            response, checks=CHECKS, transport_kwargs=kwargs or None, recorder=self.recorder
        )


async def _fresh_client(app: FastAPI) -> str:
    """A new sandbox client with one end user and one credential; its Authorization header."""
    client = await make_client(app)
    await make_credential(app, client, EXAMPLE_USER_ID)
    return "Basic " + base64.b64encode(f"{client.id}:{client.secret}".encode()).decode()


async def _resolve_to_a_public_address(host: str, port: int) -> list[str]:
    return [PUBLIC_ADDRESS]


def _run_the_state_machine() -> list[Followed]:
    _Workflow.followed = []
    _Workflow.run(
        settings=settings(
            max_examples=SCENARIOS,
            stateful_step_count=STEPS,
            derandomize=True,  # the same scenarios on every run
            database=None,
            deadline=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
    )
    return _Workflow.followed


@pytest.fixture
async def linked(
    app: FastAPI,
    served: httpx.AsyncClient,  # noqa: F811
) -> AsyncIterator[httpx.AsyncClient]:
    """`served`, with webhook URLs that resolve and the app for `_Workflow.setup` to seed (the
    app runs on this fixture's loop; the test must not, as in test_schemathesis.py)."""
    app.state.webhook_resolver = _resolve_to_a_public_address
    _Workflow.app = app
    yield served
    _Workflow.app = None


def test_the_links_hold_in_every_sequence(linked: httpx.AsyncClient) -> None:
    followed = _run_the_state_machine()
    succeeded = {step.target for step in followed if 200 <= step.status < 300}
    assert succeeded >= MUST_FOLLOW, f"links never followed to a 2xx: {MUST_FOLLOW - succeeded}"
