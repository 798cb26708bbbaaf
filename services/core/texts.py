"""Message texts: every word a user reads comes from templates/messages/*.txt."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from services.core.paths import TEMPLATES
from services.people.identity import mask_nik
from services.people.phones import mask_phone

TZ_ABBREVIATIONS = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA",
                    "Asia/Jayapura": "WIT"}


def format_instant(value: datetime | None, tz: str = "Asia/Jakarta") -> str:
    """`Selasa, 24 Nov 2026 pukul 10.15 WIB` (Indonesian, the app's zone)."""
    if value is None:
        return "-"
    local = value.astimezone(ZoneInfo(tz))
    text = format_datetime(local, "EEEE, d MMM y 'pukul' HH.mm", locale="id")
    return f"{text} {TZ_ABBREVIATIONS.get(tz, local.strftime('%Z'))}"


def format_day(value: datetime | Any, tz: str = "Asia/Jakarta") -> str:
    """`Senin, 23 November 2026`."""
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(tz)).date()
    return format_date(value, "EEEE, d MMMM y", locale="id")


def format_clock(value: datetime | None, tz: str = "Asia/Jakarta") -> str:
    """`10.15` (the hour of an instant in the app's zone)."""
    return "-" if value is None else value.astimezone(ZoneInfo(tz)).strftime("%H.%M")


def format_short(value: datetime | None, tz: str = "Asia/Jakarta") -> str:
    """`23 Nov 10.15` in the app's zone (Indonesian month names)."""
    if value is None:
        return "-"
    return format_datetime(value.astimezone(ZoneInfo(tz)), "d MMM HH.mm", locale="id")


def format_minutes(minutes: float | int | None) -> str:
    """Working minutes as `1 hari kerja 2 jam 5 menit` (a working day = 8 hours; the words
    are templates/messages/fragment_duration.txt)."""
    total = int(round(minutes or 0))
    days, rest = divmod(total, 480)
    hours, mins = divmod(rest, 60)
    return _duration(days, hours, mins)


@cache
def _duration(days: int, hours: int, mins: int) -> str:
    return render("fragment_duration", days=days, hours=hours, mins=mins)


def scope_label(staff: Any) -> str:
    """A supervisor's region in words: `Kelurahan Jagir`, `Kecamatan Wonokromo`, `Kota
    Surabaya` (templates/messages/fragment_scope.txt)."""
    return render("fragment_scope", staff=staff)


def rupiah(value: float | int) -> str:
    """`Rp 1.250.000`."""
    return "Rp " + f"{int(round(value)):,}".replace(",", ".")


@cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update(when=format_instant, day=format_day, clock=format_clock,
                       short=format_short, duration=format_minutes,
                       rupiah=rupiah, mask_phone=mask_phone, mask_nik=mask_nik,
                       scope=scope_label)
    return env


def render(name: str, tz: str = "Asia/Jakarta", **context: Any) -> str:
    """Render `templates/messages/<name>.txt`; user text is data, never template source."""
    return render_file(f"messages/{name}.txt", tz=tz, **context)


def render_file(path: str, tz: str = "Asia/Jakarta", **context: Any) -> str:
    """Render any text template under templates/ with the message filters."""
    return _environment().get_template(path).render(tz=tz, **context).strip()
