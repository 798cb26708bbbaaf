"""The refusal every ticket use case raises; the doors turn it into words."""

from __future__ import annotations

from typing import Any


class TicketError(Exception):
    """A refusal the user should read; `code` picks the template wording."""

    def __init__(self, code: str, ticket_id: int | None = None, **details: Any) -> None:
        super().__init__(code)
        self.code, self.ticket_id, self.details = code, ticket_id, details
