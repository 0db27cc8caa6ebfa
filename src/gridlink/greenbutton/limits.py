"""How much of an untrusted file we are willing to read."""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps for one upload. The defaults fit ten years of 15-minute data with room to spare
    (a year of hourly readings is about 3 MB of XML)."""

    max_bytes: int = 64 * MiB  # one XML or CSV file, or a zip as uploaded
    max_entries: int = 500_000  # Atom entries in one XML file
    max_readings: int = 2_000_000  # interval readings in one file
    max_members: int = 100  # files in one zip
    max_unzipped: int = 256 * MiB  # all of a zip's files, uncompressed
    max_ratio: int = 200  # a zip member may not inflate more than this (a zip bomb's tell)
