"""Staff events: the append-only audit log of changes to a person (leave set, ended, begun)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, JSONType, UTCDateTime
from models.staff import Staff


class StaffEvent(Base):
    """One change to a staff member. Rows are never updated or deleted (a trigger refuses)."""

    __tablename__ = "staff_event"
    __table_args__ = (Index("ix_staff_event_staff", "staff_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(32))
    actor_kind: Mapped[str] = mapped_column(String(16))   # staff, system
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

    staff: Mapped[Staff] = relationship(foreign_keys=[staff_id])
    actor: Mapped[Staff | None] = relationship(foreign_keys=[actor_id])
