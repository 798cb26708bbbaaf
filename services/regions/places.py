"""Finding a citizen's RW: by typed name (loosely), by choice, or by shared location."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from models import RW, Kecamatan, Kelurahan
from services.regions.geo import nearest_within
from services.regions.matching import PlaceCandidate, match_kelurahan, parse_rw_reference

NEAREST_KM = 3.0
# What an RW's label and its replies name: kelurahan and kecamatan, read with the RW.
WITH_REGION = joinedload(RW.kelurahan).joinedload(Kelurahan.kecamatan)


@dataclass(frozen=True)
class PlaceAnswer:
    """What a typed place resolved to. Exactly one of the outcomes is set."""

    rw: RW | None = None                       # found
    choices: tuple[PlaceCandidate, ...] = ()   # ask the citizen to pick a kelurahan
    rw_number: int | None = None               # the RW number typed, kept for the choice
    problem: str | None = None                 # no_rw_number, not_found, rw_unknown
    kelurahan: Kelurahan | None = None         # with rw_unknown: where it was looked for
    known_rws: tuple[int, ...] = ()


def kelurahan_candidates(db: Session) -> list[PlaceCandidate]:
    """Every kelurahan in the database, with its kecamatan."""
    rows = db.execute(select(Kelurahan.id, Kelurahan.name, Kecamatan.name)
                      .join(Kecamatan).order_by(Kelurahan.name)).all()
    return [PlaceCandidate(id=i, name=n, kecamatan=k) for i, n, k in rows]


def rw_by_id(db: Session, rw_id: int) -> RW | None:
    """The RW with its kelurahan and kecamatan (what its label and replies name)."""
    return db.get(RW, rw_id, options=[WITH_REGION])


def rw_in(db: Session, kelurahan_id: int, number: int) -> PlaceAnswer:
    """The RW with that number in that kelurahan, or which numbers exist there."""
    found = db.scalar(select(RW).where(RW.kelurahan_id == kelurahan_id, RW.number == number)
                      .options(WITH_REGION))
    if found is not None:
        return PlaceAnswer(rw=found)
    kelurahan = db.get(Kelurahan, kelurahan_id)
    if kelurahan is None:
        return PlaceAnswer(problem="not_found")
    return PlaceAnswer(problem="rw_unknown", kelurahan=kelurahan, rw_number=number,
                       known_rws=tuple(r.number for r in kelurahan.rws))


def find_rw(db: Session, text: str) -> PlaceAnswer:
    """Resolve `<kelurahan> RW <n>` typed loosely."""
    ref = parse_rw_reference(text)
    if ref is None:
        return PlaceAnswer(problem="no_rw_number")
    if not ref.place_text:
        return PlaceAnswer(problem="not_found", rw_number=ref.rw)
    match = match_kelurahan(ref.place_text, kelurahan_candidates(db))
    if match.exact is not None:
        return rw_in(db, match.exact.id, ref.rw)
    if not match.choices:
        return PlaceAnswer(problem="not_found", rw_number=ref.rw)
    return PlaceAnswer(choices=tuple(match.choices), rw_number=ref.rw)


def nearest_rw(db: Session, latitude: float, longitude: float) -> tuple[RW, float] | None:
    """The balai RW nearest a shared location, if one with coordinates is within 3 km."""
    points = db.execute(select(RW.id, RW.latitude, RW.longitude)
                        .where(RW.latitude.is_not(None), RW.longitude.is_not(None))).all()
    found = nearest_within(latitude, longitude, points, max_km=NEAREST_KM)
    if found is None:
        return None
    return rw_by_id(db, found[0]), found[1]
