"""The digest's figures for one supervisor's region: read-only queries, no messages.

Tickets count in the region of their current RW (a transferred ticket follows its RW);
a breach is blamed on the officer who held the ticket at its deadline, as the ledger does.
Everything is plain data, so the text can show it without touching a NIK or a phone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Result, Select, String, case, func, select, type_coerce

from models import RW, Breach, Kelurahan, Staff, Ticket, TicketStatus
from models.ticket import CLOSED_BY_OFFICER, OPEN_STATUSES, index_predicate
from services.core.context import Ctx
from services.core.texts import scope_label
from services.people.directory import scope_filter, tickets_in_scope
from services.tickets.deadlines import late_minutes_to
from sla.digest_period import DigestPeriod, digest_period, month_start

TOP_OFFICERS = 3


@dataclass(frozen=True)
class DigestItem:
    """One ticket line: no citizen, no NIK, no phone; only what a supervisor acts on."""

    ticket_id: int
    service: str
    rw: str
    officer: str | None
    deadline_at: datetime | None
    late_minutes: float = 0.0
    excused: bool = False
    closed: bool = False

    @property
    def number(self) -> str:
        """`#123`."""
        return f"#{self.ticket_id}"


@dataclass(frozen=True)
class OfficerTally:
    """An officer and their unexcused breaches in the month."""

    name: str
    breaches: int


@dataclass(frozen=True)
class Digest:
    """One supervisor's digest: the period's flow, the open work now, the month's worst."""

    scope: str
    digest_date: date
    period: DigestPeriod
    as_of: datetime
    opened: int
    closed: int
    closed_on_time: int
    cancelled: int
    breaches: list[DigestItem]
    overdue: list[DigestItem]
    due_today: list[DigestItem]
    month: date
    top_officers: list[OfficerTally]
    dashboard_url: str

    @property
    def on_time_percent(self) -> int | None:
        """Whole percent of the period's closes that were on time (half up); None if none."""
        if not self.closed:
            return None
        return (200 * self.closed_on_time + self.closed) // (2 * self.closed)


def _city_wide(supervisor: Staff) -> bool:
    """No kelurahan or kecamatan in the supervisor's scope: the whole city."""
    return supervisor.scope_kelurahan_id is None and supervisor.scope_kecamatan_id is None


def _tickets(supervisor: Staff) -> Select:
    """`select(Ticket)` in the supervisor's region. City-wide it needs no join to the RW and
    kelurahan (every ticket has an RW, every RW a kelurahan: foreign keys), and without one
    PostgreSQL counts the period's tickets from their index alone."""
    return select(Ticket) if _city_wide(supervisor) else tickets_in_scope(supervisor)


# Service and status as their stored text: a line shows the text, and an enum per value
# costs ~1 ms over the ~1,600 lines of a city-wide digest.
ITEM_COLUMNS = (Ticket.id, type_coerce(Ticket.service, String), type_coerce(Ticket.status, String),
                Ticket.deadline_at, Ticket.closed_at, RW.number, Kelurahan.name)


def _items(supervisor: Staff) -> Select:
    """The columns of a digest line for tickets in scope, with the assigned officer's name."""
    return (tickets_in_scope(supervisor)
            .with_only_columns(*ITEM_COLUMNS, Staff.name, maintain_column_froms=True)
            .outerjoin(Staff, Staff.id == Ticket.officer_id))


def _read(ctx: Ctx, query: Select) -> Result:
    """Column reads through the session's connection: no ORM loading for rows that are
    only columns (`build_digest` flushes the session first)."""
    return ctx.db.connection().execute(query)


def _late_minutes(ctx: Ctx, rows, as_of: datetime) -> list[float]:
    """Each row's working minutes late, to its close or else to `as_of` (the open ones
    placed on the calendar together, against the one instant)."""
    return late_minutes_to(ctx.calendar, [(row[3], row[4]) for row in rows], as_of)


def _item(row, late_minutes: float, excused: bool = False) -> DigestItem:
    ticket_id, service, status, deadline_at, _, number, kelurahan, officer = row[:8]
    return DigestItem(ticket_id, service, f"{kelurahan} RW {number}", officer,
                      deadline_at, late_minutes, excused, closed=status not in OPEN_STATUSES)


def _opened(ctx: Ctx, supervisor: Staff, period: DigestPeriod) -> int:
    query = _tickets(supervisor).where(
        Ticket.submitted_at >= period.start, Ticket.submitted_at < period.end)
    counted = query.with_only_columns(func.count(), maintain_column_froms=True)
    return _read(ctx, counted).scalar() or 0


def _closes(ctx: Ctx, supervisor: Staff, period: DigestPeriod) -> tuple[int, int, int]:
    """(officer closes, of which on time, cancelled by the citizen) in the period."""
    query = _tickets(supervisor).where(
        Ticket.closed_at >= period.start, Ticket.closed_at < period.end)
    on_time = func.sum(case((Ticket.breached_at.is_(None), 1), else_=0))
    rows = _read(ctx, query.with_only_columns(Ticket.status, func.count(), on_time,
                                              maintain_column_froms=True)
                 .group_by(Ticket.status)).all()
    closed = sum(n for status, n, _ in rows if status in CLOSED_BY_OFFICER)
    timely = sum(int(t or 0) for status, _, t in rows if status in CLOSED_BY_OFFICER)
    cancelled = sum(n for status, n, _ in rows if status is TicketStatus.CANCELLED)
    return closed, timely, cancelled


def _breaches(ctx: Ctx, supervisor: Staff, period: DigestPeriod,
              as_of: datetime) -> list[DigestItem]:
    """Breaches whose deadline fell in the period, blamed on the officer at the deadline."""
    query = (tickets_in_scope(supervisor)
             .with_only_columns(*ITEM_COLUMNS, Staff.name, Breach.excused_at,
                                maintain_column_froms=True)
             .join(Breach, Breach.ticket_id == Ticket.id)
             .outerjoin(Staff, Staff.id == Breach.officer_id)
             .where(Breach.deadline_at >= period.start, Breach.deadline_at < period.end)
             .order_by(Breach.deadline_at, Ticket.id))
    rows = _read(ctx, query).all()
    return [_item(row, late, excused=row[8] is not None)
            for row, late in zip(rows, _late_minutes(ctx, rows, as_of), strict=True)]


def _in_order(rows) -> list:
    return sorted(rows, key=lambda r: (r[3] is not None, r[3] or datetime.min, r[0]))


def _overdue(ctx: Ctx, supervisor: Staff, as_of: datetime) -> list[DigestItem]:
    """Open tickets past their deadline now (a paused ticket only once it was breached)."""
    running = _items(supervisor).where(index_predicate("ix_ticket_due"),
                                       Ticket.deadline_at <= as_of)
    breached = _items(supervisor).where(index_predicate("ix_ticket_late_open"))
    rows = _in_order([*_read(ctx, running).all(), *_read(ctx, breached).all()])
    return [_item(row, late)
            for row, late in zip(rows, _late_minutes(ctx, rows, as_of), strict=True)]


def _due_today(ctx: Ctx, supervisor: Staff, day: date, as_of: datetime) -> list[DigestItem]:
    """Running tickets whose deadline is later on `day` (earlier ones are overdue)."""
    start = datetime.combine(day, time(0), tzinfo=ctx.settings.zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=ctx.settings.zone)
    query = (_items(supervisor)
             .where(index_predicate("ix_ticket_due"), Ticket.deadline_at > as_of,
                    Ticket.deadline_at >= start, Ticket.deadline_at < end)
             .order_by(Ticket.deadline_at, Ticket.id))
    rows = _read(ctx, query).all()
    return [_item(row, late)
            for row, late in zip(rows, _late_minutes(ctx, rows, as_of), strict=True)]


def _top_officers(ctx: Ctx, supervisor: Staff, since: datetime,
                  until: datetime) -> list[OfficerTally]:
    """The officers with most unexcused breaches in [since, until), in the region."""
    count = func.count(Breach.id)
    query = (select(Staff.name, count).select_from(Breach)
             .join(Staff, Staff.id == Breach.officer_id)
             .where(Breach.excused_at.is_(None), Breach.deadline_at >= since,
                    Breach.deadline_at < until)
             .group_by(Staff.id, Staff.name).order_by(count.desc(), Staff.name)
             .limit(TOP_OFFICERS))
    if not _city_wide(supervisor):
        # Only a region needs each breach's ticket and RW (city-wide, joining them made
        # PostgreSQL read every ticket ever opened).
        query = scope_filter(query.join(Ticket, Ticket.id == Breach.ticket_id)
                             .join(RW, RW.id == Ticket.rw_id)
                             .join(Kelurahan, Kelurahan.id == RW.kelurahan_id), supervisor)
    return [OfficerTally(name, n) for name, n in _read(ctx, query)]


def build_digest(ctx: Ctx, supervisor: Staff, digest_date: date, *, live: bool = False) -> Digest:
    """The figures of the supervisor's digest dated `digest_date`, as of `ctx.now`.

    The period runs from 00:00 of the previous working day to 00:00 of `digest_date`
    (`live`: to now). Overdue and due-today are as of `ctx.now`; the top officers count
    the month of the period's last day up to the period's end.
    """
    as_of = ctx.now
    ctx.db.flush()          # the queries below read through the connection
    period = digest_period(ctx.calendar, digest_date, until=as_of if live else None)
    closed, on_time, cancelled = _closes(ctx, supervisor, period)
    month = period.last_day.replace(day=1)
    return Digest(
        scope=scope_label(supervisor), digest_date=digest_date, period=period, as_of=as_of,
        opened=_opened(ctx, supervisor, period), closed=closed, closed_on_time=on_time,
        cancelled=cancelled, breaches=_breaches(ctx, supervisor, period, as_of),
        overdue=_overdue(ctx, supervisor, as_of),
        due_today=_due_today(ctx, supervisor, digest_date, as_of), month=month,
        top_officers=_top_officers(ctx, supervisor, month_start(month, ctx.calendar),
                                   period.end),
        dashboard_url=f"{ctx.settings.public_base_url}/dashboard")
