"""Helpers for the SLA tests: a KTP request filed through the real service, at a given time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from models import RW, Kelurahan, Service
from services.core.context import Ctx
from services.tickets.lifecycle import Draft, open_ticket
from tests.support import factories

SITI = "+6281200000101"             # officer, Ketintang RW 1-3 (sample roster)
LURAH_KETINTANG = "+6281200000901"
WARGA = "+6285700000001"


def open_ktp(rt, clock, at: datetime, kelurahan: str = "Ketintang", number: int = 3) -> int:
    """File a KTP request at `at` (the clock is moved there); returns the ticket id."""
    clock.set(at)
    with rt.transaction() as db:
        ctx = Ctx(db, rt.now(), rt)
        place = db.scalar(select(RW).join(Kelurahan).where(Kelurahan.name == kelurahan,
                                                            RW.number == number))
        citizen = factories.citizen(db, ctx.now, WARGA)
        draft = Draft(service=Service.KTP, rw_id=place.id, nik=factories.NIK,
                      description="KTP hilang")
        return open_ticket(ctx, citizen, draft).id
