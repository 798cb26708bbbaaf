"""Finding whole NIKs, KK numbers and phone numbers in text, whatever their layout.

SPEC §10: a NIK (or KK number) is shown whole only to its citizen and to the officer of
its ticket; a phone number only to its owner. Everywhere else (logs, digests, reports,
CSVs, dashboard pages) they are masked. `Identifiers.leaks(text, reader)` lists every whole
identifier in `text` that `reader` (a phone number, or None for "anyone") may not see.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select

from models import Citizen, Direction, Message, Staff, Ticket, TicketEvent

# Digit runs as people and programs write numbers: +62 812-0000-0101, 6281200000101,
# 0812.0000.0101, %2B6281200000101 (URL-encoded), (0812) 0000 0101.
_RUN = re.compile(r"\d[\d \-.()/]*\d")
_SIXTEEN = re.compile(r"(?<!\d)\d{16}(?!\d)")


def digit_runs(text: str) -> list[str]:
    """Every run of digits in `text`, separators removed."""
    return [re.sub(r"\D", "", m.group(0)) for m in _RUN.finditer(text or "")]


def national(phone: str) -> str:
    """The part of an E.164 number that any layout of it contains: +6281234 → 81234."""
    return phone[3:] if phone.startswith("+62") else phone.lstrip("+")


@dataclass
class Identifiers:
    """Every NIK/KK number and phone number known to the database, and who may see them."""

    numbers: dict[str, set[str]] = field(default_factory=dict)   # NIK/KK → phones allowed
    phones: set[str] = field(default_factory=set)                # E.164

    @classmethod
    def collect(cls, rt) -> Identifiers:
        """Read them from tickets, chats, the roster and the citizens."""
        found = cls()
        with rt.sessions() as db:
            for ticket in db.scalars(select(Ticket)):
                holders = {p for p in db.scalars(
                    select(Staff.phone).join(TicketEvent, TicketEvent.officer_id == Staff.id)
                    .where(TicketEvent.ticket_id == ticket.id))}
                allowed = holders | {ticket.citizen.phone}
                if ticket.officer is not None:
                    allowed.add(ticket.officer.phone)
                for number in (ticket.nik, ticket.kk_number):
                    if number:
                        found.numbers.setdefault(number, set()).update(allowed)
            for phone, body in db.execute(select(Message.phone, Message.body).where(
                    Message.direction == Direction.IN.value)):
                for number in _SIXTEEN.findall(body or ""):   # typed, maybe never a ticket
                    found.numbers.setdefault(number, set()).add(phone)
            found.phones |= set(db.scalars(select(Citizen.phone)))
            found.phones |= set(db.scalars(select(Staff.phone)))
        return found

    def leaks(self, text: str, reader: str | None = None) -> list[str]:
        """Whole identifiers in `text` that `reader` may not see (masked in the result)."""
        runs = digit_runs(text)
        out = []
        for number, allowed in self.numbers.items():
            if reader not in allowed and any(number in run for run in runs):
                out.append(f"NIK/KK {number[:4]}…{number[-4:]}")
        for phone in self.phones:
            if phone != reader and any(national(phone) in run for run in runs):
                out.append(f"telepon …{phone[-4:]}")
        return out


def message_leaks(rt, ids: Identifiers) -> list[str]:
    """Outbound messages showing someone an identifier that is not theirs to see."""
    problems = []
    with rt.sessions() as db:
        for row in db.scalars(select(Message).where(Message.direction == Direction.OUT.value)):
            text = (row.body or "") + " " + " ".join(map(str, (row.content_variables or {})
                                                             .values()))
            for leak in ids.leaks(text, reader=row.phone):
                problems.append(f"message {row.id} ({row.kind}) to …{row.phone[-4:]}: {leak}")
    return problems
