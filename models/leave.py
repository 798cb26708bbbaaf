"""An officer's leave: one row per request, kept with who set it and whether it was ended."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime
from models.staff import Staff

# The sweep looks for leaves whose first working minute has come and whose open tickets
# have not moved yet: only these rows are in the index.
PENDING = "applied_at IS NULL AND cancelled_at IS NULL AND takes_effect_at IS NOT NULL"


class Leave(Base):
    """Leave from `starts_on` to `ends_on` (both inclusive, local dates). Ending it early
    keeps the row: `cancelled_from` is the first day no longer on leave."""

    __tablename__ = "staff_leave"
    __table_args__ = (
        Index("ix_staff_leave_staff", "staff_id", "starts_on"),
        Index("ix_staff_leave_pending", "takes_effect_at",
              sqlite_where=text(PENDING), postgresql_where=text(PENDING)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(16))      # chat, dashboard, roster
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The leave's first working minute (None: it covers no working time at all).
    takes_effect_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the officer's open tickets were handed over (once, at the first working minute).
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    cancelled_from: Mapped[date | None] = mapped_column(Date)

    staff: Mapped[Staff] = relationship(foreign_keys=[staff_id])
    set_by: Mapped[Staff | None] = relationship(foreign_keys=[set_by_id])
    cancelled_by: Mapped[Staff | None] = relationship(foreign_keys=[cancelled_by_id])

    @property
    def last_day(self) -> date:
        """The last day actually on leave (before `starts_on` when ended before it began)."""
        if self.cancelled_from is None:
            return self.ends_on
        return min(self.ends_on, date.fromordinal(self.cancelled_from.toordinal() - 1))
