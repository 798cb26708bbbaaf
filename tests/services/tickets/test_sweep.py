"""The SLA sweep (SPEC §4): one reminder at 75 %, one breach at the deadline, from the index."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from models import Breach, Message, Staff, Ticket, TicketEvent
from services.core.context import Ctx
from services.core.db import is_sqlite
from services.tickets.lifecycle import ask_citizen, citizen_answered
from services.tickets.sweep import (
    breach_ticket,
    due_for_breach,
    due_for_reminder,
    due_leaves,
    handle_one,
    remind_officer,
    sweep,
)
from tests.support.clock import wib
from tests.support.sla_tickets import LURAH_KETINTANG, SITI, open_ktp
from tests.support.threads import at_once


def _messages(rt, kind: str) -> list[tuple[str, str]]:
    with rt.sessions() as db:
        return [(m.phone, m.body) for m in db.scalars(
            select(Message).where(Message.direction == "out", Message.kind == kind)
            .order_by(Message.id))]


def _events(rt, ticket_id: int, kind: str) -> list[TicketEvent]:
    with rt.sessions() as db:
        return list(db.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id,
                                                         TicketEvent.kind == kind)))


def _breaches(rt) -> dict[int, datetime]:
    with rt.sessions() as db:
        return {b.ticket_id: b.deadline_at for b in db.scalars(select(Breach))}


def test_reminder_at_75_percent_reaches_the_officer_once(rt, clock, roster):
    number = open_ktp(rt, clock, wib(2026, 11, 23, 10, 0))      # deadline Tue 10:00
    assert sweep(rt, wib(2026, 11, 23, 15, 59)).reminded == 0
    assert _messages(rt, "reminder") == []

    assert sweep(rt, wib(2026, 11, 23, 16, 0)).reminded == 1  # 360 of 480 minutes
    [(to, body)] = _messages(rt, "reminder")
    assert to == SITI
    assert f"#{number}" in body and "Ketintang RW 3" in body and "KTP" in body
    assert "Sisa waktu: 2 jam" in body and "Selasa, 24 Nov 2026 pukul 10.00 WIB" in body
    assert f"TERIMA {number}" in body and f"SELESAI {number}" in body

    again = sweep(rt, wib(2026, 11, 23, 16, 0))
    later = sweep(rt, wib(2026, 11, 24, 9, 0))
    assert again.reminded == later.reminded == 0
    assert len(_messages(rt, "reminder")) == 1
    assert len(_events(rt, number, "reminded")) == 1


def test_breach_is_recorded_once_at_its_deadline_and_both_are_told(rt, clock, roster):
    number = open_ktp(rt, clock, wib(2026, 11, 23, 10, 0))
    early = sweep(rt, wib(2026, 11, 24, 9, 59))           # the reminder, late, but no breach
    assert (early.breached, early.reminded) == (0, 1)
    assert "Sisa waktu: 1 menit" in _messages(rt, "reminder")[0][1]

    result = sweep(rt, wib(2026, 11, 24, 10, 7))
    assert result.breached == 1
    assert _breaches(rt) == {number: wib(2026, 11, 24, 10, 0)}   # the deadline, not 10:07
    with rt.sessions() as db:
        ticket = db.get(Ticket, number)
        breach = db.scalar(select(Breach))
        assert ticket.breached_at == wib(2026, 11, 24, 10, 0)
        assert breach.officer_id == db.scalar(select(Staff.id).where(Staff.phone == SITI))
    told = _messages(rt, "breach")
    assert sorted(to for to, _ in told) == sorted([SITI, LURAH_KETINTANG])
    assert all(f"#{number}" in body for _, body in told)

    for at in (wib(2026, 11, 24, 10, 7), wib(2026, 11, 25, 12, 0)):
        assert sweep(rt, at).breached == 0
    assert len(_breaches(rt)) == 1 and len(_messages(rt, "breach")) == 2
    assert len(_events(rt, number, "breached")) == 1


def test_a_sweep_after_three_days_down_catches_up_every_breach(rt, clock, roster):
    first = open_ktp(rt, clock, wib(2026, 11, 23, 10, 0))     # due Tue 10:00
    second = open_ktp(rt, clock, wib(2026, 11, 23, 13, 30))   # due Tue 13:30
    third = open_ktp(rt, clock, wib(2026, 11, 24, 9, 0))      # due Wed 09:00
    fourth = open_ktp(rt, clock, wib(2026, 11, 25, 11, 0))    # due Thu 11:00, reminder Thu 09:00
    fifth = open_ktp(rt, clock, wib(2026, 11, 25, 15, 0))     # due Thu 15:00, reminder Thu 13:00

    result = sweep(rt, wib(2026, 11, 26, 10, 0))           # first sweep since Monday

    assert _breaches(rt) == {first: wib(2026, 11, 24, 10, 0),
                             second: wib(2026, 11, 24, 13, 30),
                             third: wib(2026, 11, 25, 9, 0)}
    assert (result.breached, result.reminded, result.reminders_skipped) == (3, 1, 3)
    [(to, body)] = _messages(rt, "reminder")
    assert to == SITI and f"#{fourth}" in body and "Sisa waktu: 1 jam" in body
    assert len(_messages(rt, "breach")) == 6
    assert _events(rt, fifth, "reminded") == [] and fifth not in _breaches(rt)


def test_a_paused_ticket_is_not_breached_and_resumes_with_a_new_deadline(rt, clock, roster):
    number = open_ktp(rt, clock, wib(2026, 11, 23, 10, 0))
    clock.set(wib(2026, 11, 23, 11, 0))
    with rt.transaction() as db:
        ctx = Ctx(db, rt.now(), rt)
        officer = db.scalar(select(Staff).where(Staff.phone == SITI))
        ask_citizen(ctx, officer, db.get(Ticket, number), "Mohon kirim foto KK")

    paused = sweep(rt, wib(2026, 11, 24, 8, 59))          # past the first deadline, paused
    assert (paused.breached, paused.reminded) == (0, 0) and _breaches(rt) == {}

    clock.set(wib(2026, 11, 24, 9, 0))                    # 60 ran, 420 remain → Tue 16:00
    with rt.transaction() as db:
        citizen_answered(Ctx(db, rt.now(), rt), db.get(Ticket, number), "Ini fotonya", [])
    assert sweep(rt, wib(2026, 11, 24, 13, 59)).reminded == 0
    assert sweep(rt, wib(2026, 11, 24, 14, 0)).reminded == 1   # 360 minutes of clock
    assert sweep(rt, wib(2026, 11, 24, 15, 59)).breached == 0
    assert sweep(rt, wib(2026, 11, 24, 16, 0)).breached == 1
    assert _breaches(rt) == {number: wib(2026, 11, 24, 16, 0)}


def test_two_sweeps_at_once_record_and_send_each_breach_once(rt, clock, roster):
    numbers = [open_ktp(rt, clock, wib(2026, 11, 23, 10, 0)) for _ in range(30)]
    results, errors = at_once(lambda: sweep(rt, wib(2026, 11, 24, 10, 0)))
    assert errors == []
    assert sum(r.breached for r in results) == 30
    assert sorted(_breaches(rt)) == numbers
    assert len(_messages(rt, "breach")) == 60            # officer + lurah, once per ticket
    assert sum(r.reminders_skipped for r in results) == 30 and _messages(rt, "reminder") == []
    with rt.sessions() as db:
        per_ticket = db.execute(select(TicketEvent.ticket_id, func.count())
                                .where(TicketEvent.kind == "breached")
                                .group_by(TicketEvent.ticket_id)).all()
    assert {count for _, count in per_ticket} == {1} and len(per_ticket) == 30


def test_a_ticket_listed_before_another_sweep_handled_it_is_left_alone(rt, clock, roster):
    late = open_ktp(rt, clock, wib(2026, 11, 23, 10, 0))      # due Tue 10:00
    soon = open_ktp(rt, clock, wib(2026, 11, 23, 15, 0))      # reminder Tue 13:00
    now = wib(2026, 11, 24, 13, 0)
    with rt.sessions() as db:                                  # a slow sweep lists them...
        assert db.scalars(due_for_breach(now)).all() == [late]
        assert db.scalars(due_for_reminder(now)).all() == [late, soon]
    sweep(rt, now)                                             # ...a faster one does the work
    assert handle_one(rt, now, due_for_breach(now), late, breach_ticket) == "contended"
    assert handle_one(rt, now, due_for_reminder(now), soon, remind_officer) == "contended"
    assert len(_messages(rt, "breach")) == 2 and len(_messages(rt, "reminder")) == 1
    assert len(_events(rt, soon, "reminded")) == 1


def test_a_ticket_locked_elsewhere_is_skipped_not_waited_for(rt, clock, roster):
    if is_sqlite(rt.engine):
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite serialises writers instead")
    number = open_ktp(rt, clock, wib(2026, 11, 23, 10, 0))
    with rt.sessions() as other:   # e.g. the officer's SELESAI, mid-transaction
        other.scalar(select(Ticket).where(Ticket.id == number).with_for_update())
        busy = sweep(rt, wib(2026, 11, 24, 10, 0))
        other.rollback()
    assert (busy.breached, busy.reminded, busy.contended) == (0, 0, 2)  # breach and reminder
    assert sweep(rt, wib(2026, 11, 24, 10, 0)).breached == 1


def _sqlite_param(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    return value


def _plan(rt, statement, hide: tuple[str, ...] = ()) -> str:
    """The query plan; on PostgreSQL, `hide` drops those indexes inside the explaining
    transaction (rolled back), so the plan shows whether one index can serve the query."""
    compiled = statement.compile(dialect=rt.engine.dialect)
    with rt.engine.connect() as conn:
        if is_sqlite(rt.engine):
            params = tuple(_sqlite_param(compiled.params[name]) for name in compiled.positiontup)
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + compiled.string, params)
            return "\n".join(str(row[-1]) for row in rows)
        # A tiny test table would be read sequentially anyway; forbidding that shows
        # whether the partial index can serve the query at all.
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        for index in hide:
            conn.exec_driver_sql(f"DROP INDEX {index}")
        rows = conn.exec_driver_sql("EXPLAIN " + compiled.string, compiled.params)
        return "\n".join(row[0] for row in rows)


@pytest.mark.parametrize("query, index", [(due_for_breach, "ix_ticket_due"),
                                          (due_for_reminder, "ix_ticket_remind"),
                                          (due_leaves, "ix_staff_leave_pending")])
def test_candidates_are_read_from_the_partial_index_not_the_table(rt, query, index):
    plan = _plan(rt, query(wib(2026, 11, 24, 10, 0)))
    assert index in plan, plan
    assert "SCAN ticket" not in plan and "SCAN staff_leave" not in plan, plan
    assert "Seq Scan" not in plan, plan


def test_late_day_accrual_reads_its_partial_index(rt):

    from services.ledger.entries import late_open_tickets

    captured = []

    class Recorder:
        def scalars(self, query):
            captured.append(query)
            return []

    late_open_tickets(Recorder())
    # ix_ticket_breached (the month's breached tickets, for the report) can serve this query
    # too, with a filter; which one an unanalysed test table gets depends on its statistics.
    plan = _plan(rt, captured[0], hide=("ix_ticket_breached",))
    assert "ix_ticket_late_open" in plan, plan
    assert "SCAN ticket" not in plan and "Seq Scan" not in plan, plan
