"""Where a ticket's evidence photo can be seen: one function, so the link can change.

For now the dashboard's ticket page, anchored at the photo (supervisors log in to see it);
signed photo links served by the app can replace it here alone.
"""

from __future__ import annotations

from services.core.settings import Settings


def evidence_link(settings: Settings, ticket_id: int, index: int) -> str:
    """The link to evidence photo `index` (1-based) of ticket `ticket_id`."""
    return f"{settings.public_base_url.rstrip('/')}/dashboard/tickets/{ticket_id}#bukti-{index}"
