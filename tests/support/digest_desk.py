"""A week of tickets filed through the services, shared by the digest tests.

`week(desk)` plays Thu 26 – Sat 28 Nov 2026 on the sample roster and leaves the clock at
Monday 30 Nov 07:00 WIB, when the digest dated 2026-11-30 (covering Fri–Sun) goes out:

    A  Thu 10:00  KTP Ketintang RW 3  Siti     breached Fri 10:00, still open
    B  Fri 09:00  KK  Jagir RW 2      Bambang  due Mon 09:00
    D  Fri 09:30  KTP Jagir RW 1      Bambang  resolved Fri 15:00, on time
    C  Fri 14:00  KTP Ngagel RW 1     Hendra   due Mon 14:00
    E  Sat 09:00  KTP Wonorejo RW 1   Yuliana  (Rungkut) due Mon 16:00
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from models import RW, Kecamatan, Kelurahan, Service, Staff, Ticket, TicketStatus
from services.core.context import Ctx
from services.people.directory import citizen_by_phone
from services.tickets.breaches import breach_if_due
from services.tickets.lifecycle import Draft, ask_citizen, open_ticket, resolve
from tests.support.clock import wib

NIK = "3578012309900001"
LURAH_KETINTANG = "+6281200000901"
LURAH_JAGIR = "+6281200000902"
CAMAT_WONOKROMO = "+6281200000903"
CITY = "+6281200000999"
SUPERVISORS = (LURAH_KETINTANG, LURAH_JAGIR, CAMAT_WONOKROMO, CITY)
MONDAY = date(2026, 11, 30)


class Desk:
    """Files and works tickets through the services at the instants a test chooses."""

    def __init__(self, rt, clock) -> None:
        self.rt, self.clock, self.filed = rt, clock, 0

    def at(self, *when: int) -> Desk:
        self.clock.set(wib(*when))
        return self

    def file(self, kelurahan: str, number: int, kecamatan: str | None = None,
             service: Service = Service.KTP) -> int:
        self.filed += 1
        with self.rt.transaction() as db:
            ctx = Ctx(db, self.rt.now(), self.rt)
            query = (select(RW.id).join(Kelurahan).join(Kecamatan)
                     .where(Kelurahan.name == kelurahan, RW.number == number))
            if kecamatan:
                query = query.where(Kecamatan.name == kecamatan)
            citizen = citizen_by_phone(db, f"+62857{self.filed:08d}", ctx.now)
            draft = Draft(service, db.scalar(query), NIK, "KTP hilang waktu banjir",
                          kk_new=service is Service.KK)
            return open_ticket(ctx, citizen, draft).id

    def _work(self, ticket_id: int, action) -> None:
        with self.rt.transaction() as db:
            ticket = db.get(Ticket, ticket_id)
            action(Ctx(db, self.rt.now(), self.rt), ticket)

    def resolve(self, ticket_id: int) -> None:
        self._work(ticket_id, lambda ctx, t: resolve(ctx, t.officer, t, "sudah jadi", []))

    def ask(self, ticket_id: int) -> None:
        self._work(ticket_id, lambda ctx, t: ask_citizen(ctx, t.officer, t, "Foto KK?"))

    def sweep(self) -> None:
        """Record every breach that is due now (what the SLA sweep does each minute)."""
        with self.rt.sessions() as db:
            due = list(db.scalars(select(Ticket.id).where(
                Ticket.status.in_([TicketStatus.NEW, TicketStatus.IN_PROGRESS]),
                Ticket.breached_at.is_(None), Ticket.deadline_at <= self.rt.now())))
        for ticket_id in due:
            self._work(ticket_id, breach_if_due)

    def supervisor(self, db, phone: str) -> Staff:
        return db.scalar(select(Staff).where(Staff.phone == phone))


def week(desk: Desk) -> dict[str, int]:
    """The week in the module docstring; returns ticket ids by letter."""
    t = {"A": desk.at(2026, 11, 26, 10, 0).file("Ketintang", 3)}
    t["B"] = desk.at(2026, 11, 27, 9, 0).file("Jagir", 2, service=Service.KK)
    t["D"] = desk.at(2026, 11, 27, 9, 30).file("Jagir", 1)
    desk.at(2026, 11, 27, 11, 0).sweep()
    t["C"] = desk.at(2026, 11, 27, 14, 0).file("Ngagel", 1)
    desk.at(2026, 11, 27, 15, 0).resolve(t["D"])
    t["E"] = desk.at(2026, 11, 28, 9, 0).file("Wonorejo", 1, kecamatan="Rungkut")
    desk.at(2026, 11, 30, 7, 0)
    return t
