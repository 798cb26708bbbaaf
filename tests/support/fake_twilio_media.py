"""The media side of the fake Twilio (tests/support/fake_twilio_server.py), as Twilio does it.

- `GET /2010-04-01/Accounts/{AC}/Messages/{MM}/Media/{ME}` wants HTTP basic auth with the
  account SID and auth token (Twilio's "HTTP authentication for media" setting), then
  answers 307 to its storage on another host (`localhost` instead of `127.0.0.1`), with a
  one-time signature in the query, as Twilio's redirect to its storage does.
- `GET /storage/{key}?sig=…` serves the bytes; like that storage it answers 400 when the
  request still carries an Authorization header (a client must drop it on the redirect).
- `DELETE …/Media/{ME}.json` (basic auth) removes the item: 204, then 404 for both.

Faults with `applies_to=("media",)` or `("delete",)` apply to these calls.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import re
import secrets
import threading
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

MEDIA = re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Messages/(MM\w+)/Media/(ME\w+?)(\.json)?$")
STORAGE = re.compile(r"^/storage/(\w+)$")


@dataclass
class Item:
    """One media item Twilio holds for a message."""

    account: str
    message_sid: str
    media_sid: str
    data: bytes
    content_type: str
    key: str
    signature: str
    chunked: bool = False       # served without Content-Length (the reader must count)


@dataclass
class MediaHit:
    """A media-related request the fake answered, for assertions."""

    method: str
    kind: str          # media, storage, delete
    status: int
    media_sid: str
    authorized: bool   # the request carried an Authorization header


@dataclass
class MediaStore:
    """The items, what was asked of them, and what was deleted; thread-safe."""

    account_sid: str
    auth_token: str
    items: dict[str, Item] = field(default_factory=dict)
    hits: list[MediaHit] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    def add(self, base_url: str, data: bytes, content_type: str, *,
            chunked: bool = False) -> str:
        """Hold `data` as the media of a new inbound message; its MediaUrl."""
        with self._lock:
            n = next(self._ids)
            item = Item(self.account_sid, f"MM{n:032x}", f"ME{n:032x}", data, content_type,
                        key=secrets.token_hex(8), signature=secrets.token_hex(8),
                        chunked=chunked)
            self.items[item.media_sid] = item
        return (f"{base_url}/2010-04-01/Accounts/{item.account}/Messages/{item.message_sid}"
                f"/Media/{item.media_sid}")

    def asked(self, kind: str, media_sid: str | None = None) -> list[MediaHit]:
        """The requests of one kind (for one item)."""
        with self._lock:
            return [h for h in self.hits if h.kind == kind
                    and (media_sid is None or h.media_sid == media_sid)]

    def record(self, method: str, kind: str, status: int, media_sid: str,
               authorized: bool) -> None:
        with self._lock:
            self.hits.append(MediaHit(method, kind, status, media_sid, authorized))

    def authorized(self, header: str | None) -> bool:
        """Whether the Authorization header is our account's basic auth."""
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return header == f"Basic {expected}"

    def by_key(self, key: str) -> Item | None:
        with self._lock:
            return next((i for i in self.items.values() if i.key == key), None)

    def remove(self, media_sid: str) -> bool:
        with self._lock:
            gone = self.items.pop(media_sid, None)
            if gone is not None:
                self.deleted.append(media_sid)
            return gone is not None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def handle_media(handler, fake, method: str) -> bool:
    """Answer a media, storage or media-deletion request; False when the path is not one."""
    parts = urlsplit(handler.path)
    store: MediaStore = fake.media
    authorization = handler.headers.get("Authorization")
    found = MEDIA.match(parts.path)
    if found and found.group(1) == store.account_sid:
        kind = "delete" if method == "DELETE" else "media"
        media_sid = found.group(3)
        fault = fake._take_fault(kind)
        if fault is not None and handler._fault_answer(fault, kind, None):
            store.record(method, kind, int(fault.kind) if fault.kind.isdigit() else 0,
                         media_sid, bool(authorization))
            return True
        if fault is not None:   # hang: answer, but late
            fake._hang(fault.hang_seconds)
        status = _media_status(store, method, media_sid, authorization)
        store.record(method, kind, status, media_sid, bool(authorization))
        _answer_media(handler, fake, store, method, media_sid, status)
        return True
    found = STORAGE.match(parts.path)
    if found and method == "GET":
        _serve_storage(handler, store, found.group(1), parse_qs(parts.query), authorization)
        return True
    return False


def _media_status(store: MediaStore, method: str, media_sid: str, authorization) -> int:
    if not store.authorized(authorization):
        return 401
    with store._lock:
        known = media_sid in store.items
    if not known:
        return 404
    return 204 if method == "DELETE" else 307


def _answer_media(handler, fake, store: MediaStore, method: str, media_sid: str,
                  status: int) -> None:
    if status == 204:
        store.remove(media_sid)
        handler.send_response(204)
        handler.send_header("Content-Length", "0")
        handler.end_headers()
        return
    if status != 307:
        handler._send_json(status, {"code": 20003 if status == 401 else 20404,
                                    "message": "fake media answer", "status": status})
        return
    with store._lock:
        item = store.items[media_sid]
    # Another host name for the same server: a client following the redirect must drop
    # the Authorization header, as Twilio's storage expects.
    location = f"http://localhost:{fake.port}/storage/{item.key}?sig={item.signature}"
    handler.send_response(307)
    handler.send_header("Location", location)
    handler.send_header("Content-Length", "0")
    handler.end_headers()


def _serve_storage(handler, store: MediaStore, key: str, query: dict, authorization) -> None:
    item = store.by_key(key)
    if item is None:
        store.record("GET", "storage", 404, "", bool(authorization))
        handler._send_json(404, {"message": "NoSuchKey"})
        return
    if authorization or (query.get("sig") or [""])[0] != item.signature:
        status = 400 if authorization else 403
        store.record("GET", "storage", status, item.media_sid, bool(authorization))
        handler._send_json(status, {"message": "Only one auth mechanism allowed"
                                    if authorization else "SignatureDoesNotMatch"})
        return
    store.record("GET", "storage", 200, item.media_sid, False)
    handler.send_response(200)
    handler.send_header("Content-Type", item.content_type)
    if item.chunked:
        handler.send_header("Connection", "close")
        handler.close_connection = True
    else:
        handler.send_header("Content-Length", str(len(item.data)))
    handler.end_headers()
    try:
        handler.wfile.write(item.data)
    except OSError:
        pass   # the client stopped reading (too large), as intended
