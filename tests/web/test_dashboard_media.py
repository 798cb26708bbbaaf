"""The ticket page shows the citizen's attachments and the officer's evidence as thumbnails,
each opening the full file, for a signed-in supervisor whose region holds the ticket."""

from __future__ import annotations

import re

import pytest

from models import MediaRole
from tests.support.clock import wib
from tests.support.dashboard import (
    LURAH_JAGIR,
    LURAH_KETINTANG,
    PHOTO,
    attach_photo,
    file_ticket,
    log_in,
)

PDF = b"%PDF-1.4\n%%EOF\n"
EVIDENCE = b"\x89PNG\r\n\x1a\n" + b"bukti KTP jadi " * 20
TWILIO_MEDIA = ("https://api.twilio.com/2010-04-01/Accounts/AC" + "0" * 32
                + "/Messages/MM" + "1" * 32 + "/Media/ME" + "1" * 32)


@pytest.fixture
def tickets(rt, roster, clock):
    """#1 in Ketintang with a photo, a PDF and evidence; #2 in Jagir with a photo."""
    first = file_ticket(rt, clock, wib(2026, 11, 23, 10))
    second = file_ticket(rt, clock, wib(2026, 11, 23, 11), kelurahan="Jagir", rw=2,
                         phone="+6285799990000")
    ids = {"photo": attach_photo(rt, first),
           "pdf": attach_photo(rt, first, PDF),
           "evidence": attach_photo(rt, first, EVIDENCE, MediaRole.EVIDENCE),
           "other": attach_photo(rt, second, PHOTO, phone="+6285799990000")}
    return first, second, ids


def _src(number: int, media_id: int) -> str:
    return f"/dashboard/tickets/{number}/media/{media_id}"


def test_the_ticket_page_shows_thumbnails_that_open_the_full_file(client, rt, tickets):
    first, _second, ids = tickets
    log_in(client, rt, LURAH_KETINTANG)
    page = client.get(f"/dashboard/tickets/{first}").get_data(as_text=True)
    attachments, evidence = page.split("Lampiran warga")[1].split("Bukti penyelesaian")
    assert f'<img src="{_src(first, ids["photo"])}"' in attachments
    assert f'href="{_src(first, ids["pdf"])}"' in attachments and ">PDF<" in attachments
    assert f'<img src="{_src(first, ids["evidence"])}"' in evidence
    assert _src(first, ids["evidence"]) not in attachments
    for key, data, kind in (("photo", PHOTO, "image/jpeg"), ("pdf", PDF, "application/pdf"),
                            ("evidence", EVIDENCE, "image/png")):
        response = client.get(_src(first, ids[key]))
        assert (response.status_code, response.mimetype, response.data) == (200, kind, data)
        assert response.headers["Cache-Control"] == "private, no-store"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_file_is_served_only_under_its_own_ticket(client, rt, tickets):
    first, second, ids = tickets
    log_in(client, rt, LURAH_KETINTANG)
    assert client.get(_src(first, ids["other"])).status_code == 404   # #2's, asked via #1
    assert client.get(_src(first, 999)).status_code == 404
    assert client.get(_src(999, ids["photo"])).status_code == 404


def test_out_of_scope_is_404_and_signed_out_is_the_login(client, rt, tickets):
    first, second, ids = tickets
    response = client.get(_src(first, ids["photo"]))
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/dashboard/login")
    log_in(client, rt, LURAH_JAGIR)
    assert client.get(_src(first, ids["photo"])).status_code == 404
    assert client.get(_src(second, ids["other"])).data == PHOTO


def test_a_photo_not_yet_here_or_refused_is_said_in_words(client, rt, tickets):
    first, _second, _ids = tickets
    attach_photo(rt, first, b"<html>bukan foto</html>")
    from models import Message
    from services.channel.simulator import simulate_inbound
    from services.media.catalogue import attach_media

    outcome = simulate_inbound(rt, rt.handler, "+6285700000555", "",
                               media=[{"url": TWILIO_MEDIA, "content_type": "image/jpeg"}])
    with rt.transaction() as db:
        attach_media(db, db.get(Message, outcome.message_id).media, first,
                     MediaRole.ATTACHMENT)
    log_in(client, rt, LURAH_KETINTANG)
    page = client.get(f"/dashboard/tickets/{first}").get_data(as_text=True)
    assert "Ditolak: bukan foto atau PDF" in page
    assert "Sedang diambil dari WhatsApp" in page
    assert len(re.findall(r"<img ", page)) == 2 and TWILIO_MEDIA not in page
