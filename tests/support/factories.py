"""Factories for people, places and tickets, written straight to the database."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    RW,
    Citizen,
    Kecamatan,
    Kelurahan,
    LedgerEntry,
    Role,
    Service,
    Staff,
    Ticket,
    TicketEvent,
    TicketStatus,
)

NIK = "3578012309900001"


def rw(db: Session, kelurahan: str = "Ketintang", number: int = 3,
       kecamatan: str = "Gayungan") -> RW:
    kec = db.scalar(select(Kecamatan).where(Kecamatan.name == kecamatan))
    if kec is None:
        kec = Kecamatan(name=kecamatan)
        db.add(kec)
    kel = db.scalar(select(Kelurahan).where(Kelurahan.name == kelurahan,
                                            Kelurahan.kecamatan == kec))
    if kel is None:
        kel = Kelurahan(name=kelurahan, kecamatan=kec)
        db.add(kel)
        db.flush()
    found = db.scalar(select(RW).where(RW.kelurahan_id == kel.id, RW.number == number))
    if found is None:
        found = RW(kelurahan=kel, number=number)
        db.add(found)
        db.flush()
    return found


def staff(db: Session, now: datetime, phone: str = "+6281200000101", name: str = "Siti",
          role: Role = Role.OFFICER, tpp_base: int = 5_000_000, **kw) -> Staff:
    person = Staff(name=name, phone=phone, role=role, tpp_base=tpp_base, active=True,
                   created_at=now, updated_at=now, **kw)
    db.add(person)
    db.flush()
    return person


def citizen(db: Session, now: datetime, phone: str = "+6285700000001") -> Citizen:
    person = db.scalar(select(Citizen).where(Citizen.phone == phone))
    if person is None:
        person = Citizen(phone=phone, created_at=now)
        db.add(person)
        db.flush()
    return person


def ticket(db: Session, now: datetime, *, place: RW | None = None, officer: Staff | None = None,
           service: Service = Service.KTP, status: TicketStatus = TicketStatus.NEW,
           deadline: datetime | None = None, phone: str = "+6285700000001") -> Ticket:
    place = place or rw(db)
    t = Ticket(service=service, status=status, citizen=citizen(db, now, phone), rw=place,
               officer=officer, nik=NIK, description="KTP hilang", submitted_at=now,
               clock_started_at=now, deadline_at=deadline or now)
    db.add(t)
    db.flush()
    db.add(TicketEvent(ticket_id=t.id, at=now, kind="submitted", actor_kind="citizen",
                       status=status.value, officer_id=officer.id if officer else None))
    db.flush()
    return t


def ledger_entry(db: Session, now: datetime, t: Ticket, officer: Staff) -> LedgerEntry:
    entry = LedgerEntry(officer_id=officer.id, ticket_id=t.id, key="breach", kind="breach",
                        percent=Decimal("5.00"), effective_at=now, month=now.strftime("%Y-%m"),
                        created_at=now)
    db.add(entry)
    db.flush()
    return entry
