"""`POST /whatsapp/status`: Twilio's status callbacks in (`POST /whatsapp/inbound` is answered
ahead of Flask, in bot/inbound_door.py)."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request
from sqlalchemy.exc import DBAPIError

from bot.inbound_door import refusal
from bot.parse import BadRequest, parse_status
from bot.signature import signature_valid
from services.channel.delivery import record_status
from services.core.runtime import Runtime

log = logging.getLogger(__name__)
bp = Blueprint("whatsapp", __name__, url_prefix="/whatsapp")


def _runtime() -> Runtime:
    return current_app.extensions["layanan"]


@bp.before_request
def _check_signature() -> Response | None:
    # On every transport: with the console one too, or anyone reaching the port could
    # write as any staff number (the simulator has its own, local-only door).
    settings = _runtime().settings
    if not signature_valid(settings, request):
        log.warning("refused %s: missing or invalid X-Twilio-Signature", request.path)
        return refusal(403, "invalid signature")
    return None


@bp.post("/status")
def status() -> Response:
    try:
        update = parse_status(request.form)
    except BadRequest as exc:
        return refusal(400, str(exc))
    try:
        known = record_status(_runtime(), update.sid, update.status, update.error_code,
                              update.error_message)
    except DBAPIError:
        return refusal(503, "temporarily unavailable, please retry")
    if not known:
        # Before the send's answer was read, or not ours: kept to be applied with the SID.
        log.info("status %s for a message not known yet (%s): kept", update.status, update.sid)
    return Response(status=204)
