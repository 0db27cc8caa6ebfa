"""The checkpoint of a credential's sync: what is stored, advanced with the data it describes.

    {"history_start": ISO, "run_until": ISO | None, "units_total": n, "units_done": n,
     "accounts": {account_id: {"statements_until": ISO date | None, "backfilled": bool}},
     "meters": {meter_id: {"account_id": id, "cursor": ISO | None, "until": ISO | None,
                           "backfilled": bool, "first": ISO | None,
                           "finest_from": ISO (during the backfill, when daily before it)}}}

``run_until`` is the utility-side time a run syncs up to; set when a run starts and cleared
when it ends, so a run resumed after a crash keeps the same chunk boundaries. A meter's
``cursor`` is where the run's next interval chunk starts; ``until`` where its stored intervals
end; ``first`` the first reading its backfill stored (the historical event's start). Chunks
start and end at the meter's local midnights (``local_midnight``), except the run's last.
"""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

Checkpoint = dict[str, Any]


def copied(checkpoint: Checkpoint | None) -> Checkpoint:
    return copy.deepcopy(checkpoint or {})


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def local_midnight(when: date | datetime, zone: ZoneInfo) -> datetime:
    """The start of ``when``'s day in ``zone`` (a datetime's own local day there), in UTC."""
    local_day = when.astimezone(zone).date() if isinstance(when, datetime) else when
    return datetime.combine(local_day, time(), zone).astimezone(UTC)


def months_back(now: datetime, months: int) -> datetime:
    """Midnight UTC of the first day of the month ``months`` before ``now``'s month."""
    index = now.year * 12 + now.month - 1 - months
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)
