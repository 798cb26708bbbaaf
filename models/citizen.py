"""Citizens: every WhatsApp number that is not in the roster."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime
from models.region import RW


class Citizen(Base):
    __tablename__ = "citizen"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    profile_name: Mapped[str | None] = mapped_column(String(120))
    last_rw_id: Mapped[int | None] = mapped_column(ForeignKey("rw.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    last_rw: Mapped[RW | None] = relationship()
