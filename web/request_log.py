"""Request log lines without secrets: a login link's token never appears whole.

`GET /dashboard/login/<token>` shows a sign-in button; whoever holds the token can press it
until it is used or expires. The request log lines the web server writes (werkzeug's
development server, gunicorn's access and error logs, Flask's "Exception on …") pass
through `SecretPathFilter`, which keeps the first characters of the token for matching log
lines to each other and masks the rest.
"""

from __future__ import annotations

import logging
import re

SECRET_PATHS = ("/dashboard/login/",)   # each followed by a token in the URL
REQUEST_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")
SHOWN = 4                               # characters of a token kept in the log
_SECRET = re.compile("(" + "|".join(re.escape(p) for p in SECRET_PATHS) + r")([^\s/?#\"']+)")


def mask_secret_paths(text: str) -> str:
    """`/dashboard/login/AbCdEf…` → `/dashboard/login/AbCd****` (short tokens: all masked)."""

    def masked(found: re.Match[str]) -> str:
        token = found.group(2)
        return found.group(1) + (token[:SHOWN] if len(token) > 2 * SHOWN else "") + "****"

    return _SECRET.sub(masked, text)


class SecretPathFilter(logging.Filter):
    """Rewrite a record whose message holds a secret path (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except Exception:   # noqa: BLE001 - a malformed record is logging's to report
            return True
        masked = mask_secret_paths(text)
        if masked != text:
            record.msg, record.args = masked, ()
        return True


def mask_request_logs(*extra: logging.Logger) -> None:
    """Install the filter on the web servers' request loggers (and `extra`), once each."""
    for logger in (*map(logging.getLogger, REQUEST_LOGGERS), *extra):
        if not any(isinstance(f, SecretPathFilter) for f in logger.filters):
            logger.addFilter(SecretPathFilter())
