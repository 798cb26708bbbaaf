"""Twilio's inbound form → `Inbound`, with the checks that can refuse a request."""

from __future__ import annotations

from collections.abc import Mapping

from services.inbound import Inbound
from services.phones import PhoneError, normalize_phone


class BadRequest(ValueError):
    """The form cannot be a WhatsApp message to us; the text is the 4xx explanation."""


def _float(value: str | None) -> float | None:
    try:
        number = float(value) if value not in (None, "") else None
    except ValueError:
        return None
    if number is None or number != number or abs(number) > 180:  # NaN or off the globe
        return None
    return number


def _media(form: Mapping[str, str]) -> list[dict[str, str]]:
    try:
        count = min(int(form.get("NumMedia") or 0), 10)
    except ValueError:
        count = 0
    return [{"url": form.get(f"MediaUrl{i}", ""),
             "content_type": (form.get(f"MediaContentType{i}") or "").lower()}
            for i in range(count) if form.get(f"MediaUrl{i}")]


def parse_inbound(form: Mapping[str, str]) -> Inbound:
    """Read the fields we keep; raise BadRequest when the request is not usable."""
    sid = (form.get("MessageSid") or form.get("SmsMessageSid") or "").strip()
    if not sid or len(sid) > 64:
        raise BadRequest("MessageSid is missing or malformed")
    sender = (form.get("From") or "").strip()
    if not sender.lower().startswith("whatsapp:"):
        raise BadRequest("only WhatsApp senders are served on this number")
    try:
        phone = normalize_phone(sender)
    except PhoneError:
        raise BadRequest("the sender's number cannot be read") from None
    return Inbound(
        sid=sid,
        phone=phone,
        body=form.get("Body") or "",
        media=_media(form),
        latitude=_float(form.get("Latitude")),
        longitude=_float(form.get("Longitude")),
        replied_sid=(form.get("OriginalRepliedMessageSid") or None),
        profile_name=(form.get("ProfileName") or "")[:120] or None,
    )
