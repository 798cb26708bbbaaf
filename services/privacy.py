"""Retention of personal data (UU 27/2022): `privacy purge --older-than 365d`.

What a purge removes, for tickets closed (resolved, rejected, cancelled) before the cutoff:
- on the ticket: NIK, KK number, the citizen's description, their attachments, the
  officer's evidence photos and closing note (free text that may repeat personal data);
- message bodies, attachments, locations and profile names of every message about such a
  ticket, and of every other message older than the cutoff that is not about a ticket still
  holding personal data (requests are typed in chat: the NIK lives in those bodies too);
- the stored photos and documents of such tickets (and those of no ticket, received before
  the cutoff): their files under MEDIA_DIR go, unless a kept ticket holds the same file;
- conversation drafts untouched since before the cutoff;
- the citizen's phone number and profile name, replaced by `anon-<id>` on the citizen and on
  their messages, once none of their tickets still holds personal data (so none is open)
  and they have not written since the cutoff.

What it keeps: every ticket row (service, RW, officer, times, status, rating), the
append-only event log, breaches, the allowance ledger and month closes — so monthly
reports and `report verify` give the same answers before and after. Staff data is the
roster's business and is kept. Twilio's copy of a media item is deleted once it is stored
(MEDIA_DELETE_AT_TWILIO); one still there when purged is deleted by the media job. Events
hold no citizen text; staff-written reasons (TOLAK, MAAFKAN) stay, being the audit trail.
Running it again changes nothing more.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from models import FINAL_STATUSES, Citizen, Conversation, Media, MediaStatus, Message, Ticket
from services.core.runtime import Runtime, wake_after_commit
from services.media.files import remove_file
from services.media.kinds import WAKE_TOPIC

log = logging.getLogger(__name__)

ANON_PREFIX = "anon-"
BATCH = 500
MAX_DAYS = 36_500
_AGE = re.compile(r"^\s*(\d{1,6})\s*([dD])\s*$")
_UNSENT = ("pending", "sending")


class PrivacyError(ValueError):
    """A purge request that cannot run: `code` (`unknown`, `range`) picks the wording
    (templates/cli/privacy_error.txt)."""

    def __init__(self, code: str, value: str, days: int | None = None) -> None:
        super().__init__(code)
        self.code, self.value, self.days, self.max_days = code, value, days, MAX_DAYS


@dataclass
class PurgeResult:
    """What one purge changed (or, in a dry run, would change)."""

    tickets: int = 0
    messages: int = 0
    conversations: int = 0
    citizens: int = 0
    media: int = 0
    files: int = 0

    def as_dict(self) -> dict[str, int]:
        """The counts by name."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def parse_age(text: str) -> timedelta:
    """`365d` → 365 days; anything else (or 0 days) raises PrivacyError."""
    found = _AGE.match(text or "")
    if not found:
        raise PrivacyError("unknown", text)
    days = int(found.group(1))
    if not 1 <= days <= MAX_DAYS:
        raise PrivacyError("range", text, days)
    return timedelta(days=days)


def _closed_before(ticket, cutoff: datetime):
    return and_(ticket.status.in_([s.value for s in FINAL_STATUSES]), ticket.closed_at < cutoff)


def _keeps_data(ticket, cutoff: datetime):
    """A ticket that holds personal data after this purge (so a dry run counts the same)."""
    return and_(ticket.personal_data_purged_at.is_(None), ~_closed_before(ticket, cutoff))


def _purgeable_tickets(cutoff: datetime):
    return select(Ticket.id).where(_closed_before(Ticket, cutoff),
                                   Ticket.personal_data_purged_at.is_(None))


def _purgeable_messages(cutoff: datetime):
    ticket = aliased(Ticket)
    about_kept = exists().where(ticket.id == Message.ticket_id, _keeps_data(ticket, cutoff))
    return select(Message.id).where(
        Message.body.is_not(None), Message.status.not_in(_UNSENT),
        or_(and_(Message.ticket_id.is_not(None), ~about_kept),
            and_(Message.ticket_id.is_(None), Message.created_at < cutoff)))


def _purgeable_media(cutoff: datetime):
    ticket = aliased(Ticket)
    about_kept = exists().where(ticket.id == Media.ticket_id, _keeps_data(ticket, cutoff))
    return select(Media.id).where(
        Media.status != MediaStatus.PURGED.value,
        or_(and_(Media.ticket_id.is_not(None), ~about_kept),
            and_(Media.ticket_id.is_(None), Media.created_at < cutoff)))


def _anonymisable_citizens(cutoff: datetime):
    ticket = aliased(Ticket)
    keeps_data = exists().where(ticket.citizen_id == Citizen.id, _keeps_data(ticket, cutoff))
    wrote_lately = exists().where(Message.phone == Citizen.phone, Message.created_at >= cutoff)
    return select(Citizen.id).where(~Citizen.phone.startswith(ANON_PREFIX),
                                    Citizen.created_at < cutoff, ~keeps_data, ~wrote_lately)


def _batches(rt: Runtime, query) -> list[list[int]]:
    with rt.sessions() as db:
        ids = list(db.scalars(query.order_by(query.selected_columns[0])))
    return [ids[i:i + BATCH] for i in range(0, len(ids), BATCH)]


def _purge_tickets(db: Session, ids: list[int], now: datetime) -> None:
    for ticket in db.scalars(select(Ticket).where(Ticket.id.in_(ids))):
        ticket.nik = ticket.kk_number = ticket.description = ticket.close_note = None
        ticket.media, ticket.evidence = [], []
        ticket.personal_data_purged_at = now


def _purge_messages(db: Session, ids: list[int]) -> None:
    db.execute(update(Message).where(Message.id.in_(ids)).values(
        body=None, media=[], latitude=None, longitude=None, profile_name=None,
        content_variables=None))


def _purge_media(db: Session, ids: list[int], delete_at_twilio: bool, now: datetime) -> set[str]:
    """Mark the items purged; the hashes of their files (removed once unreferenced)."""
    hashes = set()
    for media in db.scalars(select(Media).where(Media.id.in_(ids))):
        if media.sha256:
            hashes.add(media.sha256)
        media.status, media.sha256, media.size = MediaStatus.PURGED.value, None, None
        media.claimed_by = media.claimed_until = None
        # A copy Twilio still holds (never downloaded, or its deletion failed) goes too.
        media.next_attempt_at = now if media.source_url and delete_at_twilio else None
        if media.next_attempt_at is not None:
            wake_after_commit(db, WAKE_TOPIC)
    return hashes


def _remove_unreferenced(rt: Runtime, hashes: set[str]) -> int:
    """Delete the files no item left unpurged still names (a kept ticket keeps its file)."""
    with rt.sessions() as db:
        kept = set(db.scalars(select(Media.sha256).where(Media.sha256.in_(hashes)))) \
            if hashes else set()
    return sum(remove_file(rt.settings, sha) for sha in sorted(hashes - kept))


def _anonymise_citizens(db: Session, ids: list[int], cutoff: datetime) -> None:
    # Re-checked here: someone who wrote since the list was made keeps their number.
    still = _anonymisable_citizens(cutoff).where(Citizen.id.in_(ids))
    for citizen in db.scalars(select(Citizen).where(Citizen.id.in_(still))):
        alias = f"{ANON_PREFIX}{citizen.id}"
        db.execute(update(Message).where(Message.phone == citizen.phone).values(phone=alias))
        db.execute(delete(Conversation).where(Conversation.phone == citizen.phone))
        citizen.phone, citizen.profile_name, citizen.last_rw_id = alias, None, None


def purge_personal_data(rt: Runtime, older_than: timedelta, *, now: datetime | None = None,
                        dry_run: bool = False) -> PurgeResult:
    """Remove personal data of tickets closed more than `older_than` ago (see module doc)."""
    now = now or rt.now()
    cutoff = now - older_than
    result = PurgeResult()
    ticket_batches = _batches(rt, _purgeable_tickets(cutoff))
    result.tickets = sum(map(len, ticket_batches))
    if dry_run:
        with rt.sessions() as db:
            result.messages = db.scalar(select(func.count()).select_from(
                _purgeable_messages(cutoff).subquery()))
            result.conversations = db.scalar(select(func.count()).select_from(Conversation)
                                             .where(Conversation.updated_at < cutoff))
            result.citizens = db.scalar(select(func.count()).select_from(
                _anonymisable_citizens(cutoff).subquery()))
            result.media = db.scalar(select(func.count()).select_from(
                _purgeable_media(cutoff).subquery()))
        return result
    for ids in ticket_batches:   # short transactions: the bot keeps answering meanwhile
        with rt.transaction() as db:
            _purge_tickets(db, ids, now)
    for ids in _batches(rt, _purgeable_messages(cutoff)):
        with rt.transaction() as db:
            _purge_messages(db, ids)
        result.messages += len(ids)
    hashes: set[str] = set()
    for ids in _batches(rt, _purgeable_media(cutoff)):
        with rt.transaction() as db:
            hashes |= _purge_media(db, ids, rt.settings.media_delete_at_twilio, now)
        result.media += len(ids)
    result.files = _remove_unreferenced(rt, hashes)
    with rt.transaction() as db:
        result.conversations = db.execute(
            delete(Conversation).where(Conversation.updated_at < cutoff)).rowcount
    for ids in _batches(rt, _anonymisable_citizens(cutoff)):
        with rt.transaction() as db:
            _anonymise_citizens(db, ids, cutoff)
        result.citizens += len(ids)
    log.info("privacy purge before %s: %s", cutoff.isoformat(), result.as_dict())
    return result
