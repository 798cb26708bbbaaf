"""Balai RW coordinates (for citizens who share their location): CSV import."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import select

from models import RW, Kecamatan, Kelurahan
from services.core.runtime import Runtime
from services.roster.parse import Problem

COLUMNS = ("kecamatan", "kelurahan", "rw", "latitude", "longitude")
# Kota Surabaya and a margin: a coordinate outside is a typo, not a balai RW.
LAT_RANGE, LON_RANGE = (-7.40, -7.15), (112.55, 112.85)


@dataclass
class BalaiResult:
    problems: list[Problem] = field(default_factory=list)
    updated: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def _coordinate(text: str, bounds: tuple[float, float]) -> float | None:
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return None
    return value if bounds[0] <= value <= bounds[1] else None


def _find_rw(db, kecamatan: str, kelurahan: str, number: str) -> RW | None:
    if not number.strip().isdigit():
        return None
    return db.scalar(select(RW).join(Kelurahan, RW.kelurahan_id == Kelurahan.id)
                     .join(Kecamatan, Kelurahan.kecamatan_id == Kecamatan.id)
                     .where(Kecamatan.name.ilike(kecamatan.strip()),
                            Kelurahan.name.ilike(kelurahan.strip()),
                            RW.number == int(number)))


def import_balai(rt: Runtime, data: bytes) -> BalaiResult:
    """Set each listed RW's balai coordinates; all rows or none."""
    result = BalaiResult()
    try:
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    except (UnicodeDecodeError, csv.Error):
        result.problems.append(Problem(1, "not_csv"))
        return result
    if rows and any(c not in rows[0] for c in COLUMNS):
        result.problems.append(Problem(1, "header", ", ".join(COLUMNS)))
        return result
    with rt.transaction() as db:
        for line, row in enumerate(rows, start=2):
            place = _find_rw(db, row["kecamatan"], row["kelurahan"], row["rw"])
            lat = _coordinate(row["latitude"], LAT_RANGE)
            lon = _coordinate(row["longitude"], LON_RANGE)
            if place is None:
                result.problems.append(Problem(line, "rw_not_in_roster",
                                               f"{row['kelurahan']} RW {row['rw']}"))
            elif lat is None or lon is None:
                result.problems.append(Problem(line, "coordinate_invalid"))
            else:
                place.latitude, place.longitude = lat, lon
                result.updated += 1
        if result.problems:
            db.rollback()
            result.updated = 0
    return result
