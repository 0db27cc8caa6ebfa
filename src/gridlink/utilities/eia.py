"""Reading the EIA/OpenEI "utility companies by zip code" CSVs, and ranking a zip's utilities.

Any edition is accepted: columns are found by header name (``zip, eiaid, utility_name, state,
service_type, ownership``; ``res_rate`` when present), a byte-order mark and CRLF endings are
fine, and zips that lost their leading zeros in a spreadsheet are padded back. The ranking is
explained in docs/decisions/0007-zip-to-utility.md.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from gridlink.utilities.brands import brand_of

REQUIRED_COLUMNS = ("zip", "eiaid", "utility_name", "state", "service_type", "ownership")

SERVICE_ORDER = {"bundled": 0, "delivery": 1, "energy": 2}
# Distribution utilities first; the order among them reflects who usually serves the most
# customers where several share a zip.
DISTRIBUTION_ORDER = {
    "investor owned": 0,
    "municipal": 1,
    "cooperative": 2,
    "political subdivision": 3,
    "state": 4,
}
# Federal entities (mostly TVA, which sells to the local distributor) and wholesale sellers.
WHOLESALE = frozenset(
    {"federal", "municipal mktg authority", "transmission", "wholesale power marketer"}
)
RETAIL_MARKETERS = frozenset({"retail power marketer", "behind the meter"})
# Added to the rank of a row without a residential rate: ``rank % 1000 >= NO_RESIDENTIAL`` says
# the utility sells to no household there (the service and ownership digits stay below it).
NO_RESIDENTIAL = 100
TIER = 1000

# Names end users type that the EIA names do not contain, by EIA utility id.
SEARCH_ALIASES: dict[int, str] = {
    4226: "coned con ed",
    4110: "comed",
    14328: "pg&e pge",
    17609: "sce",
    16609: "sdg&e sdge",
    11208: "ladwp dwp",
    16534: "smud",
    1167: "bge",
    54913: "eversource",
    4176: "eversource cl&p",
    13573: "national grid",
    11804: "national grid",
    15477: "pseg pse&g",
    15270: "pepco",
    9726: "jcp&l firstenergy",
    5109: "dte",
    19876: "dominion",
    6452: "fpl",
    15466: "xcel",
    13780: "xcel",
    13781: "xcel",
    803: "aps",
    16572: "srp",
    11171: "lipa pseg long island",
    19436: "ameren",
    14063: "og&e oge",
    14154: "o&r",
    3249: "central hudson",
    13511: "nyseg",
    16183: "rg&e",
    15248: "pge portland",
    13407: "nv energy",
    17166: "nv energy",
    19547: "heco",
}


class EiaFormatError(ValueError):
    """A file is not an EIA utility-by-zip table; the message names the file and the fix."""


@dataclass(frozen=True)
class ZipServed:
    """The best of a utility's rows for one zip."""

    zip: str
    eiaid: int
    state: str
    service_type: str
    ownership: str
    rank: int
    edition: int

    @property
    def residential(self) -> bool:
        return serves_households(self.rank)


def serves_households(rank: int) -> bool:
    return rank % TIER < NO_RESIDENTIAL


@dataclass
class EiaUtility:
    eiaid: int
    name: str  # EIA's: the legal entity's name
    edition: int
    states: set[str] = field(default_factory=set)

    @property
    def brand(self) -> str:
        return brand_of(self.eiaid, self.name)

    @property
    def search_text(self) -> str:
        """Brand, legal name and the aliases end users type, lower-cased, each once."""
        words = [self.brand.lower(), self.name.lower(), SEARCH_ALIASES.get(self.eiaid)]
        return " ".join(dict.fromkeys(w for w in words if w))


@dataclass
class EiaData:
    utilities: dict[int, EiaUtility] = field(default_factory=dict)
    zips: dict[tuple[str, int], ZipServed] = field(default_factory=dict)
    rows_read: int = 0

    def add(self, row: ZipServed, name: str) -> None:
        self.rows_read += 1
        utility = self.utilities.get(row.eiaid)
        if utility is None or row.edition > utility.edition:
            states = utility.states if utility is not None else set()
            utility = self.utilities[row.eiaid] = EiaUtility(row.eiaid, name, row.edition, states)
        utility.states.add(row.state)
        key = (row.zip, row.eiaid)
        held = self.zips.get(key)
        if held is None or (row.edition, -row.rank) > (held.edition, -held.rank):
            self.zips[key] = row


def rank(service_type: str, ownership: str, has_residential_rate: bool) -> int:
    """Lower is a better guess for "the utility that bills a household in this zip"."""
    owner = ownership.lower()
    if owner in RETAIL_MARKETERS:
        tier, order = 2, 0
    elif owner in DISTRIBUTION_ORDER:
        tier, order = 0, DISTRIBUTION_ORDER[owner]
    else:
        tier, order = 1, 0 if owner in WHOLESALE else 1
    service = SERVICE_ORDER.get(service_type, 3)
    return tier * TIER + (0 if has_residential_rate else NO_RESIDENTIAL) + service * 10 + order


_YEAR = re.compile(r"(?:19|20)\d{2}")


def edition_of(path: Path) -> int | None:
    """The data year in a file name: ``iouzipcodes2011.csv`` → 2011."""
    years = _YEAR.findall(path.stem)
    return int(years[-1]) if years else None


def _is_number(text: str, most_digits: int) -> bool:
    """ASCII digits only: str.isdigit() also says yes to '²' and other scripts' digits, some of
    which int() refuses."""
    return text.isascii() and text.isdigit() and len(text) <= most_digits


def _normal_zip(value: str) -> str | None:
    digits = value.strip().split("-")[0]
    if not _is_number(digits, 5):
        return None
    return digits.zfill(5)


def _rate(value: str | None) -> float:
    try:
        return float(value) if value else 0.0
    except ValueError:
        return 0.0


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        try:
            header = [name.strip().lower() for name in next(reader, [])]
            missing = [name for name in REQUIRED_COLUMNS if name not in header]
            if missing:
                raise EiaFormatError(
                    f"{path}: no column {', '.join(missing)}; expected an EIA/OpenEI "
                    f"utility-by-zip table with the header {','.join(REQUIRED_COLUMNS)},..."
                )
            for values in reader:
                if values:  # a short row reads as empty cells (then "not a number" below)
                    values += [""] * (len(header) - len(values))
                    yield dict(zip(header, values, strict=False))
        except UnicodeDecodeError as exc:
            raise EiaFormatError(
                f"{path}:{reader.line_num + 1}: not UTF-8 text; save the table as UTF-8 CSV"
            ) from exc
        except csv.Error as exc:  # e.g. a NUL byte, or a field beyond csv's size limit
            raise EiaFormatError(f"{path}:{reader.line_num}: not a CSV table ({exc})") from exc


def read_files(paths: Iterable[Path], edition: int | None = None) -> EiaData:
    """Parse every file into one set of utilities and ranked (zip, utility) pairs."""
    data = EiaData()
    for path in paths:
        year = edition or edition_of(path)
        if year is None:
            raise EiaFormatError(
                f"{path}: cannot tell the data year from the file name; pass --edition YEAR"
            )
        for line, row in enumerate(_rows(path), start=2):
            zip_code = _normal_zip(row["zip"])
            eiaid = row["eiaid"].strip()
            if zip_code is None or not _is_number(eiaid, 10):
                raise EiaFormatError(f"{path}:{line}: zip or eiaid is not a number")
            service = row["service_type"].strip().lower()
            ownership = row["ownership"].strip()[:40]
            has_rate = _rate(row.get("res_rate")) > 0
            served = ZipServed(
                zip=zip_code,
                eiaid=int(eiaid),
                state=row["state"].strip().upper()[:2],
                service_type=service[:10],
                ownership=ownership,
                rank=rank(service, ownership, has_rate),
                edition=year,
            )
            data.add(served, row["utility_name"].strip()[:200])
    return data
