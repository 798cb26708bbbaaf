"""Handing a ticket to another officer (or to nobody) within its RW, and telling everyone.

One step for every reason a ticket changes hands without changing RW: an officer's leave
begins (`services.tickets.leave_start`), a supervisor assigns it (`reassign`), a message to
the officer failed for good. The ticket keeps its deadline; the transfer event names the
new holder, so the SLA is charged to whoever holds the ticket at its deadline.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from models import Staff, Ticket
from models.ticket import OPEN_STATUSES
from services.core.context import Ctx
from services.people.directory import supervisors_for
from services.tickets.errors import TicketError
from services.tickets.events import record_event
from services.tickets.lifecycle import variables_new_ticket


class Tell(enum.Flag):
    """Who hears about a handover. A caller that leaves out SUPERVISORS for a ticket that
    ends up unassigned tells them itself (the leave sends one list instead of many)."""

    NEW_OFFICER = enum.auto()     # the ticket message, as for a new ticket
    CITIZEN = enum.auto()         # the new officer's name (or that one is being found)
    PREVIOUS = enum.auto()        # the officer who held it
    SUPERVISORS = enum.auto()     # the kelurahan's supervisors
    EVERYONE = NEW_OFFICER | CITIZEN | PREVIOUS | SUPERVISORS


@dataclass(frozen=True)
class Handover:
    """One ticket that changed hands."""

    ticket: Ticket
    previous: Staff | None
    new: Staff | None


def hand_over(ctx: Ctx, ticket: Ticket, to: Staff | None, *, reason: str,
              actor: Staff | None = None, tell: Tell = Tell.EVERYONE,
              **details: Any) -> Handover:
    """Give an open ticket to `to` (None: it waits unassigned) with one `transferred` event
    (`reason`: leave, supervisor, delivery_failed …; `details` go into the event)."""
    if ticket.status not in OPEN_STATUSES:
        raise TicketError("closed", ticket.id, status=ticket.status.value)
    previous = ticket.officer
    ticket.officer = to
    ctx.db.flush()                       # the event records the new holder's id
    record_event(ctx, ticket, "transferred", actor=actor, reason=reason,
                 from_officer=previous.id if previous else None,
                 from_name=previous.name if previous else None,
                 to_officer=to.id if to else None, to_name=to.name if to else None, **details)
    moved = Handover(ticket, previous, to)
    _tell(ctx, moved, reason, tell)
    return moved


def _tell(ctx: Ctx, moved: Handover, reason: str, tell: Tell) -> None:
    ticket = moved.ticket
    if moved.new is not None and Tell.NEW_OFFICER in tell:
        ctx.notify(moved.new.phone, "officer_new_ticket", kind="new_ticket",
                   ticket_id=ticket.id, variables=variables_new_ticket(ctx, ticket),
                   ticket=ticket, transferred_from=moved.previous.name if moved.previous
                   else None, reason=reason)
    if Tell.CITIZEN in tell:
        ctx.notify(ticket.citizen.phone, "citizen_handed_over", ticket_id=ticket.id,
                   ticket=ticket)
    if moved.previous is not None and Tell.PREVIOUS in tell:
        ctx.notify(moved.previous.phone, "officer_ticket_moved", ticket_id=ticket.id,
                   ticket=ticket, new=moved.new, reason=reason)
    if Tell.SUPERVISORS in tell:
        for supervisor in supervisors_for(ctx.db, ticket.rw.kelurahan):
            ctx.notify(supervisor.phone, "supervisor_handover", ticket_id=ticket.id,
                       ticket=ticket, previous=moved.previous, new=moved.new, reason=reason)
