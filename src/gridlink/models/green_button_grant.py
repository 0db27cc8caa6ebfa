from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from gridlink.models.base import Base, UTCDateTime


class GreenButtonGrant(Base):
    """What a Connect My Data credential may read: the subscription (``resource_uri``, the
    token response's ``resourceURI``) and the authorization behind it.

    The access and refresh tokens are sealed in the vault under the credential's id (field
    ``oauth_tokens``); ``access_expires_at`` only says when to refresh. A custodian's
    ``BatchList`` notification names subscriptions, found here by ``resource_uri``.
    """

    __tablename__ = "green_button_grants"

    credential_id: Mapped[str] = mapped_column(
        ForeignKey("utility_credentials.id", ondelete="CASCADE"), primary_key=True
    )
    custodian_id: Mapped[str] = mapped_column(
        ForeignKey("green_button_custodians.id", ondelete="CASCADE"), index=True
    )
    resource_uri: Mapped[str] = mapped_column(String(1000), index=True)
    authorization_uri: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    access_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
