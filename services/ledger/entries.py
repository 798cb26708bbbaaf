"""The allowance ledger in the database: written from `sla.ledger`, checked against it.

Entries are only ever inserted (a trigger refuses UPDATE and DELETE). Each carries the
key of the rule that made it, unique per ticket, so a rule never fires twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Breach, LedgerEntry, MonthClose, Ticket, TicketEvent
from models.ticket import index_predicate
from services.core.context import Ctx
from services.core.db import upsert_insert
from services.core.settings import Settings
from services.ledger.month import next_month
from services.ledger.tally import count_entries
from sla.calendar import WorkCalendar
from sla.ledger import BreachFacts, Entry, LedgerRates, expected_entries, month_of


def rates_of(settings: Settings) -> LedgerRates:
    """The configured percentages and working-day length."""
    return LedgerRates(breach_percent=Decimal(str(settings.breach_percent)),
                       late_day_percent=Decimal(str(settings.daily_percent)),
                       working_day=timedelta(minutes=settings.working_day_minutes))


# The transfer event's detail that says the previous holder never received the ticket
# (written by `services.tickets.unreachable`).
UNREACHED = "unreached"


def holding_history(db: Session, ticket_id: int
                    ) -> tuple[list[tuple[datetime, int | None]], frozenset[int]]:
    """Who held the ticket from each event on, and which events handed it away from an
    officer it never reached (positions in that list)."""
    rows = db.execute(select(TicketEvent.at, TicketEvent.officer_id, TicketEvent.kind,
                             TicketEvent.details)
                      .where(TicketEvent.ticket_id == ticket_id)
                      .order_by(TicketEvent.id)).all()
    holders = [(at, officer) for at, officer, _, _ in rows]
    unreached = frozenset(i for i, (_, _, kind, details) in enumerate(rows)
                          if kind == "transferred" and (details or {}).get(UNREACHED))
    return holders, unreached


def breach_facts(db: Session, ticket: Ticket, breach: Breach) -> BreachFacts:
    """Read what the ledger rules need from the ticket's events and its breach."""
    holders, unreached = holding_history(db, ticket.id)
    return BreachFacts(ticket_id=ticket.id, deadline_at=breach.deadline_at,
                       closed_at=ticket.closed_at, excused_at=breach.excused_at,
                       excused_by=breach.excused_by_id, excuse_reason=breach.excuse_reason,
                       holders=holders, unreached=unreached)


def closed_months(db: Session) -> set[str]:
    """Months already frozen by a month close."""
    return set(db.scalars(select(MonthClose.month)))


def month_for(effective_at: datetime, now: datetime, cal: WorkCalendar,
              frozen: set[str]) -> str:
    """The month an entry counts in: its own, unless that month is closed (then the open one)."""
    month = month_of(effective_at, cal)
    if month not in frozen:
        return month
    current = max(month_of(now, cal), month)
    while current in frozen:  # only if the clock and the closes disagree: keep moving on
        current = next_month(current)
    return current


def _insert_ignoring_duplicates(db: Session, rows: list[dict]) -> None:
    # Only the rows this call inserted come back; the monthly tally adds those up.
    table = LedgerEntry.__table__
    inserted = db.execute(upsert_insert(db.get_bind(), table).values(rows)
                          .on_conflict_do_nothing(index_elements=["ticket_id", "key"])
                          .returning(table.c.officer_id, table.c.month, table.c.percent)).all()
    count_entries(db, inserted)


def sync_ticket_ledger(ctx: Ctx, ticket: Ticket) -> list[Entry]:
    """Insert the entries the ticket's history now implies and the ledger lacks."""
    breach = ctx.db.scalar(select(Breach).where(Breach.ticket_id == ticket.id))
    if breach is None:
        return []
    ctx.db.flush()  # events appended in this transaction must be seen
    expected = expected_entries(ctx.calendar, breach_facts(ctx.db, ticket, breach), ctx.now,
                                rates_of(ctx.settings))
    stored = set(ctx.db.scalars(select(LedgerEntry.key)
                                .where(LedgerEntry.ticket_id == ticket.id)))
    missing = [e for e in expected if e.key not in stored]
    if missing:
        frozen = closed_months(ctx.db)
        _insert_ignoring_duplicates(ctx.db, [
            {"officer_id": e.officer_id, "ticket_id": ticket.id, "key": e.key, "kind": e.kind,
             "percent": e.percent, "effective_at": e.effective_at, "created_at": ctx.now,
             "month": month_for(e.effective_at, ctx.now, ctx.calendar, frozen),
             "actor_id": e.actor_id, "reason": e.reason} for e in missing])
    return missing


def late_open_tickets(db: Session) -> list[int]:
    """Breached tickets still open (read from the `ix_ticket_late_open` partial index)."""
    return list(db.scalars(select(Ticket.id).where(index_predicate("ix_ticket_late_open"))
                           .order_by(Ticket.breached_at)))


def accrue_late_days(rt, now: datetime) -> int:
    """Sweep step: add each completed late working day of every breached open ticket."""
    added = 0
    with rt.sessions() as db:
        ids = late_open_tickets(db)
    for ticket_id in ids:
        with rt.transaction() as db:
            ticket = db.get(Ticket, ticket_id)
            if ticket is not None:
                added += len(sync_ticket_ledger(Ctx(db=db, now=now, rt=rt), ticket))
    return added
