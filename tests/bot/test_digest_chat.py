"""The digest over WhatsApp: REKAP through the signed webhook, Content templates at 07:00."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import DigestSent
from services.channel.delivery import deliver_due
from services.reports.digest import send_daily_digests
from tests.support.digest_desk import (
    CAMAT_WONOKROMO,
    CITY,
    LURAH_JAGIR,
    LURAH_KETINTANG,
    MONDAY,
    Desk,
    week,
)
from tests.support.whatsapp import Phone

pytestmark = pytest.mark.twilio

SITI = "+6281200000101"
TEMPLATE_SID = "HX" + "d" * 32


@pytest.fixture
def digest_template(overrides):
    overrides["CONTENT_SID_DIGEST"] = TEMPLATE_SID


@pytest.fixture
def tickets(rt, clock, roster, fake_twilio) -> dict[str, int]:
    filed = week(Desk(rt, clock))
    deliver_due(rt, rt.transport)   # the week's own notices out of the way
    return filed


def _rekap(client, rt, fake_twilio, number: str) -> list[str]:
    before = len(fake_twilio.to(number))
    Phone(client, number).send("rekap")
    deliver_due(rt, rt.transport)
    return fake_twilio.to(number)[before:]


def _digests_sent(rt) -> int:
    with rt.sessions() as db:
        return db.scalar(select(func.count()).select_from(DigestSent))


def test_rekap_answers_the_supervisor_and_leaves_the_days_digest_to_come(
        client, rt, fake_twilio, tickets, clock):
    clock.advance(hours=3)                                     # Monday 10:00
    [reply] = _rekap(client, rt, fake_twilio, LURAH_KETINTANG)
    assert reply.startswith("*Rekap Layanan RW – Kelurahan Ketintang*")
    assert "Rekap saat ini, Senin, 30 Nov 2026 pukul 10.00 WIB" in reply
    assert f"#{tickets['A']} KTP Ketintang RW 3 – Siti Rahmawati" in reply
    assert f"#{tickets['B']}" not in reply                     # Jagir is not hers
    assert "http://localhost/dashboard" in reply
    assert _digests_sent(rt) == 0
    run = send_daily_digests(rt, MONDAY)
    assert (run.sent, run.skipped) == (4, 0)
    deliver_due(rt, rt.transport)
    assert fake_twilio.to(LURAH_KETINTANG)[-1].startswith("*Rekap Layanan RW")
    assert "Rekap harian Senin, 30 November 2026" in fake_twilio.to(LURAH_KETINTANG)[-1]


def test_rekap_twice_answers_twice(client, rt, fake_twilio, tickets):
    assert len(_rekap(client, rt, fake_twilio, CITY)) == 1
    assert len(_rekap(client, rt, fake_twilio, CITY)) == 1
    assert _digests_sent(rt) == 0


def test_officers_cannot_ask_for_the_digest(client, rt, fake_twilio, tickets):
    [reply] = _rekap(client, rt, fake_twilio, SITI)
    assert "khusus untuk pengawas" in reply and "Rekap" not in reply


def test_outside_the_window_the_digest_goes_as_its_content_template(
        digest_template, client, rt, fake_twilio, tickets, clock):
    clock.advance(hours=-20)                                   # Sunday 11:00: Jagir writes
    _rekap(client, rt, fake_twilio, LURAH_JAGIR)
    clock.advance(hours=20)                                    # Monday 07:00
    send_daily_digests(rt, MONDAY)
    deliver_due(rt, rt.transport)
    by_phone = {s.to: s for s in fake_twilio.sent[-4:]}
    camat = by_phone[CAMAT_WONOKROMO]                          # never wrote: template
    assert camat.content_sid == TEMPLATE_SID and camat.body is None
    assert camat.content_variables["1"] == "Kecamatan Wonokromo"
    assert camat.content_variables["3"].startswith("masuk 3, ditutup 1 (tepat waktu 100%)")
    assert camat.content_variables["4"] == "http://localhost/dashboard"
    jagir = by_phone[LURAH_JAGIR]                              # wrote 20 h ago: free text
    assert jagir.content_sid is None and jagir.body.startswith("*Rekap Layanan RW")
