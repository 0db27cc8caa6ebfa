"""Everything one custodian's routes share, built once by :func:`create_custodian`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from gridlink.greenbutton.custodian.antiforgery import AntiForgery
from gridlink.greenbutton.custodian.feeds import Feeds
from gridlink.greenbutton.custodian.oauth import CustodianServer
from gridlink.greenbutton.custodian.state import Store
from gridlink.greenbutton.custodian.uris import Uris


@dataclass(frozen=True, slots=True)
class Context:
    store: Store
    server: CustodianServer
    feeds: Feeds
    uris: Uris
    forgery: AntiForgery
    now: Callable[[], datetime]
