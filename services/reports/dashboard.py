"""The dashboard's figures for one supervisor's region: read-only, no personal data.

The overview reuses the digest's definitions of overdue and due today (one meaning of
"late" everywhere); the month's on-time rate per kelurahan and RW follows SPEC §5's
timeliness: on-time closes ÷ (on-time closes + unexcused breaches).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select

from models import (
    RW,
    Breach,
    Direction,
    InStatus,
    Kelurahan,
    Message,
    OutStatus,
    Staff,
    Ticket,
    TicketStatus,
)
from models.ticket import CLOSED_BY_OFFICER, OPEN_STATUSES
from services.core.context import Ctx
from services.core.texts import scope_label
from services.ledger.month import month_bounds, month_of_instant, previous_month
from services.people.directory import scope_filter, tickets_in_scope
from services.people.phones import mask_phone
from services.reports.digest_figures import DigestItem, build_digest
from services.reports.monthly import OfficerRow, report_for_scope

MAX_RW_BARS = 30


@dataclass(frozen=True)
class Rate:
    """One bar: a region's on-time closes out of the tickets that fell due."""

    label: str
    on_time: int
    due: int

    @property
    def percent(self) -> float | None:
        """On-time rate in percent; None when nothing fell due."""
        return None if self.due == 0 else 100.0 * self.on_time / self.due


@dataclass
class Overview:
    """The first page a supervisor sees."""

    scope: str
    as_of: datetime
    month: str
    open_count: int
    waiting_count: int
    overdue: list[DigestItem]
    due_today: list[DigestItem]
    breaches: int
    excused: int
    by_kelurahan: list[Rate] = field(default_factory=list)
    by_rw: list[Rate] = field(default_factory=list)
    failed: list[FailedMessage] = field(default_factory=list)
    failed_inbound: list[FailedInbound] = field(default_factory=list)


@dataclass(frozen=True)
class FailedMessage:
    """An outbound message Twilio could not deliver, for the supervisor to follow up."""

    created_at: datetime
    phone: str                  # masked
    kind: str
    ticket_id: int | None
    error_code: int | None


@dataclass(frozen=True)
class FailedInbound:
    """A message someone sent that the bot could not handle (its sender got an apology);
    `inbound retry` runs it again once the cause is fixed."""

    created_at: datetime
    phone: str                  # masked
    ticket_id: int | None
    attempts: int


def _failed_inbound(ctx: Ctx, supervisor: Staff, days: int = 7) -> list[FailedInbound]:
    """In the region of the ticket each concerns; those about no ticket, for the city."""
    query = select(Message).where(Message.direction == Direction.IN.value,
                                  Message.status == InStatus.FAILED.value,
                                  Message.created_at >= ctx.now - timedelta(days=days))
    if supervisor.scope_kelurahan_id is not None or supervisor.scope_kecamatan_id is not None:
        in_scope = tickets_in_scope(supervisor).with_only_columns(Ticket.id)
        query = query.where(Message.ticket_id.in_(in_scope))
    rows = ctx.db.scalars(query.order_by(Message.id.desc()).limit(50))
    return [FailedInbound(m.created_at, mask_phone(m.phone), m.ticket_id, m.attempts)
            for m in rows]


def _failed_messages(ctx: Ctx, supervisor: Staff, days: int = 7) -> list[FailedMessage]:
    in_scope = tickets_in_scope(supervisor).with_only_columns(Ticket.id)
    rows = ctx.db.scalars(select(Message).where(
        Message.direction == Direction.OUT.value,
        Message.status.in_((OutStatus.FAILED.value, OutStatus.UNDELIVERED.value)),
        Message.created_at >= ctx.now - timedelta(days=days),
        or_(Message.ticket_id.in_(in_scope), Message.phone == supervisor.phone))
        .order_by(Message.id.desc()).limit(50))
    return [FailedMessage(m.created_at, mask_phone(m.phone), m.kind, m.ticket_id, m.error_code)
            for m in rows]


def _count_open(ctx: Ctx, supervisor: Staff) -> tuple[int, int]:
    query = tickets_in_scope(supervisor).where(Ticket.status.in_(list(OPEN_STATUSES)))
    rows = ctx.db.execute(query.with_only_columns(Ticket.status, func.count(Ticket.id),
                                                  maintain_column_froms=True)
                          .group_by(Ticket.status)).all()
    waiting = sum(n for status, n in rows if status is TicketStatus.WAITING_CITIZEN)
    return sum(n for _, n in rows), waiting


def _month_breaches(ctx: Ctx, supervisor: Staff, start, end) -> tuple[int, int]:
    query = (select(func.count(Breach.id), func.count(Breach.excused_at)).select_from(Breach)
             .join(Ticket, Ticket.id == Breach.ticket_id).join(RW, RW.id == Ticket.rw_id)
             .join(Kelurahan, Kelurahan.id == RW.kelurahan_id)
             .where(Breach.deadline_at >= start, Breach.deadline_at < end))
    total, excused = ctx.db.execute(scope_filter(query, supervisor)).one()
    return total or 0, excused or 0


def _per_rw(ctx: Ctx, supervisor: Staff, start, end) -> dict[int, list[int]]:
    """{rw_id: [on-time closes, unexcused breaches]} for the month, in scope."""
    closes = (select(RW.id, func.count(Ticket.id)).select_from(Ticket)
              .join(RW, RW.id == Ticket.rw_id).join(Kelurahan, Kelurahan.id == RW.kelurahan_id)
              .where(Ticket.closed_at >= start, Ticket.closed_at < end,
                     Ticket.status.in_(CLOSED_BY_OFFICER), Ticket.breached_at.is_(None))
              .group_by(RW.id))
    late = (select(RW.id, func.count(Breach.id)).select_from(Breach)
            .join(Ticket, Ticket.id == Breach.ticket_id).join(RW, RW.id == Ticket.rw_id)
            .join(Kelurahan, Kelurahan.id == RW.kelurahan_id)
            .where(Breach.deadline_at >= start, Breach.deadline_at < end,
                   Breach.excused_at.is_(None))
            .group_by(RW.id))
    counts: dict[int, list[int]] = {}
    for index, query in ((0, closes), (1, late)):
        for rw_id, n in ctx.db.execute(scope_filter(query, supervisor)):
            counts.setdefault(rw_id, [0, 0])[index] += n
    return counts


def _rates(ctx: Ctx, supervisor: Staff, start, end) -> tuple[list[Rate], list[Rate]]:
    counts = _per_rw(ctx, supervisor, start, end)
    places = ctx.db.execute(scope_filter(
        select(RW.id, RW.number, Kelurahan.name).join(Kelurahan, Kelurahan.id == RW.kelurahan_id),
        supervisor).order_by(Kelurahan.name, RW.number)).all()
    by_kel: dict[str, list[int]] = {}
    by_rw = []
    for rw_id, number, kelurahan in places:
        on_time, late = counts.get(rw_id, [0, 0])
        by_rw.append(Rate(f"{kelurahan} RW {number}", on_time, on_time + late))
        total = by_kel.setdefault(kelurahan, [0, 0])
        total[0], total[1] = total[0] + on_time, total[1] + on_time + late
    if len(by_rw) > MAX_RW_BARS:  # a big region: the RWs that need attention
        active = [r for r in by_rw if r.due]
        by_rw = sorted(active, key=lambda r: (r.percent, r.label))[:MAX_RW_BARS]
    return [Rate(k, v[0], v[1]) for k, v in sorted(by_kel.items())], by_rw


def build_overview(ctx: Ctx, supervisor: Staff) -> Overview:
    """Open, overdue and due-today tickets now; the month's breaches and on-time rates."""
    month = month_of_instant(ctx.now, ctx.settings.zone)
    start, end = month_bounds(month, ctx.settings.zone)
    digest = build_digest(ctx, supervisor, ctx.today, live=True)
    open_count, waiting = _count_open(ctx, supervisor)
    breaches, excused = _month_breaches(ctx, supervisor, start, end)
    by_kelurahan, by_rw = _rates(ctx, supervisor, start, end)
    return Overview(scope_label(supervisor), ctx.now, month, open_count, waiting, digest.overdue,
                    digest.due_today, breaches, excused, by_kelurahan, by_rw,
                    _failed_messages(ctx, supervisor), _failed_inbound(ctx, supervisor))


@dataclass
class Scorecard:
    """One officer over the last months: IKI per month, newest last, and this month's row."""

    officer_id: int
    name: str
    phone: str                     # masked
    rws: str
    months: list[tuple[str, float | None]]
    current: OfficerRow


def recent_months(month: str, count: int) -> list[str]:
    """`count` months ending with `month`, oldest first."""
    months = [month]
    while len(months) < count:
        months.append(previous_month(months[-1]))
    return months[::-1]


def officer_scorecards(ctx: Ctx, supervisor: Staff, count: int = 6) -> list[Scorecard]:
    """Scorecards of the officers in the supervisor's region for the last `count` months."""
    months = recent_months(month_of_instant(ctx.now, ctx.settings.zone), count)
    reports = [report_for_scope(ctx.rt, ctx.db, m, supervisor) for m in months]
    current = reports[-1]
    cards = []
    for row in current.officers:
        history = []
        for month, report in zip(months, reports, strict=True):
            found = next((o for o in report.officers if o.officer_id == row.officer_id), None)
            shown = found is not None and (found.due or found.closed)
            history.append((month, found.iki if shown else None))
        cards.append(Scorecard(row.officer_id, row.name, row.phone, row.rws, history, row))
    return sorted(cards, key=lambda c: (c.current.iki, c.name))
