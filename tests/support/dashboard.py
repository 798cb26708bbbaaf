"""Helpers for the web tests: tickets and breaches through the services, logins by link."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy import select

from models import RW, Kelurahan, MediaRole, Message, Service, Staff
from services.auth import issue_login_link
from services.channel.simulator import simulate_inbound
from services.core.context import Ctx
from services.media.catalogue import attach_media
from services.media.intake import accept_upload
from services.people.directory import citizen_by_phone
from services.tickets.lifecycle import Draft, open_ticket
from services.tickets.sweep import sweep

NIK = "3578012309900001"
CITIZEN = "+6285712345678"
LURAH_KETINTANG, LURAH_JAGIR = "+6281200000901", "+6281200000902"
CAMAT_WONOKROMO, CITY = "+6281200000903", "+6281200000999"
SITI, BAMBANG = "+6281200000101", "+6281200000201"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"foto KTP rusak " * 64 + b"\xff\xd9"


def file_ticket(rt, clock, when, kelurahan="Ketintang", rw=3, phone=CITIZEN) -> int:
    """Open a KTP ticket at `when` through the service; returns its number."""
    clock.set(when)
    with rt.transaction() as db:
        ctx = Ctx(db=db, now=when, rt=rt)
        place = db.scalar(select(RW).join(Kelurahan).where(Kelurahan.name == kelurahan,
                                                          RW.number == rw))
        citizen = citizen_by_phone(db, phone, when)
        return open_ticket(ctx, citizen, Draft(Service.KTP, place.id, NIK, "KTP hilang")).id


def attach_photo(rt, number: int, data: bytes = PHOTO, role=MediaRole.ATTACHMENT,
                 phone: str = CITIZEN) -> int:
    """`phone` sends a photo (stored at once, as the simulator's are) that becomes part of
    ticket `number`; returns its media id."""
    outcome = simulate_inbound(rt, rt.handler, phone, "",
                               media=[accept_upload(rt.settings, data, "image/jpeg")])
    with rt.transaction() as db:
        [item] = db.get(Message, outcome.message_id).media
        attach_media(db, [item], number, role)
    return item["id"]


def sweep_at(rt, clock, when) -> None:
    """Run the SLA sweep at `when` (records breaches that fell due)."""
    clock.set(when)
    sweep(rt, when)


def login_link(rt, phone: str) -> str:
    """A fresh login link for the staff member with this number."""
    with rt.transaction() as db:
        staff = db.scalar(select(Staff).where(Staff.phone == phone))
        return issue_login_link(Ctx(db=db, now=rt.now(), rt=rt), staff)


def csrf_of(response) -> str:
    """The CSRF token in a page's form."""
    match = CSRF.search(response.get_data(as_text=True))
    assert match, "no CSRF field on the page"
    return match.group(1)


def log_in(client, rt, phone: str):
    """Sign in as the supervisor with this number through a one-time link."""
    path = urlsplit(login_link(rt, phone)).path
    page = client.get(path)
    assert page.status_code == 200
    response = client.post(path, data={"csrf_token": csrf_of(page)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response
