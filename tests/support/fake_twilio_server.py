"""A local fake of Twilio's Messages REST API, served over real HTTP on 127.0.0.1.

Point the app at it with `TWILIO_API_BASE_URL=<server.base_url>`; the app's own
`twilio.rest.Client` then talks to it exactly as to api.twilio.com (nothing is mocked
inside the process, so it works for gunicorn workers and the scheduler too).

    with FakeTwilioServer() as fake:
        ...                                    # the app sends; fake.created records it
        fake.fault("500", count=10)            # the next 10 calls answer 500
        fake.fault("429", seconds=3)           # 429 (code 20429) for three seconds
        fake.fault("hang", count=2, hang_seconds=2, accept=True)
        fake.recover()                         # answer normally again
        fake.reject("+6281200000101", 63024)   # every send to that number: 400, code 63024

Faults:
- `500` / `503`: a Twilio error body with that HTTP status (nothing is created).
- `429`: Too Many Requests, Twilio code 20429 (nothing is created).
- `hang`: wait `hang_seconds` (make it longer than the client's timeout) before
  answering 201. With `accept=True` the message *is* created before the wait, as when
  Twilio took it but the answer was lost; with `accept=False` it is not.
- `drop`: close the connection without answering (nothing is created).
- `reject(phone, code)`: every create to that number answers 400 with that Twilio error
  code (a permanent failure: WhatsApp's 63024 "not a WhatsApp number", 21610 opted out …)
  until `recover()`; `accept_all()` lifts only these.

`GET …/Messages.json` lists created messages newest first, filtered by `To` and
`DateSent>` (what `TwilioTransport.find_sent` asks after a crash mid-send).

Media (tests/support/fake_twilio_media.py): `fake.add_media(data, "image/jpeg")` holds a
file behind basic auth and returns its MediaUrl for an inbound form; a GET redirects to a
storage host that refuses the Authorization header; `DELETE …/Media/ME….json` removes it
(`fake.media.deleted`, `fake.media.asked("media")`). With `fetch_media=True` the fake
fetches each MediaUrl of a message it accepts, as Twilio does before sending
(`Created.media_fetched`). `fake.status_form(sid, "failed", 63024)` is a signed status
callback for a test client; `fake.post_status(...)` posts it over HTTP.
`fake.before_answer = hook` calls `hook(created)` for each message it accepts before it
answers the create: Twilio may post a status callback (a quick `failed`) before the
sender has read the send's answer.

Other processes can drive a server started with `python -m tests.support.fake_twilio_server`:
`POST /_fake/fault` (JSON: kind, count, seconds, hang_seconds, accept, applies_to),
`POST /_fake/recover`, `GET /_fake/messages`, `POST /_fake/reset`.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import requests
from twilio.request_validator import RequestValidator

from tests.support.fake_twilio_media import MediaStore, handle_media, sha256

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token"
MESSAGES = re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Messages\.json$")
FAULT_KINDS = ("500", "503", "429", "hang", "drop")


@dataclass
class Created:
    """One message Twilio accepted (answered 201 or, for `hang` + accept, took and hung)."""

    sid: str
    to: str                          # E.164, without the `whatsapp:` prefix
    from_: str
    body: str | None
    content_sid: str | None
    content_variables: dict | None
    status_callback: str | None
    date_created: datetime
    answered: bool = True            # False when the client never got the 201
    received_at: float = 0.0         # time.time() when the create arrived (latency figures)
    media_urls: list[str] = field(default_factory=list)
    # (HTTP status, Content-Type, SHA-256) of each MediaUrl, fetched when accepted
    media_fetched: list[tuple[int, str, str]] = field(default_factory=list)

    def resource(self, account: str) -> dict:
        """The JSON Twilio returns for a message."""
        stamp = format_datetime(self.date_created.astimezone(UTC), usegmt=True)
        return {"sid": self.sid, "account_sid": account, "api_version": "2010-04-01",
                "to": "whatsapp:" + self.to, "from": self.from_, "body": self.body or "",
                "status": "queued", "direction": "outbound-api", "num_segments": "1",
                "num_media": str(len(self.media_urls)), "date_created": stamp,
                "date_updated": stamp, "date_sent": stamp, "error_code": None,
                "error_message": None,
                "price": None, "price_unit": "USD", "messaging_service_sid": None,
                "uri": f"/2010-04-01/Accounts/{account}/Messages/{self.sid}.json",
                "subresource_uris": {}}


@dataclass
class Call:
    """One request the server answered (or dropped), for assertions on retries."""

    method: str
    kind: str          # create, list, other
    status: int        # HTTP status answered, 0 when dropped
    to: str | None
    at: float


@dataclass
class Fault:
    kind: str
    count: int | None = None            # how many calls it still applies to (None: no limit)
    until: float | None = None          # monotonic deadline (None: until recovered)
    hang_seconds: float = 2.0
    accept: bool = True
    applies_to: tuple[str, ...] = ("create", "list")

    def active(self, now: float) -> bool:
        return (self.count is None or self.count > 0) and (self.until is None or now < self.until)


@dataclass
class FakeTwilioServer:
    """Twilio's Messages API on 127.0.0.1; thread-safe; a context manager."""

    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    fetch_media: bool = False       # fetch each MediaUrl of an accepted message
    clock: Callable[[], datetime] | None = None   # date_created; default the real time
    host: str = "127.0.0.1"
    port: int = 0
    created: list[Created] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    rejected: dict[str, int] = field(default_factory=dict)   # E.164 → Twilio error code
    before_answer: Callable[[Created], None] | None = None

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._stopping = threading.Event()
        self._per_phone: dict[str, int] = {}                  # creates per recipient
        self._waiting: dict[str, threading.Condition] = {}   # wait_for's, per recipient
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.media = MediaStore(self.account_sid, self.auth_token)

    # -- life cycle -------------------------------------------------------------------
    def start(self) -> FakeTwilioServer:
        """Listen (port 0: any free port) and serve in a daemon thread."""
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer((self.host, self.port), handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-twilio",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; hanging answers are released at once."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakeTwilioServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """What to put in TWILIO_API_BASE_URL."""
        return f"http://{self.host}:{self.port}"

    # -- behaviour --------------------------------------------------------------------
    def fault(self, kind: str, *, count: int | None = None, seconds: float | None = None,
              hang_seconds: float = 2.0, accept: bool = True,
              applies_to: tuple[str, ...] = ("create", "list")) -> None:
        """Misbehave for the next `count` calls and/or `seconds` (neither: until recover)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; one of {FAULT_KINDS}")
        until = time.monotonic() + seconds if seconds is not None else None
        with self._lock:
            self.faults.append(Fault(kind, count, until, hang_seconds, accept,
                                     tuple(applies_to)))

    def recover(self) -> None:
        """Answer normally from now on."""
        with self._lock:
            self.faults.clear()
            self.rejected.clear()

    def reject(self, phone: str, code: int = 63024) -> None:
        """Refuse every message to `phone` (E.164) with HTTP 400 and Twilio code `code`."""
        with self._lock:
            self.rejected[phone] = code

    def accept_all(self) -> None:
        """Stop refusing numbers (other faults stay)."""
        with self._lock:
            self.rejected.clear()

    def reset(self) -> None:
        """Forget everything recorded and every fault."""
        with self._lock:
            self.faults.clear()
            self.rejected.clear()
            self.created.clear()
            self.calls.clear()
            self._per_phone.clear()
            self.media.hits.clear()

    def add_media(self, data: bytes, content_type: str, *, chunked: bool = False) -> str:
        """Hold a file as the media of an inbound message; its MediaUrl (behind basic auth)."""
        return self.media.add(self.base_url, data, content_type, chunked=chunked)

    def status_form(self, sid: str, status: str, error_code: int | None = None,
                    url: str | None = None) -> tuple[str, dict[str, str], str]:
        """A status callback for an accepted message: (URL, form, X-Twilio-Signature)."""
        item = next(c for c in self.snapshot() if c.sid == sid)
        target = url or item.status_callback or ""
        form = {"MessageSid": sid, "SmsSid": sid, "AccountSid": self.account_sid,
                "MessageStatus": status, "SmsStatus": status, "To": "whatsapp:" + item.to,
                "From": item.from_, "ApiVersion": "2010-04-01"}
        if error_code is not None:
            form["ErrorCode"] = str(error_code)
        return target, form, RequestValidator(self.auth_token).compute_signature(target, form)

    def post_status(self, sid: str, status: str, error_code: int | None = None) -> int:
        """Post the signed status callback over HTTP, as Twilio does; the answer's status."""
        url, form, signature = self.status_form(sid, status, error_code)
        return requests.post(url, data=form, headers={"X-Twilio-Signature": signature},
                             timeout=5).status_code

    # -- reading what happened ----------------------------------------------------------
    def to(self, phone: str) -> list[str]:
        """Bodies accepted for `phone` (E.164), in order."""
        with self._lock:
            return [c.body or "" for c in self.created if c.to == phone]

    def by_recipient(self) -> dict[str, list[Created]]:
        """Accepted messages grouped by recipient, each list in acceptance order."""
        out: dict[str, list[Created]] = {}
        with self._lock:
            for item in self.created:
                out.setdefault(item.to, []).append(item)
        return out

    def wait_for(self, phone: str, count: int, timeout: float) -> bool:
        """Wait until `count` messages to `phone` (E.164) were accepted; False on time-out.

        One condition per recipient, so many waiting load-driver threads wake only for
        their own number."""
        deadline = time.monotonic() + timeout
        with self._lock:
            cond = self._waiting.setdefault(phone, threading.Condition(self._lock))
            while self._per_phone.get(phone, 0) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                cond.wait(left)
            return True

    def snapshot(self) -> list[Created]:
        """A copy of the accepted messages."""
        with self._lock:
            return list(self.created)

    def statuses(self) -> dict[int, int]:
        """How many calls got each HTTP status (0: dropped)."""
        counts: dict[int, int] = {}
        with self._lock:
            for call in self.calls:
                counts[call.status] = counts.get(call.status, 0) + 1
        return counts

    # -- used by the handler ------------------------------------------------------------
    def _now(self) -> datetime:
        return (self.clock or (lambda: datetime.now(UTC)))()

    def _take_fault(self, kind: str) -> Fault | None:
        now = time.monotonic()
        with self._lock:
            self.faults = [f for f in self.faults if f.active(now)]
            for fault in self.faults:
                if kind in fault.applies_to:
                    if fault.count is not None:
                        fault.count -= 1
                    return fault
        return None

    def _record_call(self, method: str, kind: str, status: int, to: str | None) -> None:
        with self._lock:
            self.calls.append(Call(method, kind, status, to, time.monotonic()))

    def _create(self, form: dict[str, str], answered: bool,
                media_urls: list[str] | None = None) -> Created:
        variables = form.get("ContentVariables")
        fetched = [self._fetch(url) for url in media_urls or []] if self.fetch_media else []
        with self._lock:
            item = Created(sid=f"SM{next(self._ids):032x}",
                           to=form.get("To", "").removeprefix("whatsapp:"),
                           from_=form.get("From", ""), body=form.get("Body"),
                           content_sid=form.get("ContentSid"),
                           content_variables=json.loads(variables) if variables else None,
                           status_callback=form.get("StatusCallback"),
                           date_created=self._now(), answered=answered,
                           media_urls=list(media_urls or []), media_fetched=fetched,
                           received_at=time.time())
            self.created.append(item)
            self._per_phone[item.to] = self._per_phone.get(item.to, 0) + 1
            waiting = self._waiting.get(item.to)
            if waiting is not None:
                waiting.notify_all()
        return item

    @staticmethod
    def _fetch(url: str) -> tuple[int, str, str]:
        """GET a MediaUrl as Twilio does before it sends (no credentials of ours)."""
        try:
            answer = requests.get(url, timeout=5)
        except requests.RequestException:
            return 0, "", ""
        return answer.status_code, answer.headers.get("Content-Type", ""), sha256(answer.content)

    def _list(self, query: dict[str, str]) -> list[Created]:
        to = query.get("To", "").removeprefix("whatsapp:") or None
        after = _parse_instant(query.get("DateSent>") or query.get("DateSent>=") or "")
        with self._lock:
            items = [c for c in self.created if (to is None or c.to == to)
                     and (after is None or c.date_created.replace(microsecond=0) >= after)]
        return list(reversed(items))

    def _hang(self, seconds: float) -> None:
        self._stopping.wait(seconds)


def _parse_instant(text: str) -> datetime | None:
    """Twilio's date filters: `YYYY-MM-DD` or ISO-8601 with `Z`."""
    text = text.strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _error(status: int, code: int | None, message: str) -> dict:
    return {"code": code, "message": message, "status": status,
            "more_info": f"https://www.twilio.com/docs/errors/{code or status}"}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeTwilioServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True   # no 40 ms stall between headers and body

    def log_message(self, *_args) -> None:  # keep test output quiet
        pass

    def _send_json(self, status: int, payload: object) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _fault_answer(self, fault: Fault, kind: str, to: str | None) -> bool:
        """Answer as the fault says; True when the request is fully handled."""
        fake = self.fake
        if fault.kind == "drop":
            fake._record_call(self.command, kind, 0, to)
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return True
        if fault.kind == "hang":
            return False  # handled by the caller (it may create first)
        status = int(fault.kind)
        code = 20429 if status == 429 else None
        fake._record_call(self.command, kind, status, to)
        self._send_json(status, _error(status, code, f"fake Twilio {status}"))
        return True

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        path = urlsplit(self.path).path
        body = self._read_body()
        if path.startswith("/_fake/"):
            self._control(path, body)
            return
        found = MESSAGES.match(path)
        if not found or found.group(1) != self.fake.account_sid:
            self._send_json(404, _error(404, 20404, "not found"))
            return
        lists = parse_qs(body.decode(), keep_blank_values=True)
        form = {k: v[0] for k, v in lists.items()}
        media_urls = lists.get("MediaUrl", [])
        to = form.get("To", "").removeprefix("whatsapp:")
        if not form.get("To") or not (form.get("Body") is not None or form.get("ContentSid")
                                      or media_urls):
            self.fake._record_call("POST", "create", 400, to)
            self._send_json(400, _error(400, 21604, "A 'To' and a Body or ContentSid needed"))
            return
        with self.fake._lock:
            refused = self.fake.rejected.get(to)
        if refused is not None:
            self.fake._record_call("POST", "create", 400, to)
            self._send_json(400, _error(400, refused, f"fake Twilio refuses {refused}"))
            return
        fault = self.fake._take_fault("create")
        if fault is not None and self._fault_answer(fault, "create", to):
            return
        if fault is not None:  # hang: maybe accept, then keep the client waiting
            item = self.fake._create(form, answered=False, media_urls=media_urls) \
                if fault.accept else None
            self.fake._record_call("POST", "create", 201 if item else 0, to)
            self.fake._hang(fault.hang_seconds)
            try:
                if item is not None:
                    self._send_json(201, item.resource(self.fake.account_sid))
                else:
                    self._send_json(503, _error(503, None, "fake Twilio gave up"))
            except OSError:
                pass  # the client timed out and went away, as intended
            return
        item = self.fake._create(form, answered=True, media_urls=media_urls)
        self.fake._record_call("POST", "create", 201, to)
        if self.fake.before_answer is not None:
            self.fake.before_answer(item)
        self._send_json(201, item.resource(self.fake.account_sid))

    def do_DELETE(self) -> None:  # noqa: N802
        if not handle_media(self, self.fake, "DELETE"):
            self._send_json(404, _error(404, 20404, "not found"))

    def do_GET(self) -> None:  # noqa: N802
        if handle_media(self, self.fake, "GET"):
            return
        parts = urlsplit(self.path)
        if parts.path == "/_fake/messages":
            self._send_json(200, [dict(asdict(c), date_created=c.date_created.isoformat())
                                  for c in self.fake.snapshot()])
            return
        found = MESSAGES.match(parts.path)
        if not found or found.group(1) != self.fake.account_sid:
            self._send_json(404, _error(404, 20404, "not found"))
            return
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        to = query.get("To", "").removeprefix("whatsapp:") or None
        fault = self.fake._take_fault("list")
        if fault is not None and self._fault_answer(fault, "list", to):
            return
        if fault is not None:
            self.fake._hang(fault.hang_seconds)
        size = max(1, min(int(query.get("PageSize", "50") or 50), 1000))
        items = self.fake._list(query)[:size]
        self.fake._record_call("GET", "list", 200, to)
        uri = parts.path + ("?" + parts.query if parts.query else "")
        try:
            self._send_json(200, {"messages": [i.resource(self.fake.account_sid) for i in items],
                                  "first_page_uri": uri, "next_page_uri": None,
                                  "previous_page_uri": None, "page": 0, "page_size": size,
                                  "start": 0, "end": max(0, len(items) - 1), "uri": uri})
        except OSError:
            pass

    def _control(self, path: str, body: bytes) -> None:
        data = json.loads(body or b"{}")
        if path == "/_fake/fault":
            self.fake.fault(data.get("kind", "500"), count=data.get("count"),
                            seconds=data.get("seconds"),
                            hang_seconds=data.get("hang_seconds", 2.0),
                            accept=data.get("accept", True),
                            applies_to=tuple(data.get("applies_to", ("create", "list"))))
        elif path == "/_fake/recover":
            self.fake.recover()
        elif path == "/_fake/reset":
            self.fake.reset()
        else:
            self._send_json(404, {"error": "unknown control"})
            return
        self._send_json(200, {"ok": True})


def main() -> None:
    """Serve until interrupted: `python -m tests.support.fake_twilio_server --port 8999`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8999)
    parser.add_argument("--account-sid", default=ACCOUNT_SID)
    args = parser.parse_args()
    fake = FakeTwilioServer(account_sid=args.account_sid, port=args.port).start()
    print(f"fake Twilio API on {fake.base_url} (account {fake.account_sid})", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
