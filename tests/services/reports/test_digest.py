"""The daily digest: scope, figures, text, once per supervisor per date, splitting, masking."""

from __future__ import annotations

import re
import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from models import DigestSent, Message, Staff
from services.core.context import Ctx
from services.core.runtime import build_runtime
from services.reports.digest import (
    DigestError,
    build_digest,
    daily_digest_job,
    send_daily_digests,
    send_digest_now,
)
from tests.support.digest_desk import (
    CAMAT_WONOKROMO,
    CITY,
    LURAH_JAGIR,
    LURAH_KETINTANG,
    MONDAY,
    NIK,
    SUPERVISORS,
    Desk,
    week,
)

WHOLE_NIK = re.compile(r"\d{16}")
WHOLE_PHONE = re.compile(r"(\+?62|0)8\d{8,}")


@pytest.fixture
def desk(rt, clock, roster) -> Desk:
    return Desk(rt, clock)


@pytest.fixture
def tickets(desk) -> dict[str, int]:
    return week(desk)


def _digest(rt, phone: str, day: date = MONDAY, live: bool = False):
    with rt.sessions() as db:
        ctx = Ctx(db, rt.now(), rt)
        return build_digest(ctx, db.scalar(select(Staff).where(Staff.phone == phone)), day,
                            live=live)


def _numbers(items) -> list[int]:
    return [item.ticket_id for item in items]


def _bodies(rt, phone: str) -> list[str]:
    with rt.sessions() as db:
        return list(db.scalars(select(Message.body).where(
            Message.phone == phone, Message.kind == "digest").order_by(Message.id)))


def test_lurah_sees_only_their_kelurahan(rt, tickets):
    ketintang, jagir = _digest(rt, LURAH_KETINTANG), _digest(rt, LURAH_JAGIR)
    assert (ketintang.scope, ketintang.opened, ketintang.closed) == ("Kelurahan Ketintang", 0, 0)
    assert _numbers(ketintang.breaches) == _numbers(ketintang.overdue) == [tickets["A"]]
    assert ketintang.due_today == []
    assert [(o.name, o.breaches) for o in ketintang.top_officers] == [("Siti Rahmawati", 1)]
    assert (jagir.opened, jagir.closed, jagir.closed_on_time, jagir.on_time_percent) == (
        2, 1, 1, 100)
    assert jagir.breaches == jagir.overdue == jagir.top_officers == []
    assert _numbers(jagir.due_today) == [tickets["B"]]


def test_camat_sees_their_kecamatan_and_the_city_everything(rt, tickets):
    camat, city = _digest(rt, CAMAT_WONOKROMO), _digest(rt, CITY)
    assert (camat.scope, camat.opened, camat.closed) == ("Kecamatan Wonokromo", 3, 1)
    assert _numbers(camat.due_today) == [tickets["B"], tickets["C"]]
    assert camat.breaches == camat.overdue == []
    assert (city.scope, city.opened, city.closed, city.cancelled) == ("Kota Surabaya", 4, 1, 0)
    assert _numbers(city.due_today) == [tickets["B"], tickets["C"], tickets["E"]]
    assert _numbers(city.breaches) == [tickets["A"]]
    [breach] = city.breaches
    assert (breach.service, breach.rw, breach.officer) == ("KTP", "Ketintang RW 3",
                                                            "Siti Rahmawati")
    assert breach.late_minutes == 360  # Fri 10:00–16:00 in working time, as of Mon 07:00


def test_mondays_digest_covers_friday_to_sunday_and_says_so(rt, tickets):
    send_daily_digests(rt, MONDAY)
    [text] = _bodies(rt, LURAH_KETINTANG)
    assert "Rekap harian Senin, 30 November 2026" in text
    assert "Jumat, 27 November 2026 s.d. Minggu, 29 November 2026" in text
    assert (f"• #{tickets['A']} KTP Ketintang RW 3 – Siti Rahmawati – terlambat 6 jam"
            in text)
    assert "Pelanggaran terbanyak November 2026" in text and "1. Siti Rahmawati – 1" in text
    assert text.endswith("Dasbor: http://localhost/dashboard\n"
                         "(Ketik MASUK untuk mendapat tautan masuk dasbor.)")
    [jagir] = _bodies(rt, LURAH_JAGIR)
    assert "Tepat waktu: 100% (1 dari 1 tiket ditutup)" in jagir
    assert f"• #{tickets['B']} KK Jagir RW 2 – Bambang Wijaya – batas pukul 09.00" in jagir
    assert "Tidak ada pelanggaran" in jagir


def test_a_paused_ticket_is_overdue_only_once_breached(rt, desk):
    waiting = desk.at(2026, 11, 23, 10, 0).file("Ketintang", 3)
    desk.at(2026, 11, 23, 11, 0).ask(waiting)                 # paused well before its deadline
    desk.at(2026, 11, 25, 7, 0)
    assert _digest(rt, LURAH_KETINTANG, date(2026, 11, 25)).overdue == []


def test_closes_breaches_excusals_and_the_top_three(rt, desk):
    for kelurahan, number, count in (("Ketintang", 3, 3), ("Ketintang", 4, 2), ("Jagir", 1, 1),
                                     ("Ngagel", 1, 4)):
        for _ in range(count):
            desk.at(2026, 11, 23, 9, 0).file(kelurahan, number)
    desk.at(2026, 11, 24, 9, 30).sweep()
    desk.at(2026, 11, 24, 10, 0).resolve(1)                   # closed late
    desk.at(2026, 11, 25, 7, 0)
    city = _digest(rt, CITY, date(2026, 11, 25))
    assert (city.closed, city.closed_on_time, city.on_time_percent) == (1, 0, 0)
    assert len(city.breaches) == 10 and city.breaches[0].closed
    assert [(o.name, o.breaches) for o in city.top_officers] == [
        ("Hendra Gunawan", 4), ("Siti Rahmawati", 3), ("Dewi Lestari", 2)]


def test_sending_twice_sends_nothing_the_second_time(rt, tickets):
    first = send_daily_digests(rt, MONDAY)
    assert (first.working_day, first.sent, first.skipped, first.failed) == (True, 4, 0, 0)
    second = send_daily_digests(rt, MONDAY)
    assert (second.sent, second.skipped) == (0, 4)
    for phone in SUPERVISORS:
        assert len(_bodies(rt, phone)) == 1


def test_once_per_supervisor_per_date_under_concurrency(rt, tickets):
    """Six runs at once, half through a second runtime (its own engine, as another process)."""
    other = build_runtime(rt.settings, clock=rt.clock)
    runs, errors, start = [], [], threading.Barrier(6)

    def run(runtime) -> None:
        try:
            start.wait()
            runs.append(send_daily_digests(runtime, MONDAY))
        except Exception as exc:  # surfaced below: a thread must not hide a failure
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(rt if i % 2 else other,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    other.close()
    assert errors == []
    assert sum(r.sent for r in runs) == 4 and sum(r.skipped for r in runs) == 20
    with rt.sessions() as db:
        rows = db.execute(select(Staff.phone, DigestSent.parts)
                          .join(Staff, Staff.id == DigestSent.supervisor_id)).all()
    assert sorted(phone for phone, _ in rows) == sorted(SUPERVISORS)
    for phone, parts in rows:
        assert len(_bodies(rt, phone)) == parts == 1


def test_not_a_working_day_sends_nothing_and_the_future_is_refused(rt, tickets):
    saturday = send_daily_digests(rt, date(2026, 11, 28))
    assert (saturday.working_day, saturday.sent) == (False, 0)
    with pytest.raises(DigestError) as refused:
        send_daily_digests(rt, date(2026, 12, 1))
    assert refused.value.code == "future"
    with rt.sessions() as db:
        assert db.scalar(select(func.count()).select_from(DigestSent)) == 0


def test_the_job_sends_today_on_working_days_only(rt, tickets, desk):
    desk.at(2026, 11, 29, 7, 0)
    assert daily_digest_job(rt).working_day is False
    desk.at(2026, 11, 30, 7, 0)
    assert daily_digest_job(rt).sent == 4
    assert daily_digest_job(rt).skipped == 4


def test_a_long_digest_is_split_in_order_under_1600_characters(rt, desk):
    for _ in range(40):
        desk.at(2026, 11, 23, 9, 0).file("Ketintang", 3)
    desk.at(2026, 11, 24, 9, 30).sweep()
    desk.at(2026, 11, 25, 7, 0)
    send_daily_digests(rt, date(2026, 11, 25))
    parts = _bodies(rt, LURAH_KETINTANG)
    assert len(parts) > 1 and all(len(p) <= 1600 for p in parts)
    assert parts[0].startswith("*Rekap Layanan RW – Kelurahan Ketintang*")
    assert parts[-1].endswith("(Ketik MASUK untuk mendapat tautan masuk dasbor.)")
    listed = [int(n) for n in re.findall(r"^• #(\d+)", "\n".join(parts), re.M)]
    assert listed[:25] == list(range(1, 26))                  # breaches in deadline order
    assert "… dan 15 lainnya, lihat dasbor." in "\n".join(parts)
    with rt.sessions() as db:
        assert db.scalar(select(DigestSent.parts)) == len(parts)


TEMPLATE_SID = "HX" + "d" * 32


@pytest.fixture
def digest_template(overrides):
    overrides["CONTENT_SID_DIGEST"] = TEMPLATE_SID


def test_outside_the_window_the_digest_template_and_its_variables_are_used(digest_template, rt,
                                                                            tickets):
    send_daily_digests(rt, MONDAY)
    with rt.sessions() as db:
        [row] = db.scalars(select(Message).where(Message.phone == LURAH_KETINTANG,
                                                 Message.kind == "digest")).all()
    assert row.content_sid == TEMPLATE_SID
    assert row.content_variables == {
        "1": "Kelurahan Ketintang",
        "2": "Senin, 30 November 2026 (periode Jumat, 27 November 2026 s.d. Minggu, "
             "29 November 2026)",
        "3": "masuk 0, ditutup 0, pelanggaran 1, lewat batas sekarang 1, jatuh tempo hari ini 0",
        "4": "http://localhost/dashboard"}
    assert all("\n" not in v for v in row.content_variables.values())


def test_no_whole_nik_or_phone_in_any_digest(rt, tickets):
    send_daily_digests(rt, MONDAY)
    with rt.sessions() as db:
        rows = db.scalars(select(Message).where(Message.kind == "digest")).all()
        ctx = Ctx(db, rt.now(), rt)
        send_digest_now(ctx, db.scalar(select(Staff).where(Staff.phone == CITY)))
        texts = [r.body for r in rows] + [r.body for r in db.new if isinstance(r, Message)]
    assert len(texts) == 5
    for text in texts:
        assert NIK not in text and not WHOLE_NIK.search(text), text
        assert not WHOLE_PHONE.search(text), text


def test_rekap_is_live_and_claims_nothing(rt, tickets, desk):
    desk.at(2026, 11, 30, 10, 0)
    live = _digest(rt, CITY, live=True)
    assert live.period.live and live.period.last_day == MONDAY
    assert _numbers(live.overdue) == [tickets["A"], tickets["B"]]   # B's deadline was 09:00
    assert _numbers(live.due_today) == [tickets["C"], tickets["E"]]
    with rt.transaction() as db:
        ctx = Ctx(db, rt.now(), rt)
        send_digest_now(ctx, db.scalar(select(Staff).where(Staff.phone == CITY)))
    [text] = _bodies(rt, CITY)
    assert "Rekap saat ini, Senin, 30 Nov 2026 pukul 10.00 WIB" in text
    assert "Jumat, 27 November 2026 pukul 00.00 s.d. sekarang" in text
    assert send_daily_digests(rt, MONDAY).sent == 4
