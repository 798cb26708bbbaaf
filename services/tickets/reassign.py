"""A supervisor assigns an open ticket to an officer of their region (the dashboard's
officers page): how tickets handed to a backup during a leave go back, and how a ticket
waiting without an officer gets one. Nothing moves back by itself."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_
from sqlalchemy.orm import contains_eager

from models import RW, Staff, Ticket
from models.ticket import OPEN_STATUSES
from services.core.context import Ctx
from services.people.directory import in_scope, is_available, tickets_in_scope
from services.people.lookup import officer_in_scope
from services.tickets.errors import TicketError
from services.tickets.handover import Handover, Tell, hand_over

LIST_LIMIT = 100


@dataclass(frozen=True)
class Misplaced:
    """An open ticket not with its RW's primary officer, and who should have it now."""

    ticket: Ticket
    suggested: Staff | None     # the RW's primary officer when available today


def tickets_to_assign(ctx: Ctx, supervisor: Staff) -> list[Misplaced]:
    """Open tickets in the region without an officer, or held by someone else while their
    RW's primary officer is available today (e.g. back from leave), nearest deadline first."""
    rows = ctx.db.scalars(
        tickets_in_scope(supervisor).options(contains_eager(Ticket.rw))
        .where(Ticket.status.in_(list(OPEN_STATUSES)),
               or_(Ticket.officer_id.is_(None), Ticket.officer_id != RW.officer_id))
        .order_by(Ticket.deadline_at, Ticket.id).limit(LIST_LIMIT)).all()
    found = []
    for ticket in rows:
        primary = ticket.rw.officer
        ready = primary if primary is not None and is_available(ctx.db, primary, ctx.today) \
            else None
        if ticket.officer is None or ready is not None:
            found.append(Misplaced(ticket, ready))
    return found


def assign_ticket(ctx: Ctx, supervisor: Staff, ticket: Ticket, officer_id: int) -> Handover:
    """Hand the ticket to an available officer of the region; officer and citizen are told."""
    if not in_scope(supervisor, ticket.rw.kelurahan):
        raise TicketError("not_found", ticket.id)     # out of scope looks like nothing there
    if ticket.status not in OPEN_STATUSES:
        raise TicketError("closed", ticket.id, status=ticket.status.value)
    officer = officer_in_scope(ctx.db, supervisor, officer_id)
    if officer is None:
        raise TicketError("officer_unknown", ticket.id)
    if officer.id == ticket.officer_id:
        raise TicketError("already_holds", ticket.id)
    if not is_available(ctx.db, officer, ctx.today):
        raise TicketError("officer_away", ticket.id, name=officer.name)
    return hand_over(ctx, ticket, officer, reason="supervisor", actor=supervisor,
                     tell=Tell.NEW_OFFICER | Tell.CITIZEN | Tell.PREVIOUS)
