"""Ticket use cases: open, acknowledge, ask, answer, resolve, reject, transfer, cancel, rate.

Each runs inside the caller's Ctx (one transaction), appends an event for every change,
and queues the messages the change causes in that same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from models import RW, Citizen, Kelurahan, MediaRole, Staff, Ticket, TicketStatus
from models.ticket import OPEN_STATUSES, Service
from services.channel.conversations import expect_rating
from services.core.context import Ctx
from services.ledger.entries import sync_ticket_ledger
from services.ledger.tally import count_close, count_rating
from services.media.catalogue import attach_media
from services.media.outbound import send_media
from services.people.directory import route_officer, supervisors_for
from services.tickets.breaches import breach_if_due
from services.tickets.deadlines import late_minutes, refresh_deadline, sla_of
from services.tickets.errors import TicketError
from services.tickets.events import record_event
from services.tickets.numbers import find_ticket
from sla.clock import StatusChange, clock_start, deadline, reminder_at

# What routing and the messages read about an RW: loaded in one query, not five.
RW_GRAPH = (joinedload(RW.kelurahan).joinedload(Kelurahan.kecamatan), joinedload(RW.officer),
            joinedload(RW.backup))


@dataclass(frozen=True)
class Draft:
    """What a citizen composed in chat, ready to submit."""

    service: Service
    rw_id: int
    nik: str
    description: str
    kk_number: str | None = None
    kk_new: bool = False
    media: list[dict[str, str]] = field(default_factory=list)


def variables_new_ticket(ctx: Ctx, ticket: Ticket) -> dict[str, str]:
    """Content-template variables for a new-ticket message outside the 24-hour window."""
    return {"1": ticket.number, "2": ticket.service.value, "3": ticket.rw.label,
            "4": ctx.text("fragment_when", when=ticket.deadline_at)}


def _tell_officer_new(ctx: Ctx, ticket: Ticket, transferred_from: str | None = None) -> None:
    if ticket.officer is None:
        for supervisor in supervisors_for(ctx.db, ticket.rw.kelurahan):
            ctx.notify(supervisor.phone, "supervisor_unassigned", kind="notice",
                       ticket_id=ticket.id, ticket=ticket)
        record_event(ctx, ticket, "unassigned_alert")
        return
    ctx.notify(ticket.officer.phone, "officer_new_ticket", kind="new_ticket", ticket_id=ticket.id,
               variables=variables_new_ticket(ctx, ticket), ticket=ticket,
               transferred_from=transferred_from)
    send_media(ctx, ticket.officer.phone, ticket, ticket.media)


def open_ticket(ctx: Ctx, citizen: Citizen, draft: Draft) -> Ticket:
    """Submit a request: route it, start its clock, tell the officer (or the lurah)."""
    place = ctx.db.get(RW, draft.rw_id, options=RW_GRAPH)
    if place is None:
        raise TicketError("rw_unknown")
    officer = route_officer(ctx.db, place, ctx.today)
    history = [StatusChange(ctx.now, TicketStatus.NEW.value)]
    sla = sla_of(ctx.settings, draft.service.value)
    ticket = Ticket(service=draft.service, status=TicketStatus.NEW, citizen=citizen, rw=place,
                    officer=officer, nik=draft.nik, kk_number=draft.kk_number,
                    kk_new=draft.kk_new, description=draft.description, media=draft.media,
                    submitted_at=ctx.now, clock_started_at=clock_start(ctx.calendar, ctx.now),
                    deadline_at=deadline(ctx.calendar, history, sla),
                    reminder_at=reminder_at(ctx.calendar, history, sla,
                                            ctx.settings.reminder_fraction))
    ctx.db.add(ticket)
    ctx.db.flush()
    attach_media(ctx.db, draft.media, ticket.id, MediaRole.ATTACHMENT)
    citizen.last_rw_id = place.id
    record_event(ctx, ticket, "submitted", actor_kind="citizen", status=TicketStatus.NEW,
                 service=draft.service.value, rw=place.label,
                 backup=officer is not None and officer.id != place.officer_id)
    _tell_officer_new(ctx, ticket)
    return ticket


def get_ticket(ctx: Ctx, number: int) -> Ticket:
    """The ticket with that number, or TicketError('not_found')."""
    ticket = find_ticket(ctx.db, number)
    if ticket is None:
        raise TicketError("not_found", number)
    return ticket


def _own_open(officer: Staff, ticket: Ticket) -> None:
    if ticket.officer_id != officer.id:
        raise TicketError("not_yours", ticket.id)
    if ticket.status not in OPEN_STATUSES:
        raise TicketError("closed", ticket.id, status=ticket.status.value)


def ensure_own_open(officer: Staff, ticket: Ticket) -> None:
    """Refuse (TicketError) unless the ticket is this officer's and still open."""
    _own_open(officer, ticket)


def acknowledge(ctx: Ctx, officer: Staff, ticket: Ticket) -> None:
    """`TERIMA`: the officer takes the ticket; the citizen is told who handles it."""
    _own_open(officer, ticket)
    if ticket.status is not TicketStatus.NEW:
        raise TicketError("already_acknowledged", ticket.id)
    record_event(ctx, ticket, "acknowledged", actor=officer, status=TicketStatus.IN_PROGRESS)
    ctx.notify(ticket.citizen.phone, "citizen_acknowledged", ticket_id=ticket.id, ticket=ticket)


def ask_citizen(ctx: Ctx, officer: Staff, ticket: Ticket, question: str) -> None:
    """`TANYA`: relay a question; the SLA clock pauses until the citizen answers."""
    _own_open(officer, ticket)
    if not question.strip():
        raise TicketError("question_required", ticket.id)
    breach_if_due(ctx, ticket)
    status = None if ticket.status is TicketStatus.WAITING_CITIZEN else (
        TicketStatus.WAITING_CITIZEN)
    record_event(ctx, ticket, "asked", actor=officer, status=status)
    ctx.notify(ticket.citizen.phone, "citizen_question", kind="relay", ticket_id=ticket.id,
               ticket=ticket, question=question.strip())


def citizen_answered(ctx: Ctx, ticket: Ticket, text: str, media: list[dict[str, str]]) -> None:
    """The citizen wrote while the ticket waited on them: resume the clock, relay it."""
    record_event(ctx, ticket, "answered", actor_kind="citizen", status=TicketStatus.IN_PROGRESS,
                 media=len(media))
    if media:   # what the officer asked for is part of the request from now on
        ticket.media = [*(ticket.media or []), *media]
        attach_media(ctx.db, media, ticket.id, MediaRole.ATTACHMENT)
    refresh_deadline(ctx.db, ctx.settings, ctx.calendar, ticket)
    relay_to_officer(ctx, ticket, text, media, resumed=True)


def relay_to_officer(ctx: Ctx, ticket: Ticket, text: str, media: list[dict[str, str]],
                     resumed: bool = False) -> None:
    """Pass the citizen's words (and photos) to the ticket's officer."""
    if ticket.officer is None:
        return
    ctx.notify(ticket.officer.phone, "officer_citizen_message", kind="relay",
               ticket_id=ticket.id, ticket=ticket, text=text, media=media, resumed=resumed)
    send_media(ctx, ticket.officer.phone, ticket, media)


def relay_to_citizen(ctx: Ctx, officer: Staff, ticket: Ticket, text: str,
                     media: list[dict[str, Any]] | None = None) -> None:
    """A quote-reply from the officer (text, photos) goes to the citizen."""
    _own_open(officer, ticket)
    media = media or []
    attach_media(ctx.db, media, ticket.id, MediaRole.RELAY)
    ctx.notify(ticket.citizen.phone, "citizen_officer_message", kind="relay",
               ticket_id=ticket.id, ticket=ticket, text=text, media=media)
    send_media(ctx, ticket.citizen.phone, ticket, media, source="officer")


def _close(ctx: Ctx, ticket: Ticket, kind: str, status: TicketStatus, actor: Staff | None,
           **details: Any) -> None:
    breach_if_due(ctx, ticket)
    ticket.closed_at = ctx.now
    # Stored once: the report reads a closed ticket's lateness instead of measuring it again.
    ticket.late_minutes = late_minutes(ctx.calendar, ticket, ctx.now)
    record_event(ctx, ticket, kind, actor=actor,
                 actor_kind="citizen" if actor is None else "staff", status=status, **details)
    count_close(ctx, ticket)
    if ticket.breached_at is not None:  # the last late days up to the close
        sync_ticket_ledger(ctx, ticket)


def resolve(ctx: Ctx, officer: Staff, ticket: Ticket, note: str,
            evidence: list[dict[str, str]]) -> None:
    """`SELESAI`: done; photos kept as evidence; the citizen is asked for a rating."""
    _own_open(officer, ticket)
    ticket.close_note = note or None
    ticket.evidence = evidence
    attach_media(ctx.db, evidence, ticket.id, MediaRole.EVIDENCE)
    _close(ctx, ticket, "resolved", TicketStatus.RESOLVED, officer, evidence=len(evidence))
    ctx.notify(ticket.citizen.phone, "citizen_resolved", ticket_id=ticket.id, ticket=ticket,
               note=note)
    expect_rating(ctx.db, ticket.citizen.phone, ticket.id, ctx.now)


def reject(ctx: Ctx, officer: Staff, ticket: Ticket, reason: str) -> None:
    """`TOLAK`: refuse, with a reason the citizen reads."""
    _own_open(officer, ticket)
    if not reason.strip():
        raise TicketError("reason_required", ticket.id)
    ticket.close_note = reason.strip()
    _close(ctx, ticket, "rejected", TicketStatus.REJECTED, officer, reason=reason.strip())
    ctx.notify(ticket.citizen.phone, "citizen_rejected", ticket_id=ticket.id, ticket=ticket,
               reason=reason.strip())


def transfer(ctx: Ctx, officer: Staff, ticket: Ticket, target: RW) -> Staff | None:
    """`ALIHKAN`: hand the ticket to another RW's officer; the deadline stays."""
    _own_open(officer, ticket)
    if target.id == ticket.rw_id:
        raise TicketError("same_rw", ticket.id)
    new_officer = route_officer(ctx.db, target, ctx.today)
    old_label = ticket.rw.label
    ticket.rw, ticket.officer = target, new_officer
    ctx.db.flush()
    record_event(ctx, ticket, "transferred", actor=officer, from_rw=old_label, to_rw=target.label,
                 from_officer=officer.id)
    _tell_officer_new(ctx, ticket, transferred_from=officer.name)
    ctx.notify(ticket.citizen.phone, "citizen_transferred", ticket_id=ticket.id, ticket=ticket)
    return new_officer


def cancel_by_citizen(ctx: Ctx, citizen: Citizen, ticket: Ticket) -> None:
    """`BATAL <no>`: the citizen withdraws an open ticket of theirs."""
    if ticket.citizen_id != citizen.id:
        raise TicketError("not_found", ticket.id)  # never confirm others' tickets exist
    if ticket.status not in OPEN_STATUSES:
        raise TicketError("closed", ticket.id, status=ticket.status.value)
    _close(ctx, ticket, "cancelled", TicketStatus.CANCELLED, None)
    if ticket.officer is not None:
        ctx.notify(ticket.officer.phone, "officer_ticket_cancelled", ticket_id=ticket.id,
                   ticket=ticket)


def rate(ctx: Ctx, citizen: Citizen, ticket: Ticket, stars: int) -> None:
    """Store the citizen's 1–5 rating of a resolved ticket."""
    if ticket.citizen_id != citizen.id or ticket.rating is not None:
        return
    ticket.rating, ticket.rated_at = stars, ctx.now
    record_event(ctx, ticket, "rated", actor_kind="citizen", rating=stars)
    count_rating(ctx, ticket)


def citizen_tickets(ctx: Ctx, citizen: Citizen, limit: int = 10) -> list[Ticket]:
    """The citizen's tickets, open ones first, newest first."""
    tickets = ctx.db.scalars(select(Ticket).where(Ticket.citizen_id == citizen.id)
                             .order_by(Ticket.id.desc()).limit(50)).all()
    return sorted(tickets, key=lambda t: (t.status not in OPEN_STATUSES, -t.id))[:limit]


def waiting_ticket(ctx: Ctx, citizen: Citizen) -> Ticket | None:
    """The citizen's most recent ticket that is waiting on them, if any."""
    return ctx.db.scalar(select(Ticket).where(Ticket.citizen_id == citizen.id,
                                              Ticket.status == TicketStatus.WAITING_CITIZEN)
                         .order_by(Ticket.id.desc()).limit(1))


def officer_tasks(ctx: Ctx, officer: Staff) -> list[Ticket]:
    """`TUGAS`: the officer's open tickets, nearest deadline first."""
    tickets = ctx.db.scalars(select(Ticket).where(Ticket.officer_id == officer.id,
                                                  Ticket.status.in_(list(OPEN_STATUSES)))).all()
    return sorted(tickets, key=lambda t: (t.deadline_at is None, t.deadline_at or ctx.now, t.id))
