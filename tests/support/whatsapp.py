"""Test doubles at the edges only: signed Twilio webhooks in, Twilio's REST API mocked."""

from __future__ import annotations

import itertools
import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import parse_qs, urlsplit

import responses
from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token"
BOT_NUMBER = "+14155238886"
PUBLIC_BASE_URL = "http://localhost"
MESSAGES_URL = re.compile(r"https://api\.twilio\.com/2010-04-01/Accounts/AC0+/Messages\.json")

TWILIO_SETTINGS = {
    "MESSAGING_TRANSPORT": "twilio",
    "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
    "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
    "TWILIO_WHATSAPP_FROM": BOT_NUMBER,
    "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
    "OUTBOX_BACKOFF_SECONDS": 0,
}


def twilio_server_settings(server, timeout: float = 0.5) -> dict:
    """Settings that send through a FakeTwilioServer over HTTP (short client time-out)."""
    return {**TWILIO_SETTINGS, "TWILIO_API_BASE_URL": server.base_url,
            "TWILIO_TIMEOUT_SECONDS": timeout, "OUTBOX_LEASE_SECONDS": max(5, 4 * timeout)}


def sign(url: str, form: dict) -> str:
    return RequestValidator(AUTH_TOKEN).compute_signature(url, form)


def post_signed(client, path: str, form: dict, signature: str | None = None,
                drain: bool = True):
    """POST a form as Twilio would, signed over PUBLIC_BASE_URL + path.

    The webhook only stores a message; with `drain` the inbox is then run here, as a
    worker would, so a test reads the replies at once (the apps under test run no worker
    thread of their own: RUN_WORKER=0)."""
    headers = {"X-Twilio-Signature": signature if signature is not None
               else sign(PUBLIC_BASE_URL + path, form)}
    response = client.post(path, data=form, headers=headers)
    if drain and path == "/whatsapp/inbound" and response.status_code == 200:
        drain_inbox(client.application.extensions["layanan"])
    return response


def drain_inbox(rt) -> dict[str, int]:
    """Run every inbound message that is due, as the workers would."""
    from services.channel.inbox import process_due

    return process_due(rt, rt.handler)


@dataclass
class Sent:
    sid: str
    to: str
    body: str | None
    content_sid: str | None
    content_variables: dict | None
    status_callback: str | None


@dataclass
class FakeTwilio:
    """Twilio's Messages endpoint, via `responses`: records sends, answers 201 or a script."""

    sent: list[Sent] = field(default_factory=list)
    script: list[tuple[int, dict]] = field(default_factory=list)   # failures to answer first
    calls: int = 0
    _ids: itertools.count = field(default_factory=itertools.count)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, status: int, code: int | None = None, times: int = 1) -> None:
        for _ in range(times):
            self.script.append((status, {"code": code, "message": f"fake {status}",
                                         "status": status}))

    def callback(self, request):
        form = {k: v[0] for k, v in parse_qs(request.body).items()}
        with self._lock:
            self.calls += 1
            if self.script:
                status, body = self.script.pop(0)
                return status, {}, json.dumps(body)
            sid = f"SM{next(self._ids):032d}"
            self.sent.append(Sent(sid, form["To"].removeprefix("whatsapp:"), form.get("Body"),
                                  form.get("ContentSid"),
                                  json.loads(form["ContentVariables"])
                                  if "ContentVariables" in form else None,
                                  form.get("StatusCallback")))
        return 201, {}, json.dumps({"sid": sid, "status": "queued", "to": form["To"],
                                    "body": form.get("Body")})

    def to(self, phone: str) -> list[str]:
        """Bodies delivered to `phone`, in order."""
        return [s.body or "" for s in self.sent if s.to == phone]

    def list_callback(self, request):
        """`GET Messages.json?To=…`: what was sent to that number, newest first."""
        to = (parse_qs(urlsplit(request.url).query).get("To") or [""])[0]
        stamp = format_datetime(datetime.now(UTC), usegmt=True)
        with self._lock:
            items = [s for s in self.sent if not to or "whatsapp:" + s.to == to]
        return 200, {}, json.dumps({"messages": [
            {"sid": s.sid, "to": "whatsapp:" + s.to, "body": s.body or "", "status": "queued",
             "date_created": stamp} for s in reversed(items)],
            "next_page_uri": None, "page": 0, "page_size": 50, "uri": request.url})


class Phone:
    """A WhatsApp user writing to the bot through the signed webhook."""

    def __init__(self, client, number: str, profile_name: str = "Warga") -> None:
        self.client, self.number, self.profile_name = client, number, profile_name

    def form(self, body: str = "", **extra: str) -> dict:
        form = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": ACCOUNT_SID,
                "From": f"whatsapp:{self.number}", "To": f"whatsapp:{BOT_NUMBER}",
                "Body": body, "NumMedia": "0", "ProfileName": self.profile_name,
                "WaId": self.number.lstrip("+")}
        form.update(extra)
        return form

    def send(self, body: str = "", **extra: str):
        response = post_signed(self.client, "/whatsapp/inbound", self.form(body, **extra))
        assert response.status_code == 200, response.data
        return response


def fake_twilio_endpoint(rsps: responses.RequestsMock) -> FakeTwilio:
    fake = FakeTwilio()
    rsps.add_callback(responses.POST, MESSAGES_URL, callback=fake.callback,
                      content_type="application/json")
    rsps.add_callback(responses.GET, MESSAGES_URL, callback=fake.list_callback,
                      content_type="application/json")
    return fake
