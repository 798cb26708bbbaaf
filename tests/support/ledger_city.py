"""Acting on the sample roster at chosen instants through the services (ledger and report
tests)."""

from __future__ import annotations

from sqlalchemy import select

from models import RW, Kelurahan, Service, Staff, Ticket
from services.core.context import Ctx
from services.people.directory import citizen_by_phone
from services.reports.monthly import monthly_report
from services.tickets.lifecycle import Draft, open_ticket, resolve
from services.tickets.sweep import sweep

SITI, BAMBANG, LURAH = "+6281200000101", "+6281200000201", "+6281200000901"
NIK = "3578012309900001"


class City:
    """Acts on the sample roster at chosen instants, through the services."""

    def __init__(self, rt, clock):
        self.rt, self.clock = rt, clock

    def at(self, when, action, *args):
        self.clock.set(when)
        with self.rt.transaction() as db:
            ctx = Ctx(db=db, now=when, rt=self.rt)
            return action(ctx, *args)

    def staff(self, db, phone) -> Staff:
        return db.scalar(select(Staff).where(Staff.phone == phone))

    def file(self, when, kelurahan="Ketintang", rw=3, phone="+6285700000001") -> int:
        def do(ctx):
            place = ctx.db.scalar(select(RW).join(Kelurahan).where(
                Kelurahan.name == kelurahan, RW.number == rw))
            citizen = citizen_by_phone(ctx.db, phone, ctx.now)
            return open_ticket(ctx, citizen, Draft(Service.KTP, place.id, NIK, "KTP hilang")).id
        return self.at(when, do)

    def officer_does(self, when, phone, action, number, *args):
        def do(ctx):
            return action(ctx, self.staff(ctx.db, phone), ctx.db.get(Ticket, number), *args)
        return self.at(when, do)

    def close(self, when, number, phone=SITI):
        self.officer_does(when, phone, resolve, number, "", [])

    def sweep(self, when):
        self.clock.set(when)
        return sweep(self.rt, when)

    def officer_row(self, month, phone=SITI):
        with self.rt.sessions() as db:
            officer_id = self.staff(db, phone).id
        report = monthly_report(self.rt, month)
        return next(o for o in report.officers if o.officer_id == officer_id)
