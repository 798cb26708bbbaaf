"""Who sees what on the dashboard: login by link only, every page limited to the region."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from models import Breach, LedgerEntry, Message
from tests.support.clock import wib
from tests.support.dashboard import (
    BAMBANG,
    CAMAT_WONOKROMO,
    CITIZEN,
    CITY,
    LURAH_JAGIR,
    LURAH_KETINTANG,
    NIK,
    SITI,
    csrf_of,
    file_ticket,
    log_in,
    login_link,
    sweep_at,
)

PAGES = ["/dashboard", "/dashboard/tickets", "/dashboard/tickets/1", "/dashboard/officers",
         "/dashboard/report", "/dashboard/report.csv"]


@pytest.fixture
def late_ticket(rt, roster, clock) -> int:
    """A Ketintang RW 3 KTP filed Monday 10:00, breached by Tuesday 11:00's sweep."""
    number = file_ticket(rt, clock, wib(2026, 11, 23, 10))
    sweep_at(rt, clock, wib(2026, 11, 24, 11))
    return number


@pytest.mark.parametrize("path", PAGES)
def test_without_a_session_every_page_leads_to_the_login_page(client, roster, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dashboard/login")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "MASUK" in page and "sekali pakai" in page


def test_a_link_signs_in_once_and_logout_ends_the_session(client, rt, roster):
    log_in(client, rt, LURAH_KETINTANG)
    overview = client.get("/dashboard")
    assert overview.status_code == 200
    body = overview.get_data(as_text=True)
    assert "Kelurahan Ketintang" in body
    assert overview.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in overview.headers["Content-Security-Policy"]
    client.post("/dashboard/logout", data={"csrf_token": csrf_of(overview)})
    assert client.get("/dashboard").status_code == 302


def test_a_copied_session_cookie_dies_at_logout_and_after_twelve_hours(app, client, rt,
                                                                       roster, clock):
    log_in(client, rt, LURAH_KETINTANG)
    cookie = client.get_cookie("session").value
    copy = app.test_client()
    copy.set_cookie("session", cookie)
    assert copy.get("/dashboard").status_code == 200
    client.post("/dashboard/logout", data={"csrf_token": csrf_of(client.get("/dashboard"))})
    refused = copy.get("/dashboard")
    assert refused.status_code == 302 and refused.headers["Location"].endswith("/dashboard/login")

    log_in(client, rt, LURAH_KETINTANG)
    clock.advance(hours=11, minutes=59)
    assert client.get("/dashboard").status_code == 200
    clock.advance(minutes=1)
    assert client.get("/dashboard").status_code == 302


def test_only_the_hash_of_the_token_is_stored(rt, roster):
    from models import LoginToken

    link = login_link(rt, LURAH_KETINTANG)
    token = link.rsplit("/", 1)[1]
    assert link.startswith("http://localhost/dashboard/login/") and len(token) >= 40
    with rt.sessions() as db:
        [row] = db.scalars(select(LoginToken)).all()
    assert row.token_hash != token and len(row.token_hash) == 64
    assert row.expires_at - row.created_at == timedelta(minutes=15)


def test_a_reused_link_is_refused(client, app, rt, roster):
    path = urlsplit(login_link(rt, LURAH_KETINTANG)).path
    page = client.get(path)
    assert client.post(path, data={"csrf_token": csrf_of(page)}).status_code == 302
    other = app.test_client()
    refused = other.get(path)
    assert refused.status_code == 410 and "sudah pernah dipakai" in refused.get_data(as_text=True)
    assert other.get("/dashboard").status_code == 302


def test_a_reused_link_is_refused_even_with_a_valid_form(client, app, rt, roster):
    path = urlsplit(login_link(rt, LURAH_KETINTANG)).path
    first, second = client, app.test_client()
    page1, page2 = first.get(path), second.get(path)       # both opened before either click
    assert first.post(path, data={"csrf_token": csrf_of(page1)}).status_code == 302
    refused = second.post(path, data={"csrf_token": csrf_of(page2)})
    assert refused.status_code == 410 and "sudah pernah dipakai" in refused.get_data(as_text=True)
    assert second.get("/dashboard").status_code == 302


def test_an_expired_link_is_refused(client, rt, roster, clock):
    path = urlsplit(login_link(rt, LURAH_KETINTANG)).path
    page = client.get(path)
    clock.advance(minutes=15, seconds=1)
    assert client.get(path).status_code == 410
    refused = client.post(path, data={"csrf_token": csrf_of(page)})
    assert refused.status_code == 410 and "kedaluwarsa" in refused.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302


def test_an_unknown_link_is_refused(client, roster):
    assert client.get("/dashboard/login/not-a-real-token").status_code == 404


def test_the_login_form_needs_its_csrf_token_and_the_link_survives(client, rt, roster):
    path = urlsplit(login_link(rt, LURAH_KETINTANG)).path
    page = client.get(path)
    assert client.post(path).status_code == 400
    assert client.post(path, data={"csrf_token": "forged"}).status_code == 400
    assert client.post(path, data={"csrf_token": csrf_of(page)}).status_code == 302


def test_a_session_lasts_twelve_hours(client, rt, roster, clock):
    log_in(client, rt, LURAH_KETINTANG)
    clock.advance(hours=11, minutes=59)
    assert client.get("/dashboard").status_code == 200
    clock.advance(minutes=2)
    assert client.get("/dashboard").status_code == 302


def test_the_jagir_lurah_gets_404_for_a_ketintang_ticket(client, rt, late_ticket):
    log_in(client, rt, LURAH_JAGIR)
    assert client.get(f"/dashboard/tickets/{late_ticket}").status_code == 404
    listing = client.get("/dashboard/tickets?status=all").get_data(as_text=True)
    assert f"#{late_ticket}" not in listing
    overview = client.get("/dashboard").get_data(as_text=True)
    assert f"#{late_ticket}" not in overview and "Ketintang" not in overview


@pytest.mark.parametrize("phone, status", [(LURAH_KETINTANG, 200), (CITY, 200),
                                           (CAMAT_WONOKROMO, 404), (LURAH_JAGIR, 404)])
def test_a_ticket_is_visible_only_in_scope(client, rt, late_ticket, phone, status):
    log_in(client, rt, phone)
    assert client.get(f"/dashboard/tickets/{late_ticket}").status_code == status


def test_the_ticket_page_masks_personal_data_and_shows_the_timeline(client, rt, late_ticket):
    log_in(client, rt, LURAH_KETINTANG)
    page = client.get(f"/dashboard/tickets/{late_ticket}").get_data(as_text=True)
    assert "3578********0001" in page and NIK not in page
    assert "0857****5678" in page and CITIZEN not in page and CITIZEN[1:] not in page
    assert "Permohonan KTP diajukan untuk Ketintang RW 3" in page
    assert "Melewati batas waktu layanan" in page
    assert "Maafkan keterlambatan" in page


def _excuse_form(client, number):
    return csrf_of(client.get(f"/dashboard/tickets/{number}"))


def test_excusing_needs_the_csrf_token(client, rt, late_ticket):
    log_in(client, rt, LURAH_KETINTANG)
    path = f"/dashboard/tickets/{late_ticket}/excuse"
    assert client.post(path, data={"reason": "banjir"}).status_code == 400
    assert client.post(path, data={"reason": "banjir", "csrf_token": "forged"}).status_code == 400
    with rt.sessions() as db:
        assert db.scalar(select(Breach)).excused_at is None


def test_excusing_needs_a_reason(client, rt, late_ticket):
    log_in(client, rt, LURAH_KETINTANG)
    token = _excuse_form(client, late_ticket)
    response = client.post(f"/dashboard/tickets/{late_ticket}/excuse",
                           data={"reason": "   ", "csrf_token": token})
    assert response.status_code == 400 and "Alasan wajib diisi" in response.get_data(as_text=True)
    with rt.sessions() as db:
        assert db.scalar(select(Breach)).excused_at is None


def test_excusing_records_the_reason_and_tells_the_officer(client, rt, late_ticket):
    log_in(client, rt, LURAH_KETINTANG)
    token = _excuse_form(client, late_ticket)
    response = client.post(f"/dashboard/tickets/{late_ticket}/excuse",
                           data={"reason": "Listrik padam seharian", "csrf_token": token},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Keterlambatan dimaafkan" in page
    assert "Listrik padam seharian" in page
    with rt.sessions() as db:
        breach = db.scalar(select(Breach))
        assert breach.excuse_reason == "Listrik padam seharian" and breach.excused_at
        told = db.scalars(select(Message.body).where(Message.phone == SITI,
                                                     Message.direction == "out")).all()
        assert any("telah dimaafkan" in body and "Listrik padam" in body for body in told)
        assert db.scalar(select(LedgerEntry).where(LedgerEntry.key == "reverse:breach"))
    again = client.post(f"/dashboard/tickets/{late_ticket}/excuse",
                        data={"reason": "lagi", "csrf_token": token})
    assert again.status_code == 400


def _assert_excusal_not_found(client, rt, number, reason: str) -> None:
    token = csrf_of(client.get("/dashboard"))
    response = client.post(f"/dashboard/tickets/{number}/excuse",
                           data={"reason": reason, "csrf_token": token})
    assert response.status_code == 404
    with rt.sessions() as db:
        assert db.scalar(select(Breach)).excused_at is None


def test_an_out_of_scope_excusal_is_refused_as_not_found(client, rt, late_ticket):
    log_in(client, rt, LURAH_JAGIR)
    _assert_excusal_not_found(client, rt, late_ticket, "bukan wilayah saya")


def test_the_overview_counts_overdue_and_due_today(client, rt, roster, clock, late_ticket):
    due_today = file_ticket(rt, clock, wib(2026, 11, 23, 15), rw=4, phone="+6285700000002")
    clock.set(wib(2026, 11, 24, 11))
    log_in(client, rt, LURAH_KETINTANG)
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'id="fig-open">2<' in page and 'id="fig-overdue">1<' in page
    assert 'id="fig-due">1<' in page and 'id="fig-breaches">1<' in page
    assert f"#{late_ticket}" in page and f"#{due_today}" in page
    assert "<svg" in page and "Ketintang RW 3" in page


def test_ticket_filters(client, rt, roster, clock, late_ticket):
    kk_dewi = file_ticket(rt, clock, wib(2026, 11, 24, 12), rw=4, phone="+6285700000002")
    log_in(client, rt, LURAH_KETINTANG)

    def listed(query):
        page = client.get("/dashboard/tickets?" + query).get_data(as_text=True)
        return {n for n in (late_ticket, kk_dewi) if f">#{n}<" in page}

    assert listed("status=open") == {late_ticket, kk_dewi}
    assert listed("status=overdue") == {late_ticket}
    assert listed("status=resolved") == set()
    assert listed("service=KK") == set()
    with rt.sessions() as db:
        from models import RW, Kelurahan, Staff
        rw4 = db.scalar(select(RW.id).join(Kelurahan).where(Kelurahan.name == "Ketintang",
                                                            RW.number == 4))
        siti = db.scalar(select(Staff.id).where(Staff.phone == SITI))
    assert listed(f"rw={rw4}") == {kk_dewi}
    assert listed(f"officer={siti}") == {late_ticket}
    assert listed("status=nonsense&rw=abc") == {late_ticket, kk_dewi}


def test_the_csv_has_masked_phones_and_no_nik(client, rt, late_ticket):
    log_in(client, rt, LURAH_KETINTANG)
    response = client.get("/dashboard/report.csv?month=2026-11")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "laporan-2026-11-kelurahan-ketintang.csv" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert "Siti Rahmawati,0812****0101" in text and "#1" in text
    assert NIK not in text and "0812000001" not in text and "+62" not in text
    assert "Bambang" not in text  # Jagir is not the Ketintang lurah's


def test_the_report_page_is_limited_to_the_region(client, rt, late_ticket):
    log_in(client, rt, LURAH_JAGIR)
    page = client.get("/dashboard/report?month=2026-11").get_data(as_text=True)
    assert "Bambang Wijaya" in page and "Siti Rahmawati" not in page
    assert client.get("/dashboard/report?month=2026-13").status_code == 404


def test_the_officers_page_shows_scorecards_in_scope(client, rt, late_ticket):
    log_in(client, rt, LURAH_KETINTANG)
    page = client.get("/dashboard/officers").get_data(as_text=True)
    assert "Siti Rahmawati" in page and "Dewi Lestari" in page and "Bambang" not in page
    assert page.count('class="spark"') == 3 and "0812****0101" in page
    assert SITI not in page and BAMBANG not in page


@pytest.mark.twilio
def test_masuk_over_whatsapp_sends_a_link_that_signs_in(client, rt, roster, fake_twilio):
    from services.channel.delivery import deliver_due
    from tests.support.whatsapp import Phone

    Phone(client, LURAH_KETINTANG).send("masuk")
    deliver_due(rt, rt.transport)
    [reply] = fake_twilio.to(LURAH_KETINTANG)
    link = next(word for word in reply.split() if "/dashboard/login/" in word)
    path = urlsplit(link).path
    response = client.post(path, data={"csrf_token": csrf_of(client.get(path))})
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200
    Phone(client, SITI).send("MASUK")
    deliver_due(rt, rt.transport)
    assert "/dashboard/login/" not in fake_twilio.to(SITI)[-1]


def test_messages_twilio_could_not_deliver_are_shown_to_the_supervisor(client, rt, late_ticket):
    from models import Message

    with rt.transaction() as db:
        for row in db.scalars(select(Message).where(Message.direction == "out",
                                                    Message.ticket_id == late_ticket)):
            row.status, row.error_code = "failed", 21211
    log_in(client, rt, LURAH_JAGIR)
    assert "gagal terkirim" not in client.get("/dashboard").get_data(as_text=True)
    client.post("/dashboard/logout", data={"csrf_token": csrf_of(client.get("/dashboard"))})
    log_in(client, rt, LURAH_KETINTANG)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Pesan WhatsApp gagal terkirim" in page and "21211" in page
    assert f"#{late_ticket}" in page and "0812****0101" in page


# -- hostile input: no 500, the same answer as for anything else unknown ---------------------

HUGE_NUMBERS = ["2147483648", "9223372036854775807", "9223372036854775808", "9" * 40]


@pytest.mark.parametrize("month", ["0000-01", "0001-01", "1999-12", "2100-01", "9999-12"])
@pytest.mark.parametrize("page", ["/dashboard/report", "/dashboard/report.csv"])
def test_a_month_out_of_range_is_not_found(client, rt, late_ticket, page, month):
    log_in(client, rt, LURAH_KETINTANG)
    response = client.get(f"{page}?month={month}")
    assert response.status_code == 404
    assert "Tidak ditemukan" in response.get_data(as_text=True)


@pytest.mark.parametrize("number", HUGE_NUMBERS)
def test_a_ticket_number_past_the_database_integer_is_not_found(client, rt, late_ticket,
                                                                number):
    log_in(client, rt, CITY)
    assert client.get(f"/dashboard/tickets/{number}").status_code == 404
    _assert_excusal_not_found(client, rt, number, "banjir")


def _excuse(client, number, reason):
    token = _excuse_form(client, number)
    return client.post(f"/dashboard/tickets/{number}/excuse",
                       data={"reason": reason, "csrf_token": token})


def test_an_excusal_reason_over_500_characters_is_refused_and_nothing_is_stored(client, rt,
                                                                                late_ticket):
    from models import TicketEvent

    log_in(client, rt, LURAH_KETINTANG)
    with rt.sessions() as db:
        events = db.scalar(select(func.count()).select_from(TicketEvent))
        messages = db.scalar(select(func.count()).select_from(Message))
    for reason in ("x" * 100_000, "y" * 501):
        response = _excuse(client, late_ticket, reason)
        page = response.get_data(as_text=True)
        assert response.status_code == 400
        assert "Alasan terlalu panjang: paling banyak 500 karakter" in page
        assert "belum ada yang disimpan" in page
    with rt.sessions() as db:
        breach = db.scalar(select(Breach))
        assert breach.excused_at is None and breach.excuse_reason is None
        assert db.scalar(select(func.count()).select_from(TicketEvent)) == events
        assert db.scalar(select(func.count()).select_from(Message)) == messages


def test_a_reason_of_500_characters_with_line_breaks_is_accepted(client, rt, late_ticket):
    log_in(client, rt, LURAH_KETINTANG)
    reason = ("a" * 99 + "\r\n") * 4 + "b" * 100     # 500 as the textarea counts it
    assert _excuse(client, late_ticket, reason).status_code == 302
    with rt.sessions() as db:
        assert db.scalar(select(Breach)).excuse_reason == reason.replace("\r\n", "\n")


def test_the_reason_field_carries_the_same_limit(client, rt, late_ticket):
    log_in(client, rt, LURAH_KETINTANG)
    page = client.get(f"/dashboard/tickets/{late_ticket}").get_data(as_text=True)
    assert 'maxlength="500"' in page


# -- headers and error pages ------------------------------------------------------------------

SECURITY_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
                    "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"}


def _assert_secure(response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (name, response.headers)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("method, path, status, says", [
    ("GET", "/healthz", 200, None),
    ("GET", "/tidak-ada", 404, "Tidak ditemukan"),
    ("GET", "/dashboard/tidak-ada", 404, "Tidak ditemukan"),
    ("GET", "/static/tidak-ada.css", 404, "Tidak ditemukan"),
    ("GET", "/dashboard/logout", 405, "Cara akses tidak didukung"),
    ("DELETE", "/healthz", 405, "Cara akses tidak didukung"),
    ("GET", "/", 200, None),
    ("GET", "/dashboard/login", 200, None),
    ("GET", "/dashboard/login/bukan-token", 404, None),
])
def test_every_response_carries_the_security_headers(client, roster, method, path, status,
                                                     says):
    response = client.open(path, method=method)
    assert response.status_code == status
    _assert_secure(response)
    if says:
        assert says in response.get_data(as_text=True)
    if status == 405:
        assert response.headers["Allow"]


def test_a_body_over_the_limit_gets_the_page_and_the_headers(client, roster):
    response = client.post("/dashboard/logout", data={"x": "y" * (1024 * 1024 + 1)})
    assert response.status_code == 413
    assert "Kiriman terlalu besar" in response.get_data(as_text=True)
    _assert_secure(response)


def test_an_unexpected_failure_gets_an_indonesian_page_with_the_headers(app, roster):
    @app.get("/_rusak")
    def _broken():
        raise RuntimeError("boom")

    app.config.update(TESTING=False, PROPAGATE_EXCEPTIONS=False)
    response = app.test_client().get("/_rusak")
    page = response.get_data(as_text=True)
    assert response.status_code == 500 and "Terjadi gangguan" in page and "boom" not in page
    _assert_secure(response)
