"""Instants in the app's zone, as tests write them."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

WIB = ZoneInfo("Asia/Jakarta")


def wib(*args: int) -> datetime:
    """An aware instant in Asia/Jakarta: wib(2026, 11, 23, 10, 0)."""
    return datetime(*args, tzinfo=WIB)
