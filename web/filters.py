"""Jinja filters and globals for pages: the message filters plus short date forms."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from services.core.runtime import Runtime
from services.core.texts import (
    format_clock,
    format_day,
    format_instant,
    format_minutes,
    format_short,
    rupiah,
    scope_label,
)
from services.people.identity import mask_nik
from services.people.phones import mask_phone
from web.guard import csrf_token


def iso_instant(value: str, tz: str = "Asia/Jakarta") -> str:
    """An ISO-8601 string (as stored in a report) in the long Indonesian form."""
    try:
        return format_instant(datetime.fromisoformat(value), tz)
    except (TypeError, ValueError):
        return value


def register_filters(app: Flask, runtime: Runtime) -> None:
    """The same filters as message templates, the zone as `tz`, and `csrf_token()`."""
    app.jinja_env.filters.update(
        when=format_instant, day=format_day, duration=format_minutes, rupiah=rupiah,
        mask_phone=mask_phone, mask_nik=mask_nik, clock=format_clock, short=format_short,
        iso_when=iso_instant, scope=scope_label)
    app.jinja_env.globals.update(csrf_token=csrf_token)

    @app.context_processor
    def _zone() -> dict[str, str]:
        return {"tz": runtime.settings.timezone}
