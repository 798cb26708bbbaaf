"""Transports behind a small registry: `twilio` sends for real, `console` logs and stores.

Only the Twilio transport imports `twilio.rest`, and it builds its client lazily.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from services.core.settings import Settings
from services.people.phones import mask_phone, whatsapp_address

log = logging.getLogger(__name__)

# Twilio error codes worth another try, and those that can never succeed.
RETRYABLE_CODES = frozenset({20429, 63018})
PERMANENT_CODES = frozenset({21211, 21610, 63016})


@dataclass(frozen=True)
class Outgoing:
    to: str                                  # E.164
    body: str
    content_sid: str | None = None
    content_variables: dict[str, Any] | None = None
    status_callback: str | None = None
    media_urls: tuple[str, ...] = ()        # what Twilio fetches and WhatsApp shows


@dataclass(frozen=True)
class SendResult:
    sid: str
    status: str
    # A message found again after a crash may already have failed at the provider.
    error_code: int | None = None
    error_message: str | None = None


class TransportError(Exception):
    """A send that failed; `retryable` says whether trying again can help."""

    def __init__(self, retryable: bool, code: int | None = None, message: str = "",
                 http_status: int | None = None) -> None:
        super().__init__(f"{code or http_status or 'network'}: {message}")
        self.retryable, self.code, self.message, self.http_status = (
            retryable, code, message, http_status)


class Transport(Protocol):
    name: str

    def send(self, message: Outgoing) -> SendResult:
        """Hand one message over; raise TransportError on failure."""
        ...

    def find_sent(self, message: Outgoing, since: datetime,
                  known: frozenset[str] = frozenset(),
                  elsewhere: frozenset[str] = frozenset()) -> SendResult | None:
        """After a crash or an unclear failure mid-send: the message if it did reach the
        provider (one created since `since` whose SID is not in `known`), else None.
        `elsewhere`: bodies of our other messages to that number that may be at the
        provider with no SID known to us yet; one of those is not this message."""
        ...


class ConsoleTransport:
    """Logs each message (phone masked) and gives it a local SID; sends nothing."""

    name = "console"

    def __init__(self) -> None:
        self.sent: list[tuple[str, Outgoing]] = []
        self._lock = threading.Lock()

    def send(self, message: Outgoing) -> SendResult:
        sid = "SMconsole" + uuid.uuid4().hex[:23]
        with self._lock:
            self.sent.append((sid, message))
        log.info("console → %s: %s%s", mask_phone(message.to),
                 message.body.splitlines()[0][:80] if message.body else message.content_sid,
                 f" [+{len(message.media_urls)} media]" if message.media_urls else "")
        return SendResult(sid=sid, status="logged")

    def find_sent(self, message: Outgoing, since: datetime,
                  known: frozenset[str] = frozenset(),
                  elsewhere: frozenset[str] = frozenset()) -> SendResult | None:
        return None


class TwilioTransport:
    """Sends through `twilio.rest.Client`; `TWILIO_API_BASE_URL` redirects the client."""

    name = "twilio"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client = None
        self._lock = threading.Lock()

    @property
    def client(self):
        with self._lock:
            if self._client is None:
                self._client = twilio_client(self.settings)
            return self._client

    def send(self, message: Outgoing) -> SendResult:
        kwargs: dict[str, Any] = {"to": whatsapp_address(message.to),
                                  "from_": _from_address(self.settings.twilio_whatsapp_from)}
        if message.content_sid:
            kwargs["content_sid"] = message.content_sid
            kwargs["content_variables"] = json.dumps(message.content_variables or {})
        else:
            kwargs["body"] = message.body
            if message.media_urls:
                kwargs["media_url"] = list(message.media_urls)
        if message.status_callback:
            kwargs["status_callback"] = message.status_callback
        try:
            created = self.client.messages.create(**kwargs)
        except Exception as exc:
            raise classify(exc) from exc
        return SendResult(sid=created.sid, status=created.status or "queued")

    def find_sent(self, message: Outgoing, since: datetime,
                  known: frozenset[str] = frozenset(),
                  elsewhere: frozenset[str] = frozenset()) -> SendResult | None:
        try:
            recent = self.client.messages.list(to=whatsapp_address(message.to),
                                               date_sent_after=since, limit=50)
        except Exception as exc:
            raise classify(exc) from exc
        for item in recent:
            created = item.date_created
            if item.sid not in known and _same(message, item.body or "", elsewhere) \
                    and created and created >= since:
                code = item.error_code if isinstance(item.error_code, int) else None
                return SendResult(sid=item.sid, status=item.status or "queued",
                                  error_code=code, error_message=item.error_message or None)
        return None


def _same(message: Outgoing, body: str, elsewhere: frozenset[str]) -> bool:
    """Whether a message Twilio holds, with this body, can be ours: a free text by its body;
    a template (its body at Twilio is the rendered template, not ours) unless the body is
    that of another message of ours that may be at Twilio too."""
    if message.content_sid is None:
        return body == message.body
    return body not in elsewhere


def twilio_client(settings: Settings):
    """A `twilio.rest.Client` for the account, pointed at TWILIO_API_BASE_URL when set."""
    from twilio.http.http_client import TwilioHttpClient
    from twilio.rest import Client

    # Both log each request's URL at INFO/DEBUG, and a Messages list query carries the
    # recipient's number (a media URL its account and message): never in the logs.
    for name in ("twilio.http_client", "urllib3.connectionpool"):
        logging.getLogger(name).setLevel(logging.WARNING)
    client = Client(settings.twilio_account_sid, settings.twilio_auth_token,
                    http_client=TwilioHttpClient(timeout=settings.twilio_timeout_seconds))
    if settings.twilio_api_base_url:
        client.api.base_url = settings.twilio_api_base_url
    return client


def _from_address(value: str) -> str:
    return value if value.startswith("whatsapp:") else f"whatsapp:{value}"


def classify(exc: Exception) -> TransportError:
    """Map a Twilio or network exception to retry-or-fail."""
    from twilio.base.exceptions import TwilioRestException

    if isinstance(exc, TwilioRestException):
        code = exc.code if isinstance(exc.code, int) else None
        status = exc.status
        if code in PERMANENT_CODES:
            retryable = False
        elif code in RETRYABLE_CODES or status == 429 or status >= 500:
            retryable = True
        else:
            retryable = False
        return TransportError(retryable, code, str(exc.msg), status)
    # requests' connection errors and time-outs, and anything unexpected on the wire
    return TransportError(True, None, f"{type(exc).__name__}: {exc}")


def make_transport(settings: Settings) -> Transport:
    """The transport the configuration names."""
    if settings.transport == "twilio":
        return TwilioTransport(settings)
    return ConsoleTransport()
