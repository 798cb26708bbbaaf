"""The key that signs dashboard sessions and CSRF tokens, the same in every worker.

`SECRET_KEY` when it is set (required with the Twilio transport: services.core.settings).
Otherwise, for the embedded default, one key generated on first start and kept in the
instance folder as `secret_key` (mode 0600): gunicorn's workers each build the app, and a
key of their own would sign a session that the other workers refuse.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

from services.core.settings import ConfigError, Settings

KEY_FILE = "secret_key"
MIN_LENGTH = 32


def session_secret(settings: Settings) -> str:
    """SECRET_KEY, or the instance folder's key (made once, shared by every process)."""
    if settings.secret_key:
        return settings.secret_key
    return instance_key(settings.instance_dir / KEY_FILE)


def instance_key(path: Path) -> str:
    """The key kept at `path`; the first of several processes starting together makes it."""
    try:
        if not path.exists():
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            _create(path)
        return _read(path)
    except OSError as exc:
        raise ConfigError(
            f"SECRET_KEY is not set and the generated key {path} cannot be kept ({exc}); "
            "set SECRET_KEY, or INSTANCE_DIR to a folder this process may write") from None


def _create(path: Path) -> None:
    """Write a new key beside `path`, then link it into place: the link is atomic and
    never replaces a key another process linked first, so all of them read one key,
    and none reads a half-written file."""
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    try:
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.fchmod(fd, 0o600)   # whatever the umask
            os.write(fd, (secrets.token_hex(32) + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
    finally:
        draft.unlink(missing_ok=True)


def _read(path: Path) -> str:
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        path.chmod(0o600)       # a key others may read signs sessions others may forge
    key = path.read_text(encoding="utf-8").strip()
    if len(key) < MIN_LENGTH:
        raise ConfigError(f"{path} holds no usable key (fewer than {MIN_LENGTH} characters): "
                          "delete it to have a new one made, or set SECRET_KEY")
    return key
