"""An officer who cannot be reached: a message about their ticket failed for good.

`services.channel` sends the outbox and sits below tickets, so it cannot move one: after
the commit that writes a message failed for good (a permanent error on send, a `failed` or
`undelivered` status callback) it calls `Runtime.delivery_failed`, and `act_on_failure`,
registered by the composition root (`listen`), decides. The SLA sweep catches up failures
nobody handled (the process died between the failure and the move).

A failure counts when the message concerns a ticket and went to the officer holding it.
The ticket then goes to the RW's backup (the primary officer, when the backup held it),
who gets the ticket message; the citizen is told the new name; the lurah is told which
officer, which ticket and why. With nobody to take it the ticket waits unassigned and the
lurah is told. Each failed message is handled once (its `delivery_failure` row); one about
a ticket that is closed, or no longer the officer's, is only recorded.

When the failed message was the ticket's notice itself (`new_ticket`, also sent on each
transfer), the officer never had the ticket: the transfer event says so (`unreached`) and
the ledger charges nobody for that holding. A breach already counted against them is taken
back and their ledger entries corrected by new, append-only entries.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import Select, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from models import Breach, DeliveryFailure, Direction, FailureOutcome, Message, Staff, Ticket
from models.delivery_failure import ACTED
from models.ticket import OPEN_STATUSES
from services.core.context import Ctx
from services.core.db import is_sqlite
from services.core.runtime import Runtime
from services.ledger.entries import UNREACHED, sync_ticket_ledger
from services.ledger.tally import uncount_breach
from services.media.outbound import send_media
from services.people.directory import is_available, staff_by_phone, supervisors_for
from services.tickets.breaches import officer_at
from services.tickets.handover import Handover, Tell, hand_over

log = logging.getLogger(__name__)

FAILED_FOR_GOOD = ("failed", "undelivered")
# Messages to the holder about the ticket: its notice (new or transferred), the citizen's
# words and photos relayed, the reminder and the breach notice.
NOTICE_KIND = "new_ticket"
TICKET_KINDS = frozenset({NOTICE_KIND, "relay", "media", "reminder", "breach"})
# How far back the sweep looks for failures left unhandled.
CATCH_UP = timedelta(days=7)


def listen(rt: Runtime) -> None:
    """Act on every message that fails for good from now on (the composition root)."""
    rt.on_delivery_failed(lambda message_id: handle_failure(rt, message_id))


def handle_failure(rt: Runtime, message_id: int, now: datetime | None = None) -> str:
    """Act on one failed message in its own transaction; what was done (see below)."""
    try:
        with rt.transaction() as db:
            return act_on_failure(Ctx(db, now or rt.now(), rt), message_id)
    except (IntegrityError, StaleDataError) as exc:  # handled at the same time elsewhere
        log.info("message %s: failure handled by someone else (%s)", message_id,
                 type(exc).__name__)
        return "contended"


def act_on_failure(ctx: Ctx, message_id: int) -> str:
    """moved, unassigned, ignored (recorded only), handled (before) or unconcerned."""
    message = ctx.db.get(Message, message_id)
    if (message is None or message.direction != Direction.OUT.value
            or message.status not in FAILED_FOR_GOOD or message.ticket_id is None
            or message.kind not in TICKET_KINDS):
        return "unconcerned"
    ticket = _locked_ticket(ctx, message.ticket_id)
    if ctx.db.scalar(select(DeliveryFailure.id)
                     .where(DeliveryFailure.message_id == message.id)) is not None:
        return "handled"
    officer = staff_by_phone(ctx.db, message.phone)
    record = DeliveryFailure(message_id=message.id, ticket_id=ticket.id,
                             officer_id=officer.id if officer else None,
                             error_code=message.error_code, recorded_at=ctx.now,
                             outcome=FailureOutcome.IGNORED.value)
    ctx.db.add(record)
    ctx.db.flush()         # a second handler of the same message stops here (unique)
    if (officer is None or ticket.officer_id != officer.id
            or ticket.status not in OPEN_STATUSES):
        return record.outcome
    unreached = message.kind == NOTICE_KIND
    moved = hand_over(ctx, ticket, _replacement(ctx, ticket, officer), reason="delivery_failed",
                      tell=Tell.NEW_OFFICER | Tell.CITIZEN, message=message.id,
                      error_code=message.error_code, **{UNREACHED: unreached})
    if moved.new is not None:
        send_media(ctx, moved.new.phone, ticket, ticket.media)
    record.to_officer_id = moved.new.id if moved.new else None
    record.outcome = (FailureOutcome.MOVED if moved.new else FailureOutcome.UNASSIGNED).value
    if unreached:
        _take_back_charges(ctx, ticket, officer)
    _tell_supervisors(ctx, moved, officer, message.error_code)
    log.info("ticket %s: message %s to its officer failed (%s); %s", ticket.id, message.id,
             message.error_code, record.outcome)
    return record.outcome


def _locked_ticket(ctx: Ctx, ticket_id: int) -> Ticket:
    query = select(Ticket).where(Ticket.id == ticket_id).execution_options(
        populate_existing=True)
    if not is_sqlite(ctx.rt.engine):  # SQLite's BEGIN IMMEDIATE already serialises writers
        query = query.with_for_update(of=Ticket)
    return ctx.db.scalars(query).one()


def _replacement(ctx: Ctx, ticket: Ticket, officer: Staff) -> Staff | None:
    """The RW's backup (or primary, when the backup held it), if available and not one the
    ticket already failed to reach."""
    missed = set(ctx.db.scalars(select(DeliveryFailure.officer_id).where(
        DeliveryFailure.ticket_id == ticket.id, DeliveryFailure.outcome.in_(ACTED))))
    missed.add(officer.id)
    for person in (ticket.rw.backup, ticket.rw.officer):
        if person is not None and person.id not in missed and is_available(
                ctx.db, person, ctx.today):
            return person
    return None


def _take_back_charges(ctx: Ctx, ticket: Ticket, officer: Staff) -> None:
    """The ticket never reached `officer`: a breach counted against them no longer is,
    and their ledger entries get their corrections (`sla.ledger`)."""
    breach = ctx.db.scalar(select(Breach).where(Breach.ticket_id == ticket.id))
    if breach is not None and breach.officer_id == officer.id and officer_at(ctx, ticket) is None:
        uncount_breach(ctx, breach)
        breach.officer_id = None
    sync_ticket_ledger(ctx, ticket)


def _tell_supervisors(ctx: Ctx, moved: Handover, officer: Staff, code: int | None) -> None:
    ticket = moved.ticket
    for supervisor in supervisors_for(ctx.db, ticket.rw.kelurahan):
        ctx.notify(supervisor.phone, "supervisor_unreachable", ticket_id=ticket.id,
                   ticket=ticket, officer=officer, new=moved.new, error_code=code)


def _failed_predicate():
    index = next(ix for ix in Message.__table__.indexes if ix.name == "ix_message_failed")
    return index.dialect_options["postgresql"]["where"]


def unhandled_failures(now: datetime) -> Select:
    """Ids of recent messages about a ticket that failed for good and nobody handled
    (reads the `ix_message_failed` partial index)."""
    return (select(Message.id)
            .where(_failed_predicate(), Message.status_at >= now - CATCH_UP,
                   Message.ticket_id.is_not(None), Message.kind.in_(sorted(TICKET_KINDS)),
                   ~exists().where(DeliveryFailure.message_id == Message.id))
            .order_by(Message.id))


def catch_up_failures(rt: Runtime, now: datetime) -> int:
    """Sweep step: handle failures left unhandled; how many tickets moved or now wait."""
    with rt.sessions() as db:
        ids = list(db.scalars(unhandled_failures(now)))
    acted = 0
    for message_id in ids:
        outcome = handle_failure(rt, message_id, now)
        acted += outcome in ACTED
    return acted
