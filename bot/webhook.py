"""`POST /whatsapp/inbound` and `POST /whatsapp/status`: Twilio's doors in."""

from __future__ import annotations

import logging
from functools import cache

from flask import Blueprint, Response, current_app, request
from sqlalchemy.exc import DBAPIError
from twilio.twiml.messaging_response import MessagingResponse

from bot.parse import BadRequest, parse_inbound, parse_status
from bot.signature import signature_valid
from services.channel.delivery import record_status
from services.channel.inbound import store_inbound
from services.core.runtime import Runtime

log = logging.getLogger(__name__)
bp = Blueprint("whatsapp", __name__, url_prefix="/whatsapp")


def _runtime() -> Runtime:
    return current_app.extensions["layanan"]


@cache
def _empty_twiml() -> str:
    # The same few bytes on every webhook: rendered once (the SDK builds an XML tree).
    return str(MessagingResponse())


def _twiml() -> Response:
    return Response(_empty_twiml(), mimetype="text/xml")


def _refuse(status: int, reason: str) -> Response:
    return Response(reason + "\n", status=status, mimetype="text/plain")


@bp.before_request
def _check_signature() -> Response | None:
    # On every transport: with the console one too, or anyone reaching the port could
    # write as any staff number (the simulator has its own, local-only door).
    settings = _runtime().settings
    if not signature_valid(settings, request):
        log.warning("refused %s: missing or invalid X-Twilio-Signature", request.path)
        return _refuse(403, "invalid signature")
    return None


@bp.post("/inbound")
def inbound() -> Response:
    try:
        message = parse_inbound(request.form)
    except BadRequest as exc:
        return _refuse(400, str(exc))
    try:
        store_inbound(_runtime(), message)
    except DBAPIError:
        log.exception("database unavailable while receiving %s", message.sid)
        return _refuse(503, "temporarily unavailable, please retry")
    # Stored only: a worker runs the conversation, and its replies travel through the
    # outbox (each gets a SID for quote-replies and status).
    return _twiml()


@bp.post("/status")
def status() -> Response:
    try:
        update = parse_status(request.form)
    except BadRequest as exc:
        return _refuse(400, str(exc))
    try:
        known = record_status(_runtime(), update.sid, update.status, update.error_code,
                              update.error_message)
    except DBAPIError:
        return _refuse(503, "temporarily unavailable, please retry")
    if not known:
        log.info("status %s for unknown message %s", update.status, update.sid)
    return Response(status=204)
