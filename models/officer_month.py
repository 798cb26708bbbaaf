"""One officer's figures for one month, kept as tickets close, are rated, breach, are excused
and as ledger entries are written.

The monthly report reads these 1,400-odd rows instead of grouping the month's 100 k
tickets and ledger entries; `report verify` recounts them from those rows.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

# What each column counts, in the month (app zone) of the instant named:
#   closed      tickets resolved or rejected by the officer (close instant)
#   on_time     of those, closed without a breach
#   rated       of those, rated by the citizen; rating_sum their stars
#   breaches    breaches blamed on the officer (breach instant, the deadline)
#   excused     of those, excused by a supervisor
#   percent     the sum of the officer's ledger entries counting in the month
TALLY_FIGURES = ("closed", "on_time", "rated", "rating_sum", "breaches", "excused", "percent")


class OfficerMonth(Base):
    __tablename__ = "officer_month"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    closed: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[int] = mapped_column(Integer, default=0)
    rated: Mapped[int] = mapped_column(Integer, default=0)
    rating_sum: Mapped[int] = mapped_column(Integer, default=0)
    breaches: Mapped[int] = mapped_column(Integer, default=0)
    excused: Mapped[int] = mapped_column(Integer, default=0)
    percent: Mapped[Decimal] = mapped_column(Numeric(9, 2), default=Decimal(0))
