"""A local Green Button Data Custodian: the utility side of Connect My Data, for tests and
the sandbox.

It is an OAuth 2.0 authorization server (Authlib's server side: authorization code with
PKCE, refresh with rotation, client credentials, RFC 7009 revocation) and an ESPI resource
server (Batch/Subscription feeds with published windows, Authorization, ReadServiceStatus),
with a consent page, a small /manage portal and BatchList notifications. Data comes from
stored ESPI files (:class:`FileFeeds`) or is generated up to "now" (:class:`SandboxFeeds`).
See docs/reference/local-data-custodian.md.
"""

from gridlink.greenbutton.custodian.app import Custodian, create_custodian
from gridlink.greenbutton.custodian.feeds import Customer, FileFeeds
from gridlink.greenbutton.custodian.notify import Delivery
from gridlink.greenbutton.custodian.sandbox import SandboxFeeds
from gridlink.greenbutton.custodian.state import Authorization, Registration

__all__ = [
    "Authorization",
    "Custodian",
    "Customer",
    "Delivery",
    "FileFeeds",
    "Registration",
    "SandboxFeeds",
    "create_custodian",
]
