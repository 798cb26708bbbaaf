"""A frozen month: its report snapshot never changes after the close."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, JSONType, UTCDateTime


class MonthClose(Base):
    """A frozen month: its report snapshot never changes after the close."""

    __tablename__ = "month_close"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    report: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
