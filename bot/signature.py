"""Twilio's `X-Twilio-Signature`, checked with the SDK's RequestValidator."""

from __future__ import annotations

from flask import Request
from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)

from services.core.settings import Settings


def public_url(settings: Settings, request: Request) -> str:
    """The URL Twilio called: PUBLIC_BASE_URL + path (+ query), not what the proxy saw."""
    query = request.query_string.decode("latin-1")
    return settings.public_base_url + request.path + (f"?{query}" if query else "")


def signature_valid(settings: Settings, request: Request) -> bool:
    """True when the request is signed by our Twilio account over every form field."""
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not signature or not settings.twilio_auth_token:
        return False
    algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
    validator = RequestValidator(settings.twilio_auth_token)
    return validator.validate(public_url(settings, request), request.form, signature,
                              algorithm=algorithm)
