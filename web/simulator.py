"""`/simulator`: a local chat page that plays any WhatsApp number (console transport only).

Registered only when MESSAGING_TRANSPORT is console, and answering only clients on this
machine: it lets its user speak as any supervisor, so it must never face a network.
Messages go through the same `receive_inbound` and conversation handler as Twilio's webhook.
"""

from __future__ import annotations

import ipaddress

from flask import Blueprint, abort, jsonify, render_template, request

from services.channel.simulator import (
    balai_places,
    conversation,
    simulate_inbound,
    simulator_people,
)
from services.media.intake import accept_upload
from services.media.kinds import MAX_BYTES
from services.people.phones import PhoneError
from web.guard import csrf_ok, runtime, secure_headers

bp = Blueprint("simulator", __name__, url_prefix="/simulator")
bp.after_request(secure_headers)
MAX_BODY = 4000   # longer than WhatsApp allows, so the bot's own limit can be tried
# Larger than the store takes, so a too-large photo meets the bot's own polite refusal.
MAX_UPLOAD = 4 * MAX_BYTES


@bp.before_request
def _local_only():
    try:
        local = ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        local = False
    if not local:
        abort(404)
    request.max_content_length = MAX_UPLOAD


@bp.get("", strict_slashes=False)
def page():
    """The chat page: pick a person, write, watch the replies arrive."""
    rt = runtime()
    return render_template("pages/simulator.html", people=simulator_people(rt),
                           places=balai_places(rt),
                           dashboard_url=f"{rt.settings.public_base_url}/dashboard")


def _number(value: object) -> float | None:
    try:
        return float(value) if value not in (None, "") else None  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


@bp.post("/send")
def send():
    """Receive one message from the page as if WhatsApp delivered it."""
    if not csrf_ok():
        return jsonify(error="csrf"), 400
    data = request.get_json(silent=True) if request.is_json else request.form
    if not isinstance(data, dict):
        return jsonify(error="json"), 400
    body = str(data.get("body") or "")[:MAX_BODY]
    photo = request.files.get("photo")
    media = [accept_upload(runtime().settings, photo.read(), photo.mimetype or "")] \
        if photo is not None and photo.filename else []
    latitude, longitude = _number(data.get("latitude")), _number(data.get("longitude"))
    if not (body.strip() or media or (latitude is not None and longitude is not None)):
        return jsonify(error="empty"), 400
    try:
        outcome = simulate_inbound(
            runtime(), runtime().handler, str(data.get("phone") or ""), body,
            media=media, latitude=latitude, longitude=longitude,
            replied_sid=str(data.get("replied_sid") or "")[:64] or None,
            profile_name=str(data.get("name") or "") or None)
    except PhoneError:
        return jsonify(error="phone"), 400
    return jsonify(id=outcome.message_id, rate_limited=outcome.rate_limited,
                   failed=outcome.failed)


@bp.get("/messages")
def messages():
    """The chosen number's conversation, polled by the page about once a second."""
    try:
        return jsonify(messages=conversation(runtime(), request.args.get("phone", "")))
    except PhoneError:
        return jsonify(error="phone"), 400
