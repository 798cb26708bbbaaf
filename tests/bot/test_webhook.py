"""The signed webhook: who may write, what is stored, what is answered, exactly once."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from models import Direction, Media, Message
from services.channel.delivery import deliver_due
from tests.support.whatsapp import BOT_NUMBER, PUBLIC_BASE_URL, Phone, post_signed, sign

pytestmark = pytest.mark.twilio
CITIZEN = "+6285700000001"


def _count(rt, direction: str | None = None) -> int:
    with rt.sessions() as db:
        query = select(func.count()).select_from(Message)
        if direction:
            query = query.where(Message.direction == direction)
        return db.scalar(query)


def _flush(rt) -> None:
    deliver_due(rt, rt.transport)


def test_signed_message_is_stored_whole_and_answered(client, rt, fake_twilio):
    phone = Phone(client, CITIZEN, profile_name="Budi")
    form = phone.form("Halo", NumMedia="1", MediaUrl0="https://api.twilio.com/m/1",
                      MediaContentType0="image/jpeg", Latitude="-7.3105", Longitude="112.7290",
                      OriginalRepliedMessageSid="SMquoted")
    response = post_signed(client, "/whatsapp/inbound", form)
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    assert b"<Response" in response.data
    with rt.sessions() as db:
        stored = db.scalar(select(Message).where(Message.direction == "in"))
        media = db.scalar(select(Media))
    assert stored.sid == form["MessageSid"] and stored.phone == CITIZEN
    assert stored.body == "Halo" and stored.profile_name == "Budi"
    # The message names its item by row; the row keeps Twilio's URL for the download.
    assert stored.media == [{"id": media.id, "content_type": "image/jpeg"}]
    assert (media.source_url, media.status) == ("https://api.twilio.com/m/1", "pending")
    assert (stored.latitude, stored.longitude) == (-7.3105, 112.729)
    assert stored.replied_sid == "SMquoted"
    _flush(rt)
    assert len(fake_twilio.to(CITIZEN)) == 1
    assert fake_twilio.sent[0].status_callback == PUBLIC_BASE_URL + "/whatsapp/status"


@pytest.mark.parametrize("signature", ["", "bm90IGEgc2lnbmF0dXJl", None])
def test_missing_or_forged_signature_is_refused_and_nothing_written(client, rt, signature):
    form = Phone(client, CITIZEN).form("KTP")
    if signature is None:  # signed for another account's token
        from twilio.request_validator import RequestValidator
        signature = RequestValidator("other-token").compute_signature(
            PUBLIC_BASE_URL + "/whatsapp/inbound", form)
    response = client.post("/whatsapp/inbound", data=form,
                           headers={"X-Twilio-Signature": signature} if signature else {})
    assert response.status_code == 403
    assert _count(rt) == 0


def test_replay_with_a_changed_body_is_refused(client, rt):
    form = Phone(client, CITIZEN).form("KTP")
    signature = sign(PUBLIC_BASE_URL + "/whatsapp/inbound", form)
    tampered = {**form, "Body": "BATAL 1"}
    assert client.post("/whatsapp/inbound", data=tampered,
                       headers={"X-Twilio-Signature": signature}).status_code == 403
    assert _count(rt) == 0


def test_fields_twilio_adds_later_are_part_of_the_signature(client, rt):
    form = Phone(client, CITIZEN).form("Halo", SomeNewTwilioField="x")
    assert post_signed(client, "/whatsapp/inbound", form).status_code == 200
    assert _count(rt, "in") == 1


def test_redelivery_changes_nothing_and_answers_the_same(client, rt, fake_twilio):
    form = Phone(client, CITIZEN).form("Halo")
    first = post_signed(client, "/whatsapp/inbound", form)
    second = post_signed(client, "/whatsapp/inbound", form)
    assert second.status_code == first.status_code == 200
    assert second.data == first.data
    assert _count(rt, "in") == 1
    _flush(rt)
    assert len(fake_twilio.to(CITIZEN)) == 1


def test_concurrent_redeliveries_store_and_answer_once(app, rt, fake_twilio):
    form = Phone(app.test_client(), CITIZEN).form("Halo")
    statuses: list[int] = []
    barrier = threading.Barrier(6)

    def deliver():
        client = app.test_client()
        barrier.wait()
        statuses.append(post_signed(client, "/whatsapp/inbound", form).status_code)

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 6
    assert _count(rt, "in") == 1
    assert _count(rt, "out") == 1
    _flush(rt)
    assert len(fake_twilio.to(CITIZEN)) == 1


def test_body_over_1600_characters_gets_a_clear_reply(client, rt, fake_twilio):
    Phone(client, CITIZEN).send("a" * 1601)
    _flush(rt)
    assert "terlalu panjang" in fake_twilio.to(CITIZEN)[0]


def test_unknown_media_type_gets_a_clear_reply(client, rt, fake_twilio):
    Phone(client, CITIZEN).send("", NumMedia="1", MediaUrl0="https://x/v",
                                MediaContentType0="video/mp4")
    _flush(rt)
    assert "lampiran ini tidak dapat kami terima" in fake_twilio.to(CITIZEN)[0]


def test_missing_body_is_not_an_error(client, rt, fake_twilio):
    form = Phone(client, CITIZEN).form()
    del form["Body"]
    assert post_signed(client, "/whatsapp/inbound", form).status_code == 200
    _flush(rt)
    assert "Layanan RW" in fake_twilio.to(CITIZEN)[0]


@pytest.mark.parametrize("change", [{"From": "+6285700000001"}, {"MessageSid": ""},
                                    {"From": "whatsapp:not-a-number"}])
def test_malformed_or_non_whatsapp_requests_get_a_clean_400(client, rt, change):
    form = {**Phone(client, CITIZEN).form("KTP"), **change}
    response = post_signed(client, "/whatsapp/inbound", form)
    assert response.status_code == 400
    assert _count(rt) == 0


def test_rate_limit_warns_once_then_ignores_until_the_minute_passes(client, rt, fake_twilio,
                                                                    clock):
    phone = Phone(client, CITIZEN)
    for _ in range(23):
        phone.send("MENU")
    _flush(rt)
    replies = fake_twilio.to(CITIZEN)
    assert len(replies) == 21
    assert "terlalu banyak pesan" in replies[-1]
    assert sum("terlalu banyak pesan" in r for r in replies) == 1
    clock.advance(seconds=61)
    phone.send("MENU")
    _flush(rt)
    assert "Layanan RW" in fake_twilio.to(CITIZEN)[-1]


def test_status_callbacks_move_forward_only(client, rt, fake_twilio):
    Phone(client, CITIZEN).send("Halo")
    _flush(rt)
    sid = fake_twilio.sent[0].sid

    def status(state: str, **extra: str) -> int:
        form = {"MessageSid": sid, "MessageStatus": state, "To": f"whatsapp:{CITIZEN}",
                "From": f"whatsapp:{BOT_NUMBER}", **extra}
        return post_signed(client, "/whatsapp/status", form).status_code

    def stored() -> Message:
        with rt.sessions() as db:
            return db.scalar(select(Message).where(Message.sid == sid))

    assert status("sent") == 204 and stored().status == "sent"
    assert status("read") == 204 and stored().status == "read"
    assert status("delivered") == 204 and stored().status == "read"  # late, out of order
    assert status("sent") == 204 and stored().status == "read"


def test_failed_status_keeps_its_error_code(client, rt, fake_twilio):
    Phone(client, CITIZEN).send("Halo")
    _flush(rt)
    sid = fake_twilio.sent[0].sid
    form = {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "63024"}
    assert post_signed(client, "/whatsapp/status", form).status_code == 204
    with rt.sessions() as db:
        row = db.scalar(select(Message).where(Message.sid == sid))
    assert (row.status, row.error_code) == ("undelivered", 63024)


def test_forged_status_callback_is_refused(client, rt, fake_twilio):
    Phone(client, CITIZEN).send("Halo")
    _flush(rt)
    sid = fake_twilio.sent[0].sid
    form = {"MessageSid": sid, "MessageStatus": "read"}
    assert post_signed(client, "/whatsapp/status", form, signature="forged").status_code == 403
    with rt.sessions() as db:
        assert db.scalar(select(Message.status).where(Message.sid == sid)) == "queued"


def test_stored_direction_values(rt, client):
    Phone(client, CITIZEN).send("Halo")
    assert _count(rt, Direction.IN.value) == 1


def test_the_acknowledgement_carries_the_app_headers_and_its_limits(client, rt):
    # Answered ahead of Flask (bot/inbound_door.py): same headers, same body limit, and
    # any other method on the path still goes to the app.
    form = Phone(client, CITIZEN).form("KTP")
    response = post_signed(client, "/whatsapp/inbound", form)
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    huge = {**form, "MessageSid": "SM" + "f" * 32, "Body": "x" * (1024 * 1024)}
    assert post_signed(client, "/whatsapp/inbound", huge).status_code == 413
    assert client.get("/whatsapp/inbound").status_code in (404, 405)
    assert _count(rt, "in") == 1
