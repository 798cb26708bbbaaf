"""Staff from the roster: officers, backups and supervisors."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime
from models.region import Kecamatan, Kelurahan


class Role(enum.StrEnum):
    OFFICER = "officer"
    BACKUP = "backup"
    SUPERVISOR = "supervisor"


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e],
             validate_strings=True))
    tpp_base: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Nomor Induk Pegawai of an ASN (18 digits), from the roster's optional `nip` column.
    nip: Mapped[str | None] = mapped_column(String(18), index=True, unique=True)
    # A supervisor's scope is the smallest region its roster row names; both empty = city.
    scope_kecamatan_id: Mapped[int | None] = mapped_column(ForeignKey("kecamatan.id"))
    scope_kelurahan_id: Mapped[int | None] = mapped_column(ForeignKey("kelurahan.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    scope_kecamatan: Mapped[Kecamatan | None] = relationship(foreign_keys=[scope_kecamatan_id])
    scope_kelurahan: Mapped[Kelurahan | None] = relationship(foreign_keys=[scope_kelurahan_id])
