"""Expiring signed links to one stored file: what Twilio fetches to show staff a photo.

A token names one media row and the instant it stops working, signed with SECRET_KEY
(itsdangerous' HMAC signer, salted for this use only); the time comes from the runtime's
clock. Every process that serves links must share SECRET_KEY.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, Signer

from services.core.settings import Settings

SALT = "layanan-rw.media-link"
PATH = "/media/"


def _signer(settings: Settings) -> Signer:
    return Signer(settings.secret_key, salt=SALT, key_derivation="hmac",
                  digest_method=hashlib.sha256)


def media_token(settings: Settings, media_id: int, now: datetime) -> str:
    """A token for this media row, valid MEDIA_LINK_HOURS from `now`."""
    expires = int((now + timedelta(hours=settings.media_link_hours)).timestamp())
    return _signer(settings).sign(f"{media_id}.{expires}").decode()


def token_media_id(settings: Settings, token: str, now: datetime) -> int | None:
    """The media row a token names, or None when it is forged, altered or expired."""
    try:
        value = _signer(settings).unsign(token.encode()).decode()
    except (BadSignature, UnicodeError):
        return None
    media_id, _, expires = value.partition(".")
    if not (media_id.isdigit() and expires.isdigit()):
        return None
    if now >= datetime.fromtimestamp(int(expires), UTC):
        return None
    return int(media_id)


def media_path(settings: Settings, media_id: int, now: datetime) -> str:
    """`/media/<token>`: for pages of this app (the simulator)."""
    return PATH + media_token(settings, media_id, now)


def media_url(settings: Settings, media_id: int, now: datetime) -> str:
    """`PUBLIC_BASE_URL/media/<token>`: the MediaUrl of an outbound message."""
    return settings.public_base_url + media_path(settings, media_id, now)
