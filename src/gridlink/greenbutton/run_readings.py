"""The readings of the runs :mod:`hollow` cuts out, converted column by column as
:func:`intervals.read_block` converts them one at a time: every start, value and duration of
the file in a few C-level maps, each distinct value or duration text read once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import accumulate, groupby, islice, repeat
from operator import add, ne, sub

from gridlink.greenbutton.intervals import RawReadings
from gridlink.greenbutton.values import LAST_SECOND

_LONGEST = 10 * 366 * 86400  # values.seconds: a plausible duration


class Columns:
    """The parts of every reading the split found, converted as the walk converts them."""

    def __init__(
        self,
        costs: list[bytes | None],
        qualities: list[bytes | None],
        durations: list[bytes],
        starts: list[bytes],
        values: list[bytes],
    ) -> None:
        self.seconds = list(map(int, starts))
        # Eleven digits stay below year 5138, which a datetime holds; later ones are refused.
        self.starts = instants(self.seconds)
        lengths = {text: _duration(text) for text in set(durations)}
        self.durations = list(map(lengths.__getitem__, durations))
        # Whether any run may need the walk's judgement (checked run by run only then).
        self.odd = max(self.seconds) >= LAST_SECOND or None in lengths.values()
        # Meters repeat their values: each text is read once (a Decimal does not change).
        numbers = {text: Decimal(text.decode()) for text in set(values)}
        self.values = list(map(numbers.__getitem__, values))
        self.any_cost = any(costs)
        self.cost_texts = costs  # which readings have one: compared as bytes, not Decimals
        self.costs: list[Decimal | None] | None = None
        if self.any_cost:
            numbers = {text: Decimal(text.decode()) for text in set(costs) if text is not None}
            self.costs = list(map(numbers.get, costs))  # type: ignore[arg-type]
        self.any_quality = any(qualities)
        self.qualities: list[tuple[int, ...]] | None = None
        if self.any_quality:
            codes: dict[bytes | None, tuple[int, ...]] = {None: ()}
            codes.update((q, (int(q),)) for q in set(qualities) if q is not None)
            self.qualities = list(map(codes.__getitem__, qualities))

    def readings(self, first: int, end: int) -> RawReadings | None:
        """Readings ``first`` to ``end`` (excluded); None when one needs the walk's judgement
        (an implausible start or duration, which it reports with its line)."""
        durations: list[timedelta | None] = self.durations[first:end]
        if self.odd and (max(self.seconds[first:end]) >= LAST_SECOND or None in durations):
            return None
        count = end - first
        costs: list[Decimal | None] = [None] * count
        if self.costs is not None:
            costs = self.costs[first:end]
        qualities: list[tuple[int, ...]] = [()] * count
        if self.qualities is not None:
            qualities = self.qualities[first:end]
        return RawReadings(
            starts=self.starts[first:end],
            durations=durations,
            values=self.values[first:end],
            costs=costs,
            qualities=qualities,
            any_cost=self.any_cost and self.cost_texts[first:end].count(None) < count,
            any_quality=self.any_quality and any(qualities),
        )


def instants(seconds: list[int]) -> list[datetime]:
    """``datetime.fromtimestamp(s, UTC)`` for each of ``seconds``, the same objects, made
    five times faster when they step evenly (readings usually do): where the step between
    neighbours stays the same, each instant is the one before plus that step, added in C."""
    if len(seconds) < 2:
        return list(map(datetime.fromtimestamp, seconds, repeat(UTC)))
    steps = list(map(sub, seconds[1:], seconds[:-1]))
    if 4 * sum(map(ne, steps[1:], steps[:-1])) > len(steps):  # uneven: one call each
        return list(map(datetime.fromtimestamp, seconds, repeat(UTC)))
    found = [datetime.fromtimestamp(seconds[0], UTC)]
    for step, same in groupby(steps):
        taken = len(list(same))
        found += islice(
            accumulate(repeat(timedelta(seconds=step), taken), add, initial=found[-1]), 1, None
        )
    return found


def _duration(text: bytes) -> timedelta | None:
    """As values.seconds reads it; None when implausible."""
    number = Decimal(text.decode())
    return timedelta(seconds=float(number)) if 0 < number <= _LONGEST else None
