"""The sweep step that starts leaves: each leave once, even with two sweeps at once."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from models import Leave, Message, Staff, StaffEvent, Ticket, TicketEvent
from services.core.context import Ctx
from services.leave.booking import set_leave
from services.tickets.leave_start import begin_leave
from services.tickets.sweep import due_leaves, handle_one, sweep
from tests.support.clock import wib
from tests.support.sla_tickets import SITI, open_ktp
from tests.support.threads import at_once

AGUS = "+6281200000102"


def _leave_for_wednesday(rt, clock) -> int:
    clock.set(wib(2026, 11, 24, 9, 0))
    with rt.transaction() as db:
        siti = db.scalar(select(Staff).where(Staff.phone == SITI))
        ctx = Ctx(db, rt.now(), rt)
        return set_leave(ctx, siti, date(2026, 11, 25), date(2026, 11, 25), "", by=siti,
                         source="chat").id


def test_two_sweeps_at_once_hand_each_ticket_over_once(rt, clock, roster):
    numbers = [open_ktp(rt, clock, wib(2026, 11, 24, 10, 0)) for _ in range(10)]
    _leave_for_wednesday(rt, clock)
    results, errors = at_once(lambda: sweep(rt, wib(2026, 11, 25, 8, 0)))
    assert errors == [] and sum(r.leaves_started for r in results) == 1, results
    with rt.sessions() as db:
        moves = db.scalar(select(func.count()).select_from(TicketEvent)
                          .where(TicketEvent.kind == "transferred"))
        holders = set(db.scalars(select(Staff.phone).join(Ticket, Ticket.officer_id == Staff.id)
                                 .where(Ticket.id.in_(numbers))))
        to_agus = db.scalar(select(func.count()).select_from(Message)
                            .where(Message.phone == AGUS, Message.kind == "new_ticket"))
        started = db.scalar(select(func.count()).select_from(StaffEvent)
                            .where(StaffEvent.kind == "leave_started"))
    assert (moves, holders, to_agus, started) == (10, {AGUS}, 10, 1)


def test_a_leave_started_by_another_sweep_is_left_alone(rt, clock, roster):
    open_ktp(rt, clock, wib(2026, 11, 24, 10, 0))
    leave_id = _leave_for_wednesday(rt, clock)
    now = wib(2026, 11, 25, 8, 0)
    with rt.sessions() as db:
        assert db.scalars(due_leaves(now)).all() == [leave_id]
        assert db.scalars(due_leaves(wib(2026, 11, 25, 7, 59))).all() == []
    sweep(rt, now)
    assert handle_one(rt, now, due_leaves(now), leave_id, begin_leave) == "contended"
    with rt.sessions() as db:
        assert db.get(Leave, leave_id).applied_at == now


def test_a_leave_the_sweep_reaches_only_after_it_ended_moves_nothing(rt, clock, roster):
    number = open_ktp(rt, clock, wib(2026, 11, 24, 10, 0))
    _leave_for_wednesday(rt, clock)
    assert sweep(rt, wib(2026, 11, 26, 8, 0)).leaves_started == 1    # down all Wednesday
    with rt.sessions() as db:
        assert db.get(Ticket, number).officer.phone == SITI
