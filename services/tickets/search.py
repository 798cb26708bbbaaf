"""Tickets as a supervisor browses them: filtered lists and one ticket's timeline, in scope.

A ticket outside the supervisor's region is reported as not found, never as forbidden,
so the dashboard does not confirm that it exists.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from models import RW, Breach, Kelurahan, Service, Staff, Ticket, TicketEvent, TicketStatus
from models.ticket import OPEN_STATUSES, RUNNING_STATUSES
from services.core.context import Ctx
from services.media.catalogue import MediaView, ticket_media
from services.people.directory import in_scope, officers_in_scope, scope_filter, tickets_in_scope
from services.tickets.deadlines import late_minutes
from services.tickets.errors import TicketError
from services.tickets.numbers import find_ticket

PAGE_SIZE = 50
STATUS_CHOICES = ("open", "overdue", "all") + tuple(s.value for s in TicketStatus)


def _int(value: str | None) -> int | None:
    text = (value or "").strip()
    return int(text) if text.isdigit() and len(text) < 10 else None


@dataclass(frozen=True)
class TicketFilter:
    """What the tickets page shows: `status` is open, overdue, all or a status value."""

    status: str = "open"
    service: str = ""
    rw_id: int | None = None
    officer_id: int | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> TicketFilter:
        """Read query-string arguments; anything unknown falls back to the default."""
        status = args.get("status") or "open"
        service = args.get("service") or ""
        return cls(status=status if status in STATUS_CHOICES else "open",
                   service=service if service in Service.__members__ else "",
                   rw_id=_int(args.get("rw")), officer_id=_int(args.get("officer")),
                   page=max(1, _int(args.get("page")) or 1))

    def args(self, **changes) -> dict[str, str | int]:
        """The query string for this filter (with `changes`), without empty values."""
        flt = replace(self, **changes)
        pairs = {"status": flt.status, "service": flt.service, "rw": flt.rw_id,
                 "officer": flt.officer_id, "page": flt.page if flt.page > 1 else None}
        return {k: v for k, v in pairs.items() if v not in (None, "")}


@dataclass(frozen=True)
class TicketRow:
    ticket: Ticket
    late_minutes: float
    breach: Breach | None


@dataclass(frozen=True)
class TicketPage:
    rows: list[TicketRow]
    total: int
    page: int
    pages: int
    filter: TicketFilter


@dataclass(frozen=True)
class Choices:
    """The filter drop-downs: RWs and officers in the region."""

    rws: list[tuple[int, str]]
    officers: list[tuple[int, str]]


def _where(query, flt: TicketFilter, now: datetime):
    if flt.status == "open":
        query = query.where(Ticket.status.in_(list(OPEN_STATUSES)))
    elif flt.status == "overdue":
        late = or_(and_(Ticket.status.in_(RUNNING_STATUSES), Ticket.deadline_at <= now),
                   Ticket.breached_at.is_not(None))
        query = query.where(Ticket.status.in_(list(OPEN_STATUSES)), late)
    elif flt.status != "all":
        query = query.where(Ticket.status == TicketStatus(flt.status))
    if flt.service:
        query = query.where(Ticket.service == Service(flt.service))
    if flt.rw_id is not None:
        query = query.where(Ticket.rw_id == flt.rw_id)
    if flt.officer_id is not None:
        query = query.where(Ticket.officer_id == flt.officer_id)
    return query


def search_tickets(ctx: Ctx, supervisor: Staff, flt: TicketFilter) -> TicketPage:
    """One page of the region's tickets matching `flt`, newest first."""
    query = _where(tickets_in_scope(supervisor), flt, ctx.now)
    total = ctx.db.scalar(query.with_only_columns(func.count(Ticket.id),
                                                  maintain_column_froms=True)) or 0
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(flt.page, pages)
    tickets = ctx.db.scalars(
        query.options(contains_eager(Ticket.rw).contains_eager(RW.kelurahan),
                      selectinload(Ticket.officer), selectinload(Ticket.citizen))
        .order_by(Ticket.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    breaches = {b.ticket_id: b for b in ctx.db.scalars(
        select(Breach).where(Breach.ticket_id.in_([t.id for t in tickets])))}
    rows = [TicketRow(t, late_minutes(ctx.calendar, t, ctx.now), breaches.get(t.id))
            for t in tickets]
    return TicketPage(rows, total, page, pages, replace(flt, page=page))


def filter_choices(ctx: Ctx, supervisor: Staff) -> Choices:
    """The RWs and officers a supervisor may filter by."""
    rws = ctx.db.execute(scope_filter(
        select(RW.id, Kelurahan.name, RW.number).join(Kelurahan, Kelurahan.id == RW.kelurahan_id),
        supervisor).order_by(Kelurahan.name, RW.number)).all()
    officers = ctx.db.scalars(officers_in_scope(supervisor).order_by(Staff.name)).all()
    return Choices([(i, f"{kel} RW {n}") for i, kel, n in rws],
                   [(o.id, o.name) for o in officers])


@dataclass(frozen=True)
class TicketDetail:
    ticket: Ticket
    events: list[TicketEvent]
    breach: Breach | None
    late_minutes: float
    media: list[MediaView] = field(default_factory=list)


def ticket_in_scope(ctx: Ctx, supervisor: Staff, number: int) -> Ticket:
    """The ticket if the supervisor's region holds it; TicketError('not_found') otherwise."""
    ticket = find_ticket(ctx.db, number)
    if ticket is None or not in_scope(supervisor, ticket.rw.kelurahan):
        raise TicketError("not_found", number)
    return ticket


def ticket_for_supervisor(ctx: Ctx, supervisor: Staff, number: int) -> TicketDetail:
    """One ticket with its event timeline and photos; TicketError('not_found') when out of
    scope."""
    ticket = ticket_in_scope(ctx, supervisor, number)
    events = ctx.db.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                            .options(selectinload(TicketEvent.actor))
                            .order_by(TicketEvent.id)).all()
    breach = ctx.db.scalar(select(Breach).where(Breach.ticket_id == ticket.id))
    return TicketDetail(ticket, list(events), breach,
                        late_minutes(ctx.calendar, ticket, ctx.now),
                        ticket_media(ctx.db, ticket.id))
