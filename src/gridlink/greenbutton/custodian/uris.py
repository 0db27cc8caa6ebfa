"""Every URL the custodian hands out, built from its public base URL in one place.

The base URL is what the third party sees (``http://127.0.0.1:PORT`` in tests,
``https://host/sandbox/green-button`` when mounted under a prefix); resources live under
``{base}/espi/1_1/resource`` as at a real Data Custodian.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True, slots=True)
class Uris:
    base: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "base", self.base.rstrip("/"))

    @property
    def path_prefix(self) -> str:
        """The base URL's path (``""`` at the root): where cookies and form actions point."""
        return urlsplit(self.base).path.rstrip("/")

    @property
    def secure(self) -> bool:
        return self.base.startswith("https://")

    def at(self, path: str) -> str:
        return f"{self.base}{path}"

    @property
    def resource(self) -> str:
        return f"{self.base}/espi/1_1/resource"

    def subscription_batch(self, subscription_id: str) -> str:
        return f"{self.resource}/Batch/Subscription/{subscription_id}"

    def authorization(self, authorization_id: str) -> str:
        return f"{self.resource}/Authorization/{authorization_id}"

    @property
    def authorizations(self) -> str:
        return f"{self.resource}/Authorization"

    def subscription(self, subscription_id: str) -> str:
        return f"{self.resource}/Subscription/{subscription_id}"

    def usage_point(self, subscription_id: str, usage_point_id: str) -> str:
        return f"{self.subscription(subscription_id)}/UsagePoint/{usage_point_id}"

    def reading_type(self, reading_type_id: str) -> str:
        return f"{self.resource}/ReadingType/{reading_type_id}"

    def local_time(self, local_time_id: str) -> str:
        return f"{self.resource}/LocalTimeParameters/{local_time_id}"
