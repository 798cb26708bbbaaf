"""A one-time dashboard link sent on `MASUK`; only its hash is stored. Once used, the row
is also the dashboard session it started: signing out marks it, so a copied cookie dies too."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class LoginToken(Base):
    """A one-time dashboard link sent on `MASUK`; only its hash is stored."""

    __tablename__ = "login_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
