"""How a utility credential connects to its utility (``utility_credentials.method``)."""

from __future__ import annotations

from enum import StrEnum


class CredentialMethod(StrEnum):
    # A connector signs in with the end user's username and password (and MFA).
    LOGIN = "login"
    # Green Button files (Download My Data) uploaded by the end user in Connect or by the app.
    FILE = "file"
    # Green Button Connect My Data: an OAuth authorization at the utility's Data Custodian.
    GREEN_BUTTON = "green_button"
