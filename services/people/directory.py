"""Who is who: staff by phone, routing to an RW's officer, supervisors and their scope."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from models import RW, Citizen, Kelurahan, Role, Staff, Ticket
from services.people.leave_days import on_leave_ids


def staff_by_phone(db: Session, phone: str) -> Staff | None:
    """The roster entry for this number, if any (numbers in the roster are staff)."""
    return db.scalar(select(Staff).where(Staff.phone == phone))


def citizen_by_phone(db: Session, phone: str, now, profile_name: str | None = None) -> Citizen:
    """The citizen with this number, created on first contact."""
    citizen = db.scalar(select(Citizen).where(Citizen.phone == phone))
    if citizen is None:
        citizen = Citizen(phone=phone, profile_name=profile_name, created_at=now)
        db.add(citizen)
        db.flush()
    elif profile_name and citizen.profile_name != profile_name:
        citizen.profile_name = profile_name
    return citizen


def route_officer(db: Session, rw: RW, day: date) -> Staff | None:
    """The RW's primary officer; if inactive or on leave that day, the backup; else nobody."""
    people = [p for p in (rw.officer, rw.backup) if p is not None and p.active]
    away = on_leave_ids(db, [p.id for p in people], day)
    return next((p for p in people if p.id not in away), None)


def is_available(db: Session, staff: Staff, day: date) -> bool:
    """Active and not on leave on that day (who may be handed a ticket)."""
    return staff.active and not on_leave_ids(db, [staff.id], day)


def supervisors_for(db: Session, kelurahan: Kelurahan) -> list[Staff]:
    """Who to alert about a kelurahan: its lurah; failing that the camat; then the city."""
    base = select(Staff).where(Staff.role == Role.SUPERVISOR, Staff.active.is_(True))
    for query in (
        base.where(Staff.scope_kelurahan_id == kelurahan.id),
        base.where(Staff.scope_kecamatan_id == kelurahan.kecamatan_id,
                   Staff.scope_kelurahan_id.is_(None)),
        base.where(Staff.scope_kecamatan_id.is_(None), Staff.scope_kelurahan_id.is_(None)),
    ):
        found = list(db.scalars(query.order_by(Staff.id)))
        if found:
            return found
    return []


def in_scope(supervisor: Staff, kelurahan: Kelurahan) -> bool:
    """Whether a supervisor's region contains this kelurahan."""
    if supervisor.scope_kelurahan_id is not None:
        return supervisor.scope_kelurahan_id == kelurahan.id
    if supervisor.scope_kecamatan_id is not None:
        return supervisor.scope_kecamatan_id == kelurahan.kecamatan_id
    return True


def scope_filter(query: Select, supervisor: Staff) -> Select:
    """Limit a query that joins Ticket → RW → Kelurahan to the supervisor's region."""
    if supervisor.scope_kelurahan_id is not None:
        return query.where(Kelurahan.id == supervisor.scope_kelurahan_id)
    if supervisor.scope_kecamatan_id is not None:
        return query.where(Kelurahan.kecamatan_id == supervisor.scope_kecamatan_id)
    return query


def tickets_in_scope(supervisor: Staff) -> Select:
    """`select(Ticket)` joined to its RW and kelurahan, limited to the supervisor's region."""
    query = select(Ticket).join(RW, Ticket.rw_id == RW.id).join(
        Kelurahan, RW.kelurahan_id == Kelurahan.id)
    return scope_filter(query, supervisor)


def officers_in_scope(supervisor: Staff) -> Select:
    """Officers and backups serving at least one RW in the supervisor's region."""
    serving = select(RW.officer_id).join(Kelurahan).where(RW.officer_id.is_not(None))
    backing = select(RW.backup_id).join(Kelurahan).where(RW.backup_id.is_not(None))
    serving, backing = scope_filter(serving, supervisor), scope_filter(backing, supervisor)
    return select(Staff).where(Staff.role != Role.SUPERVISOR,
                               or_(Staff.id.in_(serving), Staff.id.in_(backing)))
