"""What the store accepts: JPEG, PNG, WebP and PDF up to 10 MB, by declared type and bytes."""

from __future__ import annotations

MAX_BYTES = 10 * 1024 * 1024
# The file extension each accepted type is served with (a download's name).
ACCEPTED = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp",
            "application/pdf": "pdf"}
IMAGES = frozenset(t for t in ACCEPTED if t.startswith("image/"))
# Refusal reasons, as the templates and the dashboard read them.
TYPE, SIZE, HOST, SIBLING, FAILED = "type", "size", "host", "sibling", "failed"


def declared_ok(content_type: str) -> bool:
    """Whether a declared MIME type (parameters ignored) is one we take."""
    return content_type.split(";")[0].strip().lower() in ACCEPTED


def sniff(data: bytes) -> str | None:
    """The accepted type these bytes really are (by their magic numbers), else None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def check_bytes(data: bytes) -> tuple[str | None, str | None]:
    """(content type, None) when the bytes are acceptable, else (None, refusal reason)."""
    if len(data) > MAX_BYTES:
        return None, SIZE
    found = sniff(data)
    return (found, None) if found else (None, TYPE)

WAKE_TOPIC = "media"   # commits that left media work wake the fetcher (runtime listeners)
