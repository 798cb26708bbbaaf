"""Officers see the photo in WhatsApp: each item goes as its own message with a MediaUrl of
the app (`PUBLIC_BASE_URL/media/<signed token>`), only once its file is stored; the link
serves that one file until it expires."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from models import Message, Ticket
from services.media.links import media_token
from tests.support.media import HTML, JPEG, JPEG_2, PDF, SITI, WARGA, MediaChat
from tests.support.whatsapp import PUBLIC_BASE_URL

AGUS = "+6281200000102"          # backup of Ketintang RW 1-3
BAMBANG = "+6281200000201"       # officer of Jagir


pytestmark = pytest.mark.twilio_server


@pytest.fixture
def chat(client, rt, fake_twilio_server, roster):
    return MediaChat(client, rt, fake_twilio_server)


def _get(client, url: str):
    assert url.startswith(PUBLIC_BASE_URL + "/media/")
    return client.get(urlsplit(url).path)


def test_the_new_ticket_message_is_followed_by_each_photo_from_a_link_of_the_app(
        chat, client):
    number = chat.file_ktp(photos=[(JPEG, "image/jpeg"), (PDF, "application/pdf")])
    [text] = chat.received(SITI)
    assert f"Tiket baru #{number}" in text.body and "Lampiran: 2 foto/dokumen" in text.body
    assert text.media_urls == []
    assert [m.status for m in chat.outbound(SITI)[1:]] == ["held", "held"]   # not stored yet

    chat.jobs()

    text, first, second = chat.received(SITI)
    assert first.body == f"Lampiran 1 dari 2 · tiket #{number}. Balas (kutip) pesan ini " \
                         "untuk menjawab warga."
    assert second.body.startswith(f"Lampiran 2 dari 2 · tiket #{number}")
    assert len(first.media_urls) == len(second.media_urls) == 1    # one per message
    photo, document = _get(client, first.media_urls[0]), _get(client, second.media_urls[0])
    assert (photo.status_code, photo.mimetype, photo.data) == (200, "image/jpeg", JPEG)
    assert (document.status_code, document.mimetype, document.data) == (
        200, "application/pdf", PDF)
    assert photo.headers["Cache-Control"] == "private, no-store"
    assert all("/2010-04-01/Accounts" not in (c.body or "") for c in chat.fake.snapshot())
    with chat.rt.sessions() as db:
        ticket = db.get(Ticket, number)
        assert [m["content_type"] for m in ticket.media] == ["image/jpeg", "application/pdf"]
        kinds = [r.kind for r in db.scalars(select(Message).where(
            Message.phone == SITI, Message.direction == "out").order_by(Message.id))]
    assert kinds == ["new_ticket", "media", "media"]


def test_a_quote_reply_to_the_photo_acts_on_its_ticket(chat):
    number = chat.file_ktp(photos=[(JPEG, "image/jpeg")])
    chat.jobs()
    photo_sid = chat.received(SITI)[-1].sid
    chat.send(SITI, "TERIMA", OriginalRepliedMessageSid=photo_sid)
    chat.deliver()
    assert chat.bodies(SITI)[-1].startswith(f"Tiket #{number} Anda terima.")
    with chat.rt.sessions() as db:
        assert db.get(Ticket, number).status.value == "in_progress"


def test_a_photo_refused_after_download_is_never_sent_and_holds_nothing(chat):
    number = chat.file_ktp(photos=[(HTML, "image/jpeg"), (JPEG, "image/jpeg")])
    chat.jobs()
    bodies = chat.bodies(SITI)
    assert len(bodies) == 2 and bodies[1].startswith(f"Lampiran 2 dari 2 · tiket #{number}")
    assert [m.status for m in chat.outbound(SITI)] == ["queued", "dropped", "queued"]
    assert "ternyata bukan foto" in chat.bodies(WARGA)[-1]
    assert f"Tiket #{number} tetap diproses" in chat.bodies(WARGA)[-1]


def test_the_citizens_answer_to_tanya_brings_its_photo_to_the_officer(chat, client):
    number = chat.file_ktp()
    chat.send(SITI, f"TANYA {number} Mohon kirim foto KK")
    chat.deliver()
    chat.send(WARGA, "ini fotonya", photos=[(JPEG_2, "image/jpeg")])
    chat.deliver()
    assert "Lampiran: 1 foto/dokumen, menyusul" in chat.bodies(SITI)[-1]
    chat.jobs()
    last = chat.received(SITI)[-1]
    assert last.body.startswith(f"Lampiran 1 dari 1 · tiket #{number}")
    assert _get(client, last.media_urls[0]).data == JPEG_2
    with chat.rt.sessions() as db:   # the answer's photo is part of the request now
        assert len(db.get(Ticket, number).media) == 1


def test_an_officers_photo_in_a_quote_reply_reaches_the_citizen(chat, client):
    number = chat.file_ktp()
    ticket_sid = chat.received(SITI)[0].sid
    chat.send(SITI, "Contoh pas foto yang benar", photos=[(JPEG, "image/jpeg")],
              OriginalRepliedMessageSid=ticket_sid)
    chat.jobs()
    text, photo = chat.received(WARGA)[-2:]
    assert "Contoh pas foto yang benar" in text.body and "menyusul" in text.body
    assert photo.body == f"Foto dari petugas untuk tiket #{number}."
    assert _get(client, photo.media_urls[0]).data == JPEG


def test_the_officer_a_ticket_is_transferred_to_gets_its_photos(chat):
    number = chat.file_ktp(photos=[(JPEG, "image/jpeg")])
    chat.jobs()
    chat.send(SITI, f"ALIHKAN {number} Jagir RW 2")
    chat.jobs()
    text, photo = chat.received(BAMBANG)
    assert "DIALIHKAN" in text.body and len(photo.media_urls) == 1


def test_a_photo_still_held_when_the_ticket_closes_is_dropped(chat):
    number = chat.file_ktp(photos=[(JPEG, "image/jpeg")])
    chat.send(WARGA, f"BATAL {number}")
    chat.jobs()
    assert [m.status for m in chat.outbound(SITI)[:2]] == ["queued", "dropped"]
    assert not any(c.media_urls for c in chat.received(SITI))


def test_a_link_serves_its_one_file_and_nothing_else(chat, client, rt):
    chat.file_ktp(photos=[(JPEG, "image/jpeg"), (JPEG_2, "image/jpeg")])
    chat.jobs()
    first, second = (c.media_urls[0] for c in chat.received(SITI)[1:])
    assert _get(client, first).data == JPEG and _get(client, second).data == JPEG_2
    token = urlsplit(first).path.removeprefix("/media/")
    media_id, rest = token.split(".", 1)
    other_id = str(int(media_id) + 1)
    assert client.get(f"/media/{other_id}.{rest}").status_code == 404        # id changed
    assert client.get(f"/media/{token[:-2]}xx").status_code == 404           # signature
    assert client.get("/media/garbage").status_code == 404
    assert client.get("/media/").status_code == 404
    page = client.get("/media/nope")
    assert page.status_code == 404 and "Tidak ditemukan" in page.get_data(as_text=True)


def test_a_link_expires_after_24_hours(chat, client, clock):
    chat.file_ktp(photos=[(JPEG, "image/jpeg")])
    chat.jobs()
    url = chat.received(SITI)[-1].media_urls[0]
    clock.advance(hours=23, minutes=59)
    assert _get(client, url).status_code == 200
    clock.advance(minutes=1)
    assert _get(client, url).status_code == 404


def test_a_link_signed_with_another_key_is_refused(chat, client, rt):
    from dataclasses import replace

    chat.file_ktp(photos=[(JPEG, "image/jpeg")])
    chat.jobs()
    [media] = chat.media_rows()
    forged = media_token(replace(rt.settings, secret_key="someone-else"), media.id, rt.now())
    assert client.get(f"/media/{forged}").status_code == 404
    assert client.get(f"/media/{media_token(rt.settings, media.id, rt.now())}").status_code \
        == 200


def test_outside_the_window_the_photo_waits_for_the_officer_to_write(chat, rt, clock):
    from dataclasses import replace

    rt.settings = replace(rt.settings, content_sids={"new_ticket": "HX" + "1" * 32})
    number = chat.file_ktp(photos=[(JPEG, "image/jpeg")])
    chat.jobs()
    [template] = chat.received(SITI)          # Siti has not written in 24 h
    assert template.content_sid and template.media_urls == []
    assert [m.status for m in chat.outbound(SITI)] == ["queued", "held"]
    clock.advance(hours=2)
    chat.jobs()
    assert len(chat.received(SITI)) == 1      # still waiting: no free-form message may go
    chat.send(SITI, f"TERIMA {number}")       # her message opens the window
    chat.jobs()
    done, photo = chat.received(SITI)[1:]
    assert "Anda terima" in done.body and len(photo.media_urls) == 1
