from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from gridlink.models.base import Base, UTCDateTime


class GreenButtonCustodian(Base):
    """A utility's Green Button Data Custodian, as the operator registered Gridlink with it
    (``gridlink green-button add-custodian``): one per utility.

    ``client_secret_sealed`` is sealed like a webhook signing secret (for the processes that
    open utility secrets: the worker exchanges codes and refreshes tokens), bound to this row's
    id. ``resource_endpoint`` is the ESPI resource base: a token response's ``resourceURI``
    outside it is refused, so no answer can send our bearer tokens to another host. The
    mutual-TLS certificate and key are files the operator keeps, as for a web server's own.
    """

    __tablename__ = "green_button_custodians"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    utility_id: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    oauth_client_id: Mapped[str] = mapped_column(String(200))
    client_secret_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    authorization_endpoint: Mapped[str] = mapped_column(String(1000))
    token_endpoint: Mapped[str] = mapped_column(String(1000))
    resource_endpoint: Mapped[str] = mapped_column(String(1000))
    scope: Mapped[str] = mapped_column(String(1000))
    pkce: Mapped[bool] = mapped_column(default=True)
    client_cert_file: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    client_key_file: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
