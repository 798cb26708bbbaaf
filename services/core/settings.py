"""Configuration: defaults, then the environment (and `.env`), then a caller's overrides.

Every key is spelt as its environment variable. Overrides may carry already-parsed
values (a dict for WORK_HOURS, a list for EXTRA_CLOSED_DATES) so tests need no strings.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from sla.calendar import CalendarConfigError, WorkCalendar

SERVICES = ("KTP", "KK")
MESSAGE_KINDS = ("new_ticket", "reminder", "breach", "digest", "notice")


class ConfigError(RuntimeError):
    """The configuration cannot run: the message says which setting and why."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str          # as configured; the key in use: secret_key.session_secret
    transport: str
    public_base_url: str
    instance_dir: Path = Path("instance")
    timezone: str = "Asia/Jakarta"
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_whatsapp_from: str = ""
    twilio_api_base_url: str = ""
    work_hours: Mapping[str, str] = field(default_factory=dict)
    extra_closed_dates: tuple[date, ...] = ()
    sla_minutes: Mapping[str, int] = field(default_factory=dict)
    compensation_per_day: Mapping[str, int] = field(default_factory=dict)
    reminder_fraction: float = 0.75
    breach_percent: float = 5.0
    daily_percent: float = 2.0
    working_day_minutes: int = 480
    rate_limit_per_minute: int = 20
    outbox_max_attempts: int = 16
    outbox_backoff_seconds: float = 2.0
    outbox_lease_seconds: float = 60.0
    twilio_timeout_seconds: float = 10.0
    outbox_sender_thread: bool = True
    run_scheduler: bool = False
    content_sids: Mapping[str, str] = field(default_factory=dict)
    log_level: str = "INFO"
    media_dir: Path = Path("instance/media")
    media_delete_at_twilio: bool = True
    media_link_hours: int = 24
    media_fetch_attempts: int = 12
    media_fetch_thread: bool = True
    run_worker: bool = True
    inbound_attempts: int = 3
    inbound_backoff_seconds: float = 2.0
    inbound_lease_seconds: float = 60.0
    inbound_poll_seconds: float = 1.0

    @property
    def zone(self) -> ZoneInfo:
        """The zone in which the SLA and all user-facing times are computed."""
        return ZoneInfo(self.timezone)

    def calendar(self) -> WorkCalendar:
        """The working calendar these settings describe."""
        return WorkCalendar.from_config(
            self.work_hours or None, self.extra_closed_dates, tz=self.timezone
        )


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def _int(raw: Mapping[str, Any], key: str, default: int, minimum: int = 0) -> int:
    value = raw.get(key)
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{key} must be a whole number, got {value!r}") from None
    if number < minimum:
        raise ConfigError(f"{key} must be at least {minimum}, got {number}")
    return number


def _float(raw: Mapping[str, Any], key: str, default: float) -> float:
    value = raw.get(key)
    if value in (None, ""):
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{key} must be a number, got {value!r}") from None


def _work_hours(value: Any) -> dict[str, str]:
    """`mon=08:00-16:00,fri=08:00-11:00` or a ready dict; missing days are closed."""
    if not value:
        return {}
    if isinstance(value, Mapping):
        return dict(value)
    hours = {}
    for part in str(value).split(","):
        day, sep, span = part.partition("=")
        if not sep:
            raise ConfigError(f"WORK_HOURS entry {part!r} must look like mon=08:00-16:00")
        hours[day.strip().lower()] = span.strip()
    return hours


def _dates(value: Any) -> tuple[date, ...]:
    if not value:
        return ()
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    try:
        return tuple(d if isinstance(d, date) else date.fromisoformat(str(d).strip())
                     for d in items if str(d).strip())
    except ValueError as exc:
        raise ConfigError(f"EXTRA_CLOSED_DATES must be YYYY-MM-DD dates: {exc}") from None


def _per_service(raw: Mapping[str, Any], prefix: str,
                 defaults: Mapping[str, int]) -> dict[str, int]:
    return {s: _int(raw, f"{prefix}_{s}", defaults[s]) for s in SERVICES}


def _instance_dir(raw: Mapping[str, Any]) -> Path:
    """Where the embedded defaults keep their files: `instance/` in the current folder."""
    return Path(str(raw.get("INSTANCE_DIR") or Path.cwd() / "instance")).resolve()


def _transport(raw: Mapping[str, Any]) -> str:
    chosen = str(raw.get("MESSAGING_TRANSPORT") or "").strip().lower()
    if not chosen:
        has_twilio = raw.get("TWILIO_ACCOUNT_SID") and raw.get("TWILIO_AUTH_TOKEN")
        chosen = "twilio" if has_twilio else "console"
    if chosen not in {"twilio", "console"}:
        raise ConfigError(f"MESSAGING_TRANSPORT must be 'twilio' or 'console', got {chosen!r}")
    return chosen


def _check_twilio(raw: Mapping[str, Any]) -> None:
    missing = [k for k in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_WHATSAPP_FROM",
                           "PUBLIC_BASE_URL") if not raw.get(k)]
    if missing:
        raise ConfigError(
            "MESSAGING_TRANSPORT=twilio needs " + ", ".join(missing)
            + " (set them in the environment or .env, or use MESSAGING_TRANSPORT=console)"
        )
    if not raw.get("SECRET_KEY"):
        # Each gunicorn worker would otherwise sign sessions with a key of its own.
        raise ConfigError(
            "MESSAGING_TRANSPORT=twilio needs SECRET_KEY: one long random value shared by "
            "every web worker and restart, which signs dashboard sessions (make one with "
            "python -c 'import secrets; print(secrets.token_hex(32))' and set it in the "
            "environment or .env)")


def _check_lease(settings: Settings) -> None:
    # A send still waiting on Twilio must never be taken over by another sender.
    if settings.twilio_timeout_seconds <= 0:
        raise ConfigError("TWILIO_TIMEOUT_SECONDS must be more than 0")
    if settings.outbox_lease_seconds < 2 * settings.twilio_timeout_seconds:
        raise ConfigError(
            f"OUTBOX_LEASE_SECONDS ({settings.outbox_lease_seconds:g}) must be at least twice "
            f"TWILIO_TIMEOUT_SECONDS ({settings.twilio_timeout_seconds:g})")


def load_settings(overrides: Mapping[str, Any] | None = None,
                  environ: Mapping[str, str] | None = None,
                  dotenv_path: Path | None = None) -> Settings:
    """Merge defaults, `.env`, the environment and overrides into checked Settings."""
    raw: dict[str, Any] = {}
    hermetic = bool((overrides or {}).get("IGNORE_ENVIRONMENT"))  # tests: overrides only
    env_file = dotenv_path if dotenv_path is not None else Path.cwd() / ".env"
    if env_file.is_file() and not hermetic:
        raw.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    if not hermetic:
        raw.update(os.environ if environ is None else environ)
    raw.update(overrides or {})
    transport = _transport(raw)
    if transport == "twilio":
        _check_twilio(raw)
    timezone = str(raw.get("APP_TIMEZONE") or "Asia/Jakarta")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"APP_TIMEZONE {timezone!r} is not a known time zone") from None
    instance_dir = _instance_dir(raw)
    settings = Settings(
        database_url=str(raw.get("DATABASE_URL") or f"sqlite:///{instance_dir / 'layanan.db'}"),
        instance_dir=instance_dir,
        secret_key=str(raw.get("SECRET_KEY") or ""),   # "": services.core.secret_key
        transport=transport,
        public_base_url=str(raw.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
        timezone=timezone,
        twilio_account_sid=str(raw.get("TWILIO_ACCOUNT_SID") or ""),
        twilio_auth_token=str(raw.get("TWILIO_AUTH_TOKEN") or ""),
        twilio_whatsapp_from=str(raw.get("TWILIO_WHATSAPP_FROM") or ""),
        twilio_api_base_url=str(raw.get("TWILIO_API_BASE_URL") or "").rstrip("/"),
        work_hours=_work_hours(raw.get("WORK_HOURS")),
        extra_closed_dates=_dates(raw.get("EXTRA_CLOSED_DATES")),
        sla_minutes=_per_service(raw, "SLA_MINUTES", {"KTP": 480, "KK": 480}),
        compensation_per_day=_per_service(raw, "COMPENSATION", {"KTP": 50_000, "KK": 0}),
        reminder_fraction=_float(raw, "REMINDER_FRACTION", 0.75),
        breach_percent=_float(raw, "BREACH_PERCENT", 5.0),
        daily_percent=_float(raw, "DAILY_PERCENT", 2.0),
        working_day_minutes=_int(raw, "WORKING_DAY_MINUTES", 480, minimum=1),
        rate_limit_per_minute=_int(raw, "RATE_LIMIT_PER_MINUTE", 20, minimum=1),
        outbox_max_attempts=_int(raw, "OUTBOX_MAX_ATTEMPTS", 16, minimum=1),
        outbox_backoff_seconds=_float(raw, "OUTBOX_BACKOFF_SECONDS", 2.0),
        outbox_lease_seconds=_float(raw, "OUTBOX_LEASE_SECONDS", 60.0),
        twilio_timeout_seconds=_float(raw, "TWILIO_TIMEOUT_SECONDS", 10.0),
        outbox_sender_thread=_truthy(raw.get("OUTBOX_SENDER_THREAD", True)),
        run_scheduler=_truthy(raw.get("RUN_SCHEDULER", False)),
        content_sids={k: str(raw[f"CONTENT_SID_{k.upper()}"]) for k in MESSAGE_KINDS
                      if raw.get(f"CONTENT_SID_{k.upper()}")},
        log_level=str(raw.get("LOG_LEVEL") or "INFO").upper(),
        media_dir=Path(str(raw.get("MEDIA_DIR") or instance_dir / "media")).resolve(),
        media_delete_at_twilio=_truthy(raw.get("MEDIA_DELETE_AT_TWILIO", True)),
        media_link_hours=_int(raw, "MEDIA_LINK_HOURS", 24, minimum=1),
        media_fetch_attempts=_int(raw, "MEDIA_FETCH_ATTEMPTS", 12, minimum=1),
        media_fetch_thread=_truthy(raw.get("MEDIA_FETCH_THREAD", True)),
        run_worker=_truthy(raw.get("RUN_WORKER", True)),
        inbound_attempts=_int(raw, "INBOUND_ATTEMPTS", 3, minimum=1),
        inbound_backoff_seconds=_float(raw, "INBOUND_BACKOFF_SECONDS", 2.0),
        inbound_lease_seconds=_float(raw, "INBOUND_LEASE_SECONDS", 60.0),
        inbound_poll_seconds=_float(raw, "INBOUND_POLL_SECONDS", 1.0),
    )
    _check_lease(settings)
    try:
        settings.calendar()
    except CalendarConfigError as exc:
        raise ConfigError(f"Working calendar: {exc}") from None
    return settings
