"""Every table, one module each. Importing this package registers them all on ``Base.metadata``."""

from gridlink.models.access_token import AccessToken
from gridlink.models.base import Base
from gridlink.models.client import Client
from gridlink.models.client_secret import ClientSecret
from gridlink.models.connect_link import ConnectLink
from gridlink.models.connect_session import ConnectSession
from gridlink.models.connect_token import ConnectToken
from gridlink.models.connection_attempt import ConnectionAttempt
from gridlink.models.data_key import DataKey
from gridlink.models.event import Event
from gridlink.models.event_counter import EventCounter
from gridlink.models.green_button_authorization import GreenButtonAuthorization
from gridlink.models.green_button_custodian import GreenButtonCustodian
from gridlink.models.green_button_grant import GreenButtonGrant
from gridlink.models.idempotency_key import IdempotencyKey
from gridlink.models.login_failure import LoginFailure
from gridlink.models.mfa_code_event import MfaCodeEvent
from gridlink.models.operator import Operator
from gridlink.models.operator_audit_entry import OperatorAuditEntry
from gridlink.models.operator_session import OperatorSession
from gridlink.models.operator_sign_in_failure import OperatorSignInFailure
from gridlink.models.sealed_secret import SealedSecret
from gridlink.models.user import User
from gridlink.models.utility import Utility
from gridlink.models.utility_account import UtilityAccount
from gridlink.models.utility_credential import UtilityCredential
from gridlink.models.utility_interval_day import UtilityIntervalDay
from gridlink.models.utility_meter import UtilityMeter
from gridlink.models.utility_request_budget import UtilityRequestBudget
from gridlink.models.utility_state import UtilityState
from gridlink.models.utility_statement import UtilityStatement
from gridlink.models.utility_sync import UtilitySync
from gridlink.models.utility_zip_code import UtilityZipCode
from gridlink.models.webhook_delivery import WebhookDelivery
from gridlink.models.webhook_delivery_attempt import WebhookDeliveryAttempt
from gridlink.models.webhook_endpoint import WebhookEndpoint

__all__ = [
    "AccessToken",
    "Base",
    "Client",
    "ClientSecret",
    "ConnectLink",
    "ConnectSession",
    "ConnectToken",
    "ConnectionAttempt",
    "DataKey",
    "Event",
    "EventCounter",
    "GreenButtonAuthorization",
    "GreenButtonCustodian",
    "GreenButtonGrant",
    "IdempotencyKey",
    "LoginFailure",
    "MfaCodeEvent",
    "Operator",
    "OperatorAuditEntry",
    "OperatorSession",
    "OperatorSignInFailure",
    "SealedSecret",
    "User",
    "Utility",
    "UtilityAccount",
    "UtilityCredential",
    "UtilityIntervalDay",
    "UtilityMeter",
    "UtilityRequestBudget",
    "UtilityState",
    "UtilityStatement",
    "UtilitySync",
    "UtilityZipCode",
    "WebhookDelivery",
    "WebhookDeliveryAttempt",
    "WebhookEndpoint",
]
