"""Over real HTTP both ways, as in production: Twilio posts the photo to the webhook, the
app's own threads download it (basic auth, storage redirect), send it on to the officer,
and Twilio fetches the app's signed link; Twilio's signed status callback comes back."""

from __future__ import annotations

import time

import pytest
import requests
from sqlalchemy import select

from models import Message
from services.media.files import digest
from tests.support.live import Live
from tests.support.media import JPEG, NIK, SITI, WARGA
from tests.support.whatsapp import Phone, sign, twilio_server_settings


@pytest.fixture
def live(overrides, fake_twilio_server):
    fake_twilio_server.fetch_media = True   # as Twilio fetches a MediaUrl before sending
    server = Live({**overrides, **twilio_server_settings(fake_twilio_server, timeout=5),
                   "MEDIA_FETCH_THREAD": True})
    yield server
    server.close()


def _post(live, form: dict) -> requests.Response:
    url = live.url + "/whatsapp/inbound"
    return requests.post(url, data=form, headers={"X-Twilio-Signature": sign(url, form)},
                         timeout=5)


def _until(check, seconds: float = 15.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("timed out waiting")


def test_a_photo_travels_from_the_citizen_to_the_officers_whatsapp(live, fake_twilio_server):
    phone = Phone(None, WARGA)
    for text in ("KTP", "Ketintang RW 3", NIK, "KTP saya rusak terkena banjir"):
        assert _post(live, phone.form(text)).status_code == 200
    fake_twilio_server.fault("hang", count=1, hang_seconds=3, applies_to=("media",))
    url = fake_twilio_server.add_media(JPEG, "image/jpeg")
    started = time.monotonic()
    answer = _post(live, phone.form("", NumMedia="1", MediaUrl0=url,
                                    MediaContentType0="image/jpeg"))
    assert answer.status_code == 200 and time.monotonic() - started < 2.5   # never waits
    assert _post(live, phone.form("YA")).status_code == 200

    def photo_sent():
        return [c for c in fake_twilio_server.by_recipient().get(SITI, []) if c.media_urls]
    [photo] = _until(photo_sent)
    assert photo.media_urls[0].startswith(live.url + "/media/")
    assert photo.media_fetched == [(200, "image/jpeg", digest(JPEG))]
    assert fake_twilio_server.media.items == {}                     # deleted at Twilio

    def recorded():   # the sender has written Twilio's answer (the SID) to the row
        with live.rt.sessions() as db:
            return db.scalar(select(Message).where(Message.sid == photo.sid))
    assert _until(recorded).kind == "media"
    assert fake_twilio_server.post_status(photo.sid, "delivered") == 204
    assert recorded().status == "delivered"
