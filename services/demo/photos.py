"""Small made-up photos for the demo: real PNG files, given to the media store like uploads.

A few variants per kind are enough (the store keeps the same picture once, however often
it is sent); each is a plain card in the kind's colour with stripes for its variant.
"""

from __future__ import annotations

import struct
import zlib
from functools import cache
from typing import Any

from services.core.settings import Settings
from services.media.intake import accept_upload

WIDTH, HEIGHT, VARIANTS = 96, 64, 4
COLOURS = {"lampiran": (46, 125, 196), "jawaban": (224, 161, 38), "bukti": (11, 110, 79)}


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


@cache
def png(kind: str, variant: int) -> bytes:
    """A WIDTH × HEIGHT RGB PNG: the kind's colour, `variant + 1` white stripes."""
    colour = bytes(COLOURS.get(kind, (120, 120, 120)))
    stripe = HEIGHT // (2 * (variant + 1) + 1)
    rows = b"".join(b"\x00" + (b"\xff\xff\xff" if (y // stripe) % 2 and stripe else colour)
                    * WIDTH for y in range(HEIGHT))
    header = struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(rows, 9)) + _chunk(b"IEND", b""))


def demo_photo(settings: Settings, kind: str, number: int) -> dict[str, Any]:
    """A demo photo of this kind, stored, as the media item of a message."""
    return accept_upload(settings, png(kind, number % VARIANTS), "image/png")
