"""Requests and responses of the data API."""

from __future__ import annotations

from pydantic import BaseModel


class DataFilters(BaseModel):
    client_user_id: str | None = None
    utility_credential_id: str | None = None
    utility_account_id: str | None = None
    meter_id: str | None = None
