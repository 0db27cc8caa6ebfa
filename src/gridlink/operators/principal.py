"""Who is acting in the dashboard: the signed-in operator, their role and their clients.

Every dashboard route gets one of these from ``operators.dependencies`` and asks it before acting;
the UI hides what a role cannot do, but this is where it is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from gridlink.errors import Forbidden, NotFound


class Role(StrEnum):
    """admin: everything, clients and keys included; support: credential actions (retry MFA,
    update links, refresh, delete, submit credentials, redeliver); viewer: read-only."""

    ADMIN = "admin"
    SUPPORT = "support"
    VIEWER = "viewer"


_RANK = {Role.VIEWER: 0, Role.SUPPORT: 1, Role.ADMIN: 2}

ROLE_REFUSED = (
    "Your operator role ({role}) cannot do this; it needs {needed}. Ask an admin to change your "
    "role with `gridlink operators create` or do it with an operator who has it."
)
CLIENT_HIDDEN = "No {what} with this id is visible to you."


@dataclass(frozen=True)
class OperatorPrincipal:
    id: str
    email: str
    role: Role
    # None: every client. Otherwise the only clients this operator may see and act on.
    client_ids: frozenset[str] | None
    # Where the request came from, for the audit log.
    ip: str | None = None
    user_agent: str | None = None

    def has(self, needed: Role) -> bool:
        return _RANK[self.role] >= _RANK[needed]

    def require(self, needed: Role) -> None:
        if not self.has(needed):
            raise Forbidden(ROLE_REFUSED.format(role=self.role.value, needed=needed.value))

    def sees(self, client_id: str) -> bool:
        return self.client_ids is None or client_id in self.client_ids

    def require_client(self, client_id: str, what: str = "record") -> None:
        """Another client's record reads as unknown, as it does on the API."""
        if not self.sees(client_id):
            raise NotFound(CLIENT_HIDDEN.format(what=what))
