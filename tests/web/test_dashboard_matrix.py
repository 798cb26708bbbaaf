"""Every dashboard route × every kind of visitor: no session, a forged session, a
supervisor in scope and one out of scope. Ticket #1 is Ketintang's (Kec. Gayungan)."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from models import Breach, Leave, Message, Staff, Ticket
from services.core.context import Ctx
from services.leave.booking import set_leave
from tests.support.clock import wib
from tests.support.dashboard import (
    CAMAT_WONOKROMO,
    CITIZEN,
    CITY,
    LURAH_JAGIR,
    LURAH_KETINTANG,
    NIK,
    attach_photo,
    csrf_of,
    file_ticket,
    log_in,
    sweep_at,
)

VISITORS = {"tanpa_sesi": None, "sesi_palsu": "forged", "lurah_wilayah": LURAH_KETINTANG,
            "kota": CITY, "lurah_lain": LURAH_JAGIR, "camat_lain": CAMAT_WONOKROMO}
IN_SCOPE = {"lurah_wilayah", "kota"}
OUT_OF_SCOPE = {"lurah_lain", "camat_lain"}
# (method, path, endpoint, what an in-scope page shows about ticket #1 or its officer)
ROUTES = [
    ("GET", "/dashboard", "dashboard.overview", "#1"),
    ("GET", "/dashboard/tickets?status=all", "dashboard.tickets", "#1"),
    ("GET", "/dashboard/tickets/1", "dashboard.ticket", "#1"),
    ("POST", "/dashboard/tickets/1/excuse", "dashboard.excuse", None),
    ("GET", "/dashboard/officers", "dashboard.officers", "Siti Rahmawati"),
    ("GET", "/dashboard/report?month=2026-11", "dashboard.report", "Siti Rahmawati"),
    ("GET", "/dashboard/report.csv?month=2026-11", "dashboard.report_download",
     "Siti Rahmawati"),
    ("GET", "/dashboard/daily?date=2026-11-24", "staff.daily", "Siti Rahmawati"),
    ("GET", "/dashboard/daily.csv?date=2026-11-24", "staff.daily_download", "Siti Rahmawati"),
    ("GET", "/dashboard/daily.json?date=2026-11-24", "staff.daily_export", "Siti Rahmawati"),
    ("POST", "/dashboard/officers/{siti}/leave", "staff.leave_set", None),
    ("POST", "/dashboard/leave/{leave}/end", "staff.leave_end", None),
    ("POST", "/dashboard/tickets/1/assign", "staff.ticket_assign", None),
    ("GET", "/dashboard/tickets/1/media/1", "dashboard_media.ticket_file", "foto KTP rusak"),
]
TICKET_PAGES = ("/dashboard/tickets/1", "/dashboard/tickets/1/media/1")
PUBLIC = {"login.page", "login.confirm", "login.redeem", "login.logout"}


@pytest.fixture
def ticket_one(rt, roster, clock):
    number = file_ticket(rt, clock, wib(2026, 11, 23, 10))
    assert attach_photo(rt, number) == 1
    sweep_at(rt, clock, wib(2026, 11, 24, 11))
    return number


def _forge_session(client, rt) -> None:
    """A cookie naming the city supervisor, signed with a key that is not ours."""
    with rt.sessions() as db:
        city = db.scalar(select(Staff).where(Staff.phone == CITY))
    other = Flask("forger")
    other.secret_key = "not-the-real-secret"
    cookie = other.session_interface.get_signing_serializer(other).dumps(
        {"staff_id": city.id, "login": 1, "csrf": "x" * 40})
    client.set_cookie("session", cookie)


def _visit(client, rt, who: str):
    phone = VISITORS[who]
    if phone == "forged":
        _forge_session(client, rt)
    elif phone is not None:
        log_in(client, rt, phone)


def _excused(rt) -> bool:
    with rt.sessions() as db:
        return db.scalar(select(Breach.excused_at).where(Breach.ticket_id == 1)) is not None


def _staff_id(rt, name: str) -> int:
    with rt.sessions() as db:
        return db.scalar(select(Staff.id).where(Staff.name == name))


def _a_leave(rt) -> int:
    with rt.transaction() as db:
        siti = db.get(Staff, _staff_id(rt, "Siti Rahmawati"))
        ctx = Ctx(db, rt.now(), rt)
        return set_leave(ctx, siti, ctx.today, ctx.today, "", by=siti, source="chat").id


def _leave_rows(rt) -> list[tuple]:
    with rt.sessions() as db:
        return [(leave.id, leave.cancelled_at) for leave in db.scalars(select(Leave))]


def _holder(rt) -> int | None:
    with rt.sessions() as db:
        return db.get(Ticket, 1).officer_id


# Each POST: (prepare → path fields and form, changed? after the request)
POSTS = {
    "dashboard.excuse": (lambda rt: ({}, {"reason": "banjir"}), _excused),
    "staff.leave_set": (
        lambda rt: ({"siti": _staff_id(rt, "Siti Rahmawati")},
                    {"starts_on": "2026-11-25", "ends_on": "2026-11-26"}),
        lambda rt: bool(_leave_rows(rt))),
    "staff.leave_end": (
        lambda rt: ({"leave": _a_leave(rt)}, {}),
        lambda rt: _leave_rows(rt)[0][1] is not None),
    "staff.ticket_assign": (
        lambda rt: ({}, {"officer_id": str(_staff_id(rt, "Dewi Lestari"))}),
        lambda rt: _holder(rt) == _staff_id(rt, "Dewi Lestari")),
}


def _messages(rt) -> int:
    with rt.sessions() as db:
        return db.scalar(select(func.count()).select_from(Message))


CELLS = [(who, route) for who in VISITORS for route in ROUTES]


@pytest.mark.parametrize("who, route", CELLS, ids=[f"{w}-{r[2]}" for w, r in CELLS])
def test_dashboard_cell(client, rt, ticket_one, who, route):
    method, path, _endpoint, marker = route
    _visit(client, rt, who)
    if method == "POST":
        prepare, changed = POSTS[route[2]]
        fields, form = prepare(rt)
        signed_in = who in IN_SCOPE | OUT_OF_SCOPE
        token = csrf_of(client.get("/dashboard")) if signed_in else None
        messages = _messages(rt)
        response = client.post(path.format(**fields),
                               data={**form, "csrf_token": token or "none"})
        if who in IN_SCOPE:
            assert response.status_code in (302, 303) and changed(rt)
        else:
            assert response.status_code == (404 if who in OUT_OF_SCOPE else 400)
            assert not changed(rt) and _messages(rt) == messages
        return
    response = client.get(path)
    body = response.get_data().decode(errors="replace")   # a photo is bytes
    if who in IN_SCOPE:
        assert response.status_code == 200 and marker in body
    elif who in OUT_OF_SCOPE:
        if path in TICKET_PAGES:
            assert response.status_code == 404
        else:
            assert response.status_code == 200 and marker not in body.replace("#10", "")
        assert "Ketintang" not in body
    else:
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/dashboard/login")
    assert NIK not in body and CITIZEN not in body and CITIZEN[1:] not in body


def test_the_matrix_covers_every_dashboard_route(app):
    """A new dashboard page must be added to ROUTES (and so to every visitor's cells)."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()
                 if rule.rule.startswith("/dashboard")}
    assert endpoints - PUBLIC == {r[2] for r in ROUTES}


# Hostile paths: numbers past the database's integer and months no calendar holds are, for
# every signed-in supervisor, simply not there (404, never 500); without a session, the
# login page as for any other dashboard page.
HOSTILE = [
    ("GET", "/dashboard/tickets/9223372036854775808"),
    ("GET", "/dashboard/tickets/2147483648"),
    ("POST", "/dashboard/tickets/9223372036854775808/excuse"),
    ("GET", "/dashboard/report?month=0000-01"),
    ("GET", "/dashboard/report?month=0001-01"),
    ("GET", "/dashboard/report?month=9999-12"),
    ("GET", "/dashboard/report.csv?month=0000-01"),
    ("GET", "/dashboard/report.csv?month=9999-12"),
]
HOSTILE_CELLS = [(who, route) for who in VISITORS for route in HOSTILE]


@pytest.mark.parametrize("who, route", HOSTILE_CELLS,
                         ids=[f"{w}-{r[0]}-{r[1]}" for w, r in HOSTILE_CELLS])
def test_hostile_dashboard_cell(client, rt, ticket_one, who, route):
    method, path = route
    _visit(client, rt, who)
    signed_in = who in IN_SCOPE | OUT_OF_SCOPE
    if method == "POST":
        token = csrf_of(client.get("/dashboard")) if signed_in else "none"
        response = client.post(path, data={"reason": "banjir", "csrf_token": token})
        assert response.status_code == (404 if signed_in else 400)
        assert not _excused(rt)
        return
    response = client.get(path)
    if signed_in:
        assert response.status_code == 404
        assert "Tidak ditemukan" in response.get_data(as_text=True)
    else:
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/dashboard/login")
