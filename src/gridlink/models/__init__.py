"""Every table, one module each. Importing this package registers them all on ``Base.metadata``."""

from gridlink.models.access_token import AccessToken
from gridlink.models.base import Base
from gridlink.models.client import Client
from gridlink.models.client_secret import ClientSecret
from gridlink.models.connect_token import ConnectToken
from gridlink.models.data_key import DataKey
from gridlink.models.idempotency_key import IdempotencyKey
from gridlink.models.sealed_secret import SealedSecret
from gridlink.models.user import User
from gridlink.models.utility import Utility
from gridlink.models.utility_credential import UtilityCredential
from gridlink.models.utility_state import UtilityState
from gridlink.models.utility_zip_code import UtilityZipCode

__all__ = [
    "AccessToken",
    "Base",
    "Client",
    "ClientSecret",
    "ConnectToken",
    "DataKey",
    "IdempotencyKey",
    "SealedSecret",
    "User",
    "Utility",
    "UtilityCredential",
    "UtilityState",
    "UtilityZipCode",
]
