"""Regions: kecamatan → kelurahan → RW (numbered within its kelurahan)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base

if TYPE_CHECKING:
    from models.staff import Staff


class Kecamatan(Base):
    __tablename__ = "kecamatan"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)

    kelurahan: Mapped[list[Kelurahan]] = relationship(back_populates="kecamatan")


class Kelurahan(Base):
    __tablename__ = "kelurahan"
    __table_args__ = (UniqueConstraint("kecamatan_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(80), index=True)
    kecamatan_id: Mapped[int] = mapped_column(ForeignKey("kecamatan.id"))

    kecamatan: Mapped[Kecamatan] = relationship(back_populates="kelurahan")
    rws: Mapped[list[RW]] = relationship(back_populates="kelurahan", order_by="RW.number")

    @property
    def label(self) -> str:
        """Name with its kecamatan, since names repeat across kecamatan."""
        return f"{self.name} ({self.kecamatan.name})"


class RW(Base):
    __tablename__ = "rw"
    __table_args__ = (UniqueConstraint("kelurahan_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kelurahan_id: Mapped[int] = mapped_column(ForeignKey("kelurahan.id"))
    number: Mapped[int] = mapped_column(Integer)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    backup_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)

    kelurahan: Mapped[Kelurahan] = relationship(back_populates="rws")
    officer: Mapped[Staff | None] = relationship(foreign_keys=[officer_id])
    backup: Mapped[Staff | None] = relationship(foreign_keys=[backup_id])

    @property
    def label(self) -> str:
        """`Ketintang RW 3`, as citizens and officers read it."""
        return f"{self.kelurahan.name} RW {self.number}"
