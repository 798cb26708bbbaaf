"""The ticket's append-only event log: every change to a ticket is one `record_event`."""

from __future__ import annotations

from typing import Any

from models import Staff, Ticket, TicketEvent, TicketStatus
from services.core.context import Ctx


def record_event(ctx: Ctx, ticket: Ticket, kind: str, *, actor: Staff | None = None,
                 actor_kind: str = "system", status: TicketStatus | None = None,
                 **details: Any) -> TicketEvent:
    """Append an event (and change the status when given)."""
    if status is not None:
        ticket.status = status
    event = TicketEvent(ticket_id=ticket.id, at=ctx.now, kind=kind,
                        actor_kind="staff" if actor else actor_kind,
                        actor_id=actor.id if actor else None,
                        status=status.value if status else None, officer_id=ticket.officer_id,
                        details=details)
    ctx.db.add(event)
    return event
