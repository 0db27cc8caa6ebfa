"""Every table, one module each. Importing this package registers them all on ``Base.metadata``."""

from gridlink.models.access_token import AccessToken
from gridlink.models.base import Base
from gridlink.models.client import Client
from gridlink.models.client_secret import ClientSecret
from gridlink.models.connect_token import ConnectToken
from gridlink.models.idempotency_key import IdempotencyKey
from gridlink.models.user import User
from gridlink.models.utility_credential import UtilityCredential

__all__ = [
    "AccessToken",
    "Base",
    "Client",
    "ClientSecret",
    "ConnectToken",
    "IdempotencyKey",
    "User",
    "UtilityCredential",
]
