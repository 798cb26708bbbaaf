"""The per-officer monthly tally (`officer_month`) the report reads instead of the tickets.

Each event that changes one of the report's per-officer figures adds to the tally in the
same transaction: a close (`count_close`), a rating of a closed ticket (`count_rating`), a
breach (`count_breach`), its excusal (`count_excusal`) and the ledger entries written
(`count_entries`). `counted_tallies` recounts the same figures from the ticket, breach and
ledger rows (what the report used to group on every call); `report verify` compares them.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import case, delete, func, insert, select
from sqlalchemy.orm import Session

from models import CLOSED_BY_OFFICER, Breach, LedgerEntry, Ticket
from models.officer_month import TALLY_FIGURES, OfficerMonth
from services.core.context import Ctx
from services.core.db import upsert_insert
from services.ledger.month import month_bounds, month_of_instant

TALLY = OfficerMonth.__table__
ZERO = (0, 0, 0, 0, 0, 0, Decimal(0))


def bump(db: Session, officer_id: int | None, month: str, **deltas: int | Decimal) -> None:
    """Add `deltas` (named after `TALLY_FIGURES`) to the officer's month, creating the row."""
    if officer_id is None:
        return
    stmt = upsert_insert(db.get_bind(), TALLY).values(month=month, officer_id=officer_id,
                                         **{c: deltas.get(c, 0) for c in TALLY_FIGURES})
    db.execute(stmt.on_conflict_do_update(
        index_elements=["month", "officer_id"],
        set_={c: TALLY.c[c] + stmt.excluded[c] for c in deltas}))


def count_close(ctx: Ctx, ticket: Ticket) -> None:
    """A ticket was resolved or rejected (after any breach at the close was recorded)."""
    if ticket.status not in CLOSED_BY_OFFICER or ticket.closed_at is None:
        return
    rated = ticket.rating is not None
    bump(ctx.db, ticket.officer_id, month_of_instant(ticket.closed_at, ctx.settings.zone),
         closed=1, on_time=int(ticket.breached_at is None), rated=int(rated),
         rating_sum=ticket.rating if rated else 0)


def count_rating(ctx: Ctx, ticket: Ticket) -> None:
    """A closed ticket was rated (a rating counts in the month of its close)."""
    if ticket.status not in CLOSED_BY_OFFICER or ticket.closed_at is None or ticket.rating is None:
        return
    bump(ctx.db, ticket.officer_id, month_of_instant(ticket.closed_at, ctx.settings.zone),
         rated=1, rating_sum=ticket.rating)


def count_breach(ctx: Ctx, breach: Breach) -> None:
    """A breach was recorded against `breach.officer_id` (in the month of its deadline)."""
    bump(ctx.db, breach.officer_id, month_of_instant(breach.deadline_at, ctx.settings.zone),
         breaches=1)


def count_excusal(ctx: Ctx, breach: Breach) -> None:
    """A breach was excused (it counts in the month of the breach, not of the excusal)."""
    bump(ctx.db, breach.officer_id, month_of_instant(breach.deadline_at, ctx.settings.zone),
         excused=1)


def uncount_breach(ctx: Ctx, breach: Breach) -> None:
    """A breach no longer counts against `breach.officer_id` (the ticket never reached
    them): take back what `count_breach` and `count_excusal` added."""
    bump(ctx.db, breach.officer_id, month_of_instant(breach.deadline_at, ctx.settings.zone),
         breaches=-1, excused=-int(breach.excused_at is not None))


def count_entries(db: Session, inserted: Iterable[tuple[int, str, Decimal]]) -> None:
    """Ledger entries were inserted: (officer id, month they count in, percent) each."""
    sums: dict[tuple[int, str], Decimal] = {}
    for officer_id, month, percent in inserted:
        sums[(officer_id, month)] = sums.get((officer_id, month), Decimal(0)) + percent
    for (officer_id, month), percent in sums.items():
        bump(db, officer_id, month, percent=percent)


def stored_tallies(db: Session, month: str) -> dict[int, tuple]:
    """officer id → the stored figures of `month`, in `TALLY_FIGURES` order (zeros left out)."""
    rows = db.execute(select(TALLY.c.officer_id, *(TALLY.c[c] for c in TALLY_FIGURES))
                      .where(TALLY.c.month == month))
    return {officer_id: tuple(figures) for officer_id, *figures in rows if any(figures)}


def counted_tallies(db: Session, month: str, zone: ZoneInfo) -> dict[int, tuple]:
    """The same figures recounted from the ticket, breach and ledger rows (every ticket)."""
    start, end = month_bounds(month, zone)
    counts: dict[int, list] = {}
    for officer_id, *closes in db.execute(
            select(Ticket.officer_id, func.count(),
                   func.sum(case((Ticket.breached_at.is_(None), 1), else_=0)),
                   func.count(Ticket.rating), func.coalesce(func.sum(Ticket.rating), 0))
            .where(Ticket.closed_at >= start, Ticket.closed_at < end,
                   Ticket.status.in_(CLOSED_BY_OFFICER), Ticket.officer_id.is_not(None))
            .group_by(Ticket.officer_id)):
        counts.setdefault(officer_id, list(ZERO))[:4] = [int(n or 0) for n in closes]
    for officer_id, total, excused in db.execute(
            select(Breach.officer_id, func.count(), func.count(Breach.excused_at))
            .where(Breach.deadline_at >= start, Breach.deadline_at < end,
                   Breach.officer_id.is_not(None))
            .group_by(Breach.officer_id)):
        counts.setdefault(officer_id, list(ZERO))[4:6] = [total, excused]
    for officer_id, percent in db.execute(
            select(LedgerEntry.officer_id, func.sum(LedgerEntry.percent))
            .where(LedgerEntry.month == month).group_by(LedgerEntry.officer_id)):
        counts.setdefault(officer_id, list(ZERO))[6] = percent
    return {officer_id: tuple(c) for officer_id, c in counts.items() if any(c)}


def tally_differences(db: Session, month: str,
                      zone: ZoneInfo) -> list[tuple[int, str, str, str]]:
    """(officer id, figure, stored, recounted) for every figure of `month` that disagrees."""
    stored, counted = stored_tallies(db, month), counted_tallies(db, month, zone)
    return [(officer_id, figure, str(have), str(want))
            for officer_id in sorted(stored.keys() | counted.keys())
            for figure, have, want in zip(TALLY_FIGURES, stored.get(officer_id, ZERO),
                                          counted.get(officer_id, ZERO), strict=True)
            if have != want]


def rebuild_month(db: Session, month: str, zone: ZoneInfo) -> int:
    """Replace the month's tally with a recount (rows loaded around the services, repairs).

    Returns the number of officer rows written."""
    counted = counted_tallies(db, month, zone)
    db.execute(delete(TALLY).where(TALLY.c.month == month))
    if counted:
        db.execute(insert(TALLY), [{"month": month, "officer_id": officer_id,
                                    **dict(zip(TALLY_FIGURES, c, strict=True))}
                                   for officer_id, c in counted.items()])
    return len(counted)
