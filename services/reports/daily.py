"""The day's output per officer, for e-Performance: computed from the tickets' events.

For one local day and a set of officers, every figure comes from the event log of the
tickets touched that day (any event in the day, or a breach whose deadline fell in it), so
it can be checked against those events:

- received: tickets that came into the officer's hands (submitted to them, moved to them);
- acknowledged: their `acknowledged` events;
- finished on time or late: their `resolved` events (late: a `breached` event came first),
  with the working minutes the SLA clock ran from submission to the close;
- rejected: their `rejected` events, with the reason;
- transferred: `transferred` events they made themselves (`ALIHKAN`);
- breaches: deadlines in the day that passed while they held the ticket (the holder at the
  deadline, as the ledger charges it), and how many of those were excused.

Nothing personal is in it: no citizen's number or NIK, the officer's number masked.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, select, union
from sqlalchemy.orm import Session

from models import RW, Breach, Kelurahan, Staff, Ticket, TicketEvent
from services.core.runtime import Runtime
from services.people.leave_days import on_leave_ids
from services.people.phones import mask_phone
from services.reports.evidence import evidence_link
from sla.clock import StatusChange, elapsed


@dataclass(frozen=True)
class FinishedTicket:
    number: int
    service: str
    rw: str
    submitted_at: datetime
    closed_at: datetime
    working_minutes: float
    on_time: bool
    evidence: list[str]


@dataclass(frozen=True)
class RejectedTicket:
    number: int
    service: str
    rw: str
    closed_at: datetime
    reason: str


@dataclass
class OfficerDay:
    officer_id: int
    name: str
    nip: str | None
    phone: str                   # masked
    on_leave: bool
    received: int = 0
    acknowledged: int = 0
    transferred: int = 0
    breaches: int = 0
    excused: int = 0
    finished: list[FinishedTicket] = field(default_factory=list)
    rejected: list[RejectedTicket] = field(default_factory=list)

    @property
    def finished_on_time(self) -> int:
        return sum(1 for t in self.finished if t.on_time)

    @property
    def finished_late(self) -> int:
        return sum(1 for t in self.finished if not t.on_time)

    @property
    def idle(self) -> bool:
        """Nothing happened in the officer's hands that day."""
        return not (self.received or self.acknowledged or self.transferred or self.breaches
                    or self.finished or self.rejected)


@dataclass
class DailyReport:
    day: date
    generated_at: datetime
    working_day: bool
    officers: list[OfficerDay]


@dataclass(frozen=True)
class _Facts:
    service: str
    rw: str
    submitted_at: datetime
    evidence: int


def day_bounds(rt: Runtime, day: date) -> tuple[datetime, datetime]:
    """The local day as a UTC-comparable [start, end)."""
    start = datetime.combine(day, time(0), tzinfo=rt.settings.zone)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=rt.settings.zone)


def _touched(start: datetime, end: datetime):
    return union(select(TicketEvent.ticket_id).where(TicketEvent.at >= start,
                                                     TicketEvent.at < end),
                 select(Breach.ticket_id).where(Breach.deadline_at >= start,
                                                Breach.deadline_at < end)).subquery()


def _load(db: Session, start: datetime, end: datetime):
    touched = _touched(start, end)
    events = db.execute(select(TicketEvent).where(TicketEvent.ticket_id.in_(select(touched)))
                        .order_by(TicketEvent.ticket_id, TicketEvent.id)).scalars().all()
    facts = {row[0]: _Facts(row[1].value, f"{row[5]} RW {row[4]}", row[2], len(row[3] or []))
             for row in db.execute(
                 select(Ticket.id, Ticket.service, Ticket.submitted_at, Ticket.evidence,
                        RW.number, Kelurahan.name).join(RW, RW.id == Ticket.rw_id)
                 .join(Kelurahan, Kelurahan.id == RW.kelurahan_id)
                 .where(Ticket.id.in_(select(touched))))}
    by_ticket: dict[int, list[TicketEvent]] = {}
    for event in events:
        by_ticket.setdefault(event.ticket_id, []).append(event)
    return by_ticket, facts


class _Day:
    """Walks each touched ticket's events once, adding to the officers' rows."""

    def __init__(self, rt: Runtime, rows: dict[int, OfficerDay], start, end) -> None:
        self.rt, self.rows, self.start, self.end = rt, rows, start, end

    def inside(self, at: datetime) -> bool:
        return self.start <= at < self.end

    def ticket(self, number: int, events: list[TicketEvent], facts: _Facts) -> None:
        holder, breached, history = None, False, []
        excused = any(e.kind == "excused" for e in events)
        for event in events:
            if event.status:
                history.append(StatusChange(event.at, event.status))
            if self.inside(event.at):
                if event.officer_id != holder and event.officer_id in self.rows:
                    self.rows[event.officer_id].received += 1
                self._by_actor(number, event, facts, holder, breached, history)
            if event.kind == "breached":
                breached = True
                self._breach(events, event, excused)
            holder = event.officer_id

    def _by_actor(self, number: int, event: TicketEvent, facts: _Facts, holder: int | None,
                  breached: bool, history: list[StatusChange]) -> None:
        row = self.rows.get(event.actor_id)
        if row is None:
            return
        if event.kind == "acknowledged":
            row.acknowledged += 1
        elif event.kind == "transferred" and event.actor_id == holder:
            row.transferred += 1
        elif event.kind == "resolved":
            minutes = elapsed(self.rt.calendar, history, event.at).total_seconds() / 60
            row.finished.append(FinishedTicket(
                number, facts.service, facts.rw, facts.submitted_at, event.at,
                round(minutes, 1), not breached,
                [evidence_link(self.rt.settings, number, i + 1) for i in range(facts.evidence)]))
        elif event.kind == "rejected":
            row.rejected.append(RejectedTicket(number, facts.service, facts.rw, event.at,
                                               str((event.details or {}).get("reason", ""))))

    def _breach(self, events: list[TicketEvent], breach: TicketEvent, excused: bool) -> None:
        deadline = datetime.fromisoformat((breach.details or {})["deadline"])
        if not self.inside(deadline):
            return
        times = [e.at for e in events]
        held = events[bisect_right(times, deadline) - 1].officer_id
        if held in self.rows:
            self.rows[held].breaches += 1
            self.rows[held].excused += int(excused)


def daily_report(rt: Runtime, db: Session, day: date, officers: Select,
                 now: datetime) -> DailyReport:
    """The day's output of the officers `officers` selects (a `select(Staff)`)."""
    people = db.scalars(officers.order_by(Staff.name, Staff.id)).all()
    away = on_leave_ids(db, [p.id for p in people], day)
    rows = {p.id: OfficerDay(p.id, p.name, p.nip, mask_phone(p.phone), p.id in away)
            for p in people}
    start, end = day_bounds(rt, day)
    by_ticket, facts = _load(db, start, end)
    walker = _Day(rt, rows, start, end)
    for number, events in by_ticket.items():
        walker.ticket(number, events, facts[number])
    for row in rows.values():                      # the day's work in the order it was done
        row.finished.sort(key=lambda t: (t.closed_at, t.number))
        row.rejected.sort(key=lambda t: (t.closed_at, t.number))
    return DailyReport(day, now, rt.calendar.is_working_day(day), list(rows.values()))

