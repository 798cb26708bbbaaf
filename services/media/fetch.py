"""Twilio's side of a media item: download it with the account's credentials, delete it after.

Only URLs on the Twilio API host (TWILIO_API_BASE_URL's, else api.twilio.com) are ever
requested: the account's credentials go nowhere else. Twilio answers a media URL with a
redirect to its storage; `requests` drops the Authorization header when the redirect leaves
the host, which is what that storage expects. Nothing here logs a URL: it names the
account and the message.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

import requests

from services.core.settings import Settings
from services.core.transport import classify, twilio_client
from services.media.kinds import MAX_BYTES, SIZE

log = logging.getLogger(__name__)

TWILIO_API = "https://api.twilio.com"
DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_REDIRECTS = 5
CHUNK = 64 * 1024
MEDIA_PATH = re.compile(
    r"^/2010-04-01/Accounts/(AC[0-9a-fA-F]{32})/Messages/([A-Z]{2}\w{1,62})/Media/(ME\w{1,62}?)"
    r"(?:\.json)?$")


class FetchError(Exception):
    """A download or deletion that did not work; `retryable` says whether to try again."""

    def __init__(self, reason: str, retryable: bool) -> None:
        super().__init__(reason)
        self.reason, self.retryable = reason, retryable


def _origin(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url)
    except ValueError:   # e.g. a malformed IPv6 host: not a URL we fetch
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname or parts.username or parts.password:
        return None
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:   # a port that is not a number
        return None
    return scheme, parts.hostname.lower(), port


def on_twilio_host(settings: Settings, url: str) -> bool:
    """Whether the URL is on the Twilio API host (same scheme, host and port)."""
    found = _origin(url)
    return found is not None and found == _origin(settings.twilio_api_base_url or TWILIO_API)


def _read_limited(response: requests.Response) -> bytes:
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > MAX_BYTES:
        raise FetchError(SIZE, retryable=False)
    data = bytearray()
    for chunk in response.iter_content(CHUNK):
        data += chunk
        if len(data) > MAX_BYTES:   # no Content-Length, or a wrong one: stop reading
            raise FetchError(SIZE, retryable=False)
    return bytes(data)


def download(settings: Settings, url: str) -> bytes:
    """The item's bytes; FetchError when it cannot (yet) be had, or is too large."""
    if not on_twilio_host(settings, url):
        raise FetchError("host", retryable=False)   # checked at intake too; never requested
    with requests.Session() as session:
        session.max_redirects = MAX_REDIRECTS
        try:
            with session.get(url, auth=(settings.twilio_account_sid,
                                        settings.twilio_auth_token),
                             timeout=settings.twilio_timeout_seconds, stream=True) as response:
                status = response.status_code
                if status == 200:
                    return _read_limited(response)
        except requests.TooManyRedirects:
            raise FetchError("redirects", retryable=False) from None
        except requests.RequestException as exc:
            raise FetchError(f"network:{type(exc).__name__}"[:24], retryable=True) from None
    raise FetchError(f"http_{status}", retryable=status in (408, 425, 429) or status >= 500)


def media_sids(url: str) -> tuple[str, str, str] | None:
    """(account, message, media) SIDs of a Twilio media URL, else None."""
    try:
        found = MEDIA_PATH.match(urlsplit(url).path)
    except ValueError:
        return None
    return (found.group(1), found.group(2), found.group(3)) if found else None


def delete_at_twilio(settings: Settings, url: str) -> bool:
    """Delete Twilio's copy (the Messages Media resource); True once it is gone there.

    False when the URL names no media resource we can delete (nothing to do); FetchError
    when Twilio could not be asked or said no.
    """
    sids = media_sids(url) if on_twilio_host(settings, url) else None
    if sids is None:
        return False
    from twilio.base.exceptions import TwilioRestException

    account, message, media = sids
    try:
        twilio_client(settings).api.v2010.accounts(account).messages(message).media(
            media).delete()
    except TwilioRestException as exc:
        if exc.status == 404:   # already gone (deleted before, or expired): the aim is met
            return True
        error = classify(exc)
        raise FetchError(f"delete_{exc.status}", retryable=error.retryable) from None
    except Exception as exc:   # network errors and time-outs of the client
        raise FetchError(f"delete_network:{type(exc).__name__}"[:24], retryable=True) from None
    return True
