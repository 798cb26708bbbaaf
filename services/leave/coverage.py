"""Who covers an officer's RWs while they are away, and the leaves worth showing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload

from models import RW, Kelurahan, Leave, Staff
from services.people.leave_days import on_leave_ids


@dataclass(frozen=True)
class Cover:
    """One RW the officer serves as primary, and who gets its tickets meanwhile."""

    rw: RW
    by: Staff | None            # None: nobody; its tickets wait unassigned


def coverage(db: Session, officer: Staff, day: date) -> list[Cover]:
    """For each RW the officer serves as primary: its backup if free that day, else nobody."""
    places = list(db.scalars(select(RW).where(RW.officer_id == officer.id)
                             .options(joinedload(RW.kelurahan).joinedload(Kelurahan.kecamatan),
                                      joinedload(RW.backup))
                             .order_by(RW.kelurahan_id, RW.number)))
    away = on_leave_ids(db, [p.backup_id for p in places], day)
    return [Cover(p, p.backup if p.backup is not None and p.backup.active
                  and p.backup_id not in away else None) for p in places]


def kelurahan_served(db: Session, officer: Staff) -> list[Kelurahan]:
    """The kelurahan where the officer serves an RW (as primary or backup)."""
    return list(db.scalars(select(Kelurahan).where(Kelurahan.id.in_(
        select(RW.kelurahan_id).where(or_(RW.officer_id == officer.id,
                                          RW.backup_id == officer.id))))
        .order_by(Kelurahan.name)))


def not_void():
    """SQL: the leave still covers at least one day (it was not ended before it began)."""
    return or_(Leave.cancelled_from.is_(None), Leave.cancelled_from > Leave.starts_on)


def leaves_from(db: Session, staff_ids: Iterable[int], today: date) -> list[Leave]:
    """Leaves running today or still to come, earliest first (ended ones left out)."""
    ids = list(staff_ids)
    if not ids:
        return []
    return list(db.scalars(select(Leave).where(
        Leave.staff_id.in_(ids), not_void(), Leave.ends_on >= today,
        or_(Leave.cancelled_from.is_(None), Leave.cancelled_from > today))
        .order_by(Leave.starts_on, Leave.id)))
