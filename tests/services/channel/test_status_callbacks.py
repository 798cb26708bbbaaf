"""Twilio's status callbacks: applied forward only, kept when they come before the send's
answer (Twilio may post `failed` before the create's HTTP response is read) and applied
once the SID is written."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from models import EarlyStatus, Message
from services.channel.delivery import deliver_due
from services.core.outbox import Envelope, queue
from tests.support.live import Live
from tests.support.whatsapp import post_signed, twilio_server_settings

ALICE = "+6285700000001"
FIRST_SID = "SM" + "0" * 32          # what the mocked Twilio API names its first message


def _queue(rt, body: str = "Halo") -> int:
    with rt.transaction() as db:
        [row] = queue(db, rt.settings, rt.now(), Envelope(to=ALICE, body=body, kind="notice"))
        db.flush()
        return row.id


def _row(rt, message_id: int) -> Message:
    with rt.sessions() as db:
        return db.get(Message, message_id)


def _kept(rt) -> int:
    with rt.sessions() as db:
        return db.scalar(select(func.count()).select_from(EarlyStatus))


def _callback(client, sid: str, status: str, code: int | None = None):
    form = {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC" + "0" * 32}
    if code is not None:
        form["ErrorCode"] = str(code)
    response = post_signed(client, "/whatsapp/status", form)
    assert response.status_code == 204
    return response


def test_a_failure_posted_before_the_send_is_answered_ends_the_message_failed(
        overrides, fake_twilio_server):
    fake, answers = fake_twilio_server, []
    fake.before_answer = lambda item: answers.append(fake.post_status(item.sid, "failed",
                                                                      63016))
    live = Live({**overrides, **twilio_server_settings(fake, timeout=2.0)})
    try:
        message_id = _queue(live.rt)             # the app's own sender thread sends it
        deadline = time.monotonic() + 10
        while _row(live.rt, message_id).status != "failed" and time.monotonic() < deadline:
            time.sleep(0.05)
        row = _row(live.rt, message_id)
        kept = _kept(live.rt)
    finally:
        live.close()
    assert answers == [204]                      # the callback came first, and was taken
    [created] = fake.snapshot()
    assert (row.sid, row.status, row.error_code) == (created.sid, "failed", 63016)
    assert kept == 0, "a kept callback was applied but not forgotten"


@pytest.mark.twilio
def test_an_early_delivered_is_not_moved_back_by_the_sends_queued(rt, client, fake_twilio):
    message_id = _queue(rt)
    _callback(client, FIRST_SID, "sent")
    _callback(client, FIRST_SID, "delivered")
    assert _kept(rt) == 2
    deliver_due(rt, rt.transport)
    row = _row(rt, message_id)
    assert (row.sid, row.status, row.error_code) == (FIRST_SID, "delivered", None)
    assert _kept(rt) == 0
    _callback(client, FIRST_SID, "sent")        # a late, stale one changes nothing
    assert _row(rt, message_id).status == "delivered"


@pytest.mark.twilio
def test_a_later_success_clears_a_stale_error_code(rt, client, fake_twilio):
    message_id = _queue(rt)
    _callback(client, FIRST_SID, "undelivered", 63024)
    deliver_due(rt, rt.transport)
    row = _row(rt, message_id)
    assert (row.status, row.error_code) == ("undelivered", 63024)
    _callback(client, FIRST_SID, "read")
    row = _row(rt, message_id)
    assert (row.status, row.error_code, row.error_message) == ("read", None, None)


@pytest.mark.twilio
def test_a_kept_callback_that_never_finds_its_message_is_dropped_after_a_day(
        rt, client, clock, fake_twilio):
    _callback(client, "SM" + "f" * 32, "delivered")   # not ours, or its message is gone
    clock.advance(days=1, minutes=1)
    _callback(client, "SM" + "e" * 32, "sent")
    with rt.sessions() as db:
        assert list(db.scalars(select(EarlyStatus.sid))) == ["SM" + "e" * 32]


@pytest.mark.twilio
def test_a_callback_for_a_known_message_is_applied_at_once(rt, client, fake_twilio):
    message_id = _queue(rt)
    deliver_due(rt, rt.transport)
    _callback(client, FIRST_SID, "failed", 63016)
    row = _row(rt, message_id)
    assert (row.status, row.error_code, _kept(rt)) == ("failed", 63016, 0)
