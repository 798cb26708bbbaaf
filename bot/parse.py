"""Twilio's inbound form → `Inbound`, with the checks that can refuse a request."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from services.channel.inbound import Inbound
from services.people.phones import PhoneError, normalize_phone


class BadRequest(ValueError):
    """The form cannot be a WhatsApp message to us; the text is the 4xx explanation."""


@dataclass(frozen=True)
class StatusUpdate:
    """A status callback for one of our outbound messages."""

    sid: str
    status: str
    error_code: int | None
    error_message: str | None


def _text(form: Mapping[str, str], key: str) -> str:
    # PostgreSQL text (and JSONB) cannot hold NUL: a stray one must not become a 503
    # that Twilio would retry for ever.
    return (form.get(key) or "").replace("\x00", "")


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
    return [{"url": _text(form, f"MediaUrl{i}"),
             "content_type": _text(form, f"MediaContentType{i}").lower()}
            for i in range(count) if _text(form, f"MediaUrl{i}")]


def parse_inbound(form: Mapping[str, str]) -> Inbound:
    """Read the fields we keep; raise BadRequest when the request is not usable."""
    sid = (_text(form, "MessageSid") or _text(form, "SmsMessageSid")).strip()
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
        body=_text(form, "Body"),
        media=_media(form),
        latitude=_float(form.get("Latitude")),
        longitude=_float(form.get("Longitude")),
        replied_sid=_text(form, "OriginalRepliedMessageSid")[:64] or None,
        profile_name=_text(form, "ProfileName")[:120] or None,
    )


def parse_status(form: Mapping[str, str]) -> StatusUpdate:
    """Read a status callback; raise BadRequest when it names no message or no status."""
    sid = (_text(form, "MessageSid") or _text(form, "SmsSid")).strip()
    status = (_text(form, "MessageStatus") or _text(form, "SmsStatus")).strip()
    if not sid or not status or len(sid) > 64 or len(status) > 16:
        raise BadRequest("MessageSid and MessageStatus are required")
    code_text = _text(form, "ErrorCode").strip()
    # Twilio's codes are five digits; '²'.isdigit() is True but int('²') fails.
    code = int(code_text) if code_text.isascii() and code_text.isdigit() \
        and len(code_text) <= 9 else None
    return StatusUpdate(sid, status, code, _text(form, "ErrorMessage")[:1000] or None)
