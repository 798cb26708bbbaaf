"""Ticket numbers as people type them (`#123`, `/dashboard/tickets/123`).

A ticket number is the ticket's id, an `INTEGER` column: PostgreSQL's is 32 bits, SQLite's
64. A number past it cannot name a ticket, so it is not looked up at all: asking the
database would fail (`integer out of range`, `Python int too large to convert to SQLite
INTEGER`) where the user should simply read "not found".
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from models import Ticket

MAX_TICKET_NUMBER = 2**31 - 1   # PostgreSQL INTEGER, the smaller of the two databases


def find_ticket(db: Session, number: int) -> Ticket | None:
    """The ticket with that number, or None (also for numbers no ticket can have)."""
    if not 1 <= number <= MAX_TICKET_NUMBER:
        return None
    return db.get(Ticket, number)
