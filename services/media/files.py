"""Files under MEDIA_DIR, named by the SHA-256 of their bytes: the same photo twice is one file."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from services.core.settings import Settings

_HASH = re.compile(r"^[0-9a-f]{64}$")


def digest(data: bytes) -> str:
    """The name a file with these bytes is stored under."""
    return hashlib.sha256(data).hexdigest()


def path_of(settings: Settings, sha256: str) -> Path:
    """Where the file with this hash lives (two-letter folders keep directories small)."""
    if not _HASH.match(sha256):
        raise ValueError("not a SHA-256 file name")
    return settings.media_dir / sha256[:2] / sha256


def write_file(settings: Settings, data: bytes) -> str:
    """Store the bytes (atomically; nothing if already there) and return their hash."""
    sha256 = digest(data)
    target = path_of(settings, sha256)
    if target.is_file():
        return sha256
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target and renamed: a reader never sees half a file.
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".part-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return sha256


def has_file(settings: Settings, sha256: str) -> bool:
    """Whether the file with this hash is stored."""
    return path_of(settings, sha256).is_file()


def remove_file(settings: Settings, sha256: str) -> bool:
    """Delete the file with this hash; False when it was not there."""
    path = path_of(settings, sha256)
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True
