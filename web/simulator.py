"""`/simulator`: a local chat page that plays any WhatsApp number (console transport only).

Registered only when MESSAGING_TRANSPORT is console, and answering only clients on this
machine: it lets its user speak as any supervisor, so it must never face a network.
Messages are stored like Twilio's and run at once through the inbox workers' own path.

Being on this machine is not enough: a web page on another site can make the browser
reach 127.0.0.1 under the site's own name (DNS rebinding). So the `Host` must be a
loopback name or PUBLIC_BASE_URL's host, and a POST from a browser must come from this
very origin (`Origin`, `Sec-Fetch-Site`).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

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
from web.guard import csrf_ok, runtime

bp = Blueprint("simulator", __name__, url_prefix="/simulator")
MAX_BODY = 4000   # longer than WhatsApp allows, so the bot's own limit can be tried
# Larger than the store takes, so a too-large photo meets the bot's own polite refusal.
MAX_UPLOAD = 4 * MAX_BYTES


def _loopback_address(text: str) -> bool:
    try:
        return ipaddress.ip_address(text).is_loopback
    except ValueError:
        return False


def _local_name(host: str, configured: str) -> bool:
    """Whether a `Host` names this machine: localhost, a loopback address or the
    configured PUBLIC_BASE_URL host (any port)."""
    try:
        name = (urlsplit("//" + host).hostname or "").rstrip(".")
    except ValueError:
        return False
    return name == "localhost" or _loopback_address(name) or (
        bool(name) and name == (urlsplit(configured).hostname or "").rstrip("."))


def _same_origin() -> bool:
    """A browser's POST comes from the simulator's own page, not from another site."""
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin")
    if origin is None:          # not a browser: no other site's page can be behind it
        return True
    parts = urlsplit(origin)
    return parts.scheme == request.scheme and parts.netloc.lower() == request.host.lower()


@bp.before_request
def _local_only():
    if not _loopback_address(request.remote_addr or ""):
        abort(404)
    if not _local_name(request.host, runtime().settings.public_base_url):
        abort(404)
    if request.method == "POST" and not _same_origin():
        return jsonify(error="origin"), 403
    request.max_content_length = MAX_UPLOAD
    return None


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
