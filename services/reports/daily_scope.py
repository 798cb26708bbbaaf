"""Whose day a daily report covers: one officer, a supervisor's region, a named region."""

from __future__ import annotations

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from models import RW, Kecamatan, Kelurahan, Role, Staff
from services.people.directory import officers_in_scope


class RegionUnknown(ValueError):
    """No kelurahan or kecamatan has that name."""


def officers_of(staff: Staff) -> Select:
    """A supervisor's officers (their region), or an officer alone."""
    if staff.role is Role.SUPERVISOR:
        return officers_in_scope(staff)
    return select(Staff).where(Staff.id == staff.id)


def _named(query: Select, kelurahan: str | None, kecamatan: str | None) -> Select:
    query = query.join(Kecamatan, Kecamatan.id == Kelurahan.kecamatan_id)
    if kelurahan:
        query = query.where(func.lower(Kelurahan.name) == kelurahan.strip().lower())
    if kecamatan:
        query = query.where(func.lower(Kecamatan.name) == kecamatan.strip().lower())
    return query


def officers_in_region(db: Session, kelurahan: str | None = None,
                       kecamatan: str | None = None) -> Select:
    """Officers and backups serving an RW in the named region (every one without a name);
    RegionUnknown when no such region exists."""
    if not kelurahan and not kecamatan:
        return select(Staff).where(Staff.role != Role.SUPERVISOR)
    if db.scalar(_named(select(func.count(Kelurahan.id)).select_from(Kelurahan), kelurahan,
                               kecamatan)) == 0:
        raise RegionUnknown(kelurahan or kecamatan)
    serving = _named(select(RW.officer_id).join(Kelurahan), kelurahan, kecamatan)
    backing = _named(select(RW.backup_id).join(Kelurahan), kelurahan, kecamatan)
    return select(Staff).where(Staff.role != Role.SUPERVISOR,
                               or_(Staff.id.in_(serving), Staff.id.in_(backing)))
