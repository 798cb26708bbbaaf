"""One row per supervisor per date: the unique key is what makes the digest once-only."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class DigestSent(Base):
    """One row per supervisor per date: the unique key is what makes the digest once-only."""

    __tablename__ = "digest_sent"
    __table_args__ = (UniqueConstraint("supervisor_id", "digest_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    digest_date: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    parts: Mapped[int] = mapped_column(Integer, default=1)
