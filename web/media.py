"""Stored media over HTTP: `/media/<signed token>` (what Twilio fetches for staff's
WhatsApp) and a ticket's files on the dashboard, for a supervisor in scope only.

Both answer 404 for anything they will not serve (a bad, altered or expired token; a
file of another ticket or outside the region), never saying which.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, send_file

from models import Staff
from services.core.context import Ctx
from services.media.catalogue import StoredFile, file_for_link, file_for_ticket
from services.tickets.errors import TicketError
from services.tickets.search import ticket_in_scope
from web.guard import runtime, supervisor_view

links = Blueprint("media", __name__)
board = Blueprint("dashboard_media", __name__, url_prefix="/dashboard")


def _send(found: StoredFile | None) -> Response:
    if found is None:
        abort(404)
    response = send_file(found.path, mimetype=found.content_type,
                         download_name=found.download_name, conditional=False)
    response.headers["Cache-Control"] = "private, no-store"   # a citizen's document
    return response


@links.get("/media/<token>")
def by_link(token: str) -> Response:
    """The one file a signed link names, while the link is valid."""
    rt = runtime()
    with rt.sessions() as db:
        found = file_for_link(db, rt.settings, token, rt.now())
    return _send(found)


@board.get("/tickets/<int:number>/media/<int:media_id>")
@supervisor_view()
def ticket_file(ctx: Ctx, supervisor: Staff, number: int, media_id: int) -> Response:
    """An attachment or evidence file of a ticket in the supervisor's region."""
    try:
        ticket_in_scope(ctx, supervisor, number)
    except TicketError:
        abort(404)
    return _send(file_for_ticket(ctx.db, ctx.settings, number, media_id))
