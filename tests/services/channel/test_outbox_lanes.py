"""Two lanes to each recipient: answers to their own messages, and the service's notices.
Each lane leaves in order; an answer is never held behind a notice waiting for a Twilio
retry (a supervisor's MASUK link behind a digest in backoff)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from models import Message
from services.channel.delivery import deliver_due
from services.core.outbox import Envelope, queue
from tests.support.whatsapp import Phone

pytestmark = pytest.mark.twilio
LURAH = "+6281200000901"            # lurah Ketintang in the sample roster
ALICE = "+6285700000001"


@pytest.fixture
def slow_retries(rt):
    """A failed send is tried again only after a minute or more."""
    rt.settings = replace(rt.settings, outbox_backoff_seconds=60.0)


def _notice(rt, to: str, body: str, kind: str = "digest") -> None:
    with rt.transaction() as db:
        queue(db, rt.settings, rt.now(), Envelope(to=to, body=body, kind=kind))


def _inbound(rt, phone: str) -> int:
    with rt.transaction() as db:
        row = Message(direction="in", phone=phone, body="Halo", status="processed",
                      sid="SMin" + phone[1:], created_at=rt.now())
        db.add(row)
        db.flush()
        return row.id


def _reply(rt, to: str, inbound_id: int, body: str) -> None:
    with rt.transaction() as db:
        queue(db, rt.settings, rt.now(), Envelope(to=to, body=body, kind="reply",
                                                  in_reply_to_id=inbound_id))


def test_a_login_link_is_not_held_behind_a_digest_in_backoff(rt, roster, client, clock,
                                                             fake_twilio, slow_retries):
    _notice(rt, LURAH, "Rekap harian")
    fake_twilio.fail_next(500)
    deliver_due(rt, rt.transport)               # the digest: 500, next try in a minute
    _notice(rt, LURAH, "Rekap bagian 2")        # a notice waits behind it, in order
    deliver_due(rt, rt.transport)
    assert fake_twilio.to(LURAH) == []
    Phone(client, LURAH).send("MASUK")
    deliver_due(rt, rt.transport)
    [link] = fake_twilio.to(LURAH)
    assert link.startswith("Tautan masuk dasbor")
    clock.advance(minutes=2)
    deliver_due(rt, rt.transport)
    assert fake_twilio.to(LURAH) == [link, "Rekap harian", "Rekap bagian 2"]


def test_a_notice_never_overtakes_an_answer_queued_before_it(rt, clock, fake_twilio,
                                                             slow_retries):
    asked = _inbound(rt, ALICE)
    _reply(rt, ALICE, asked, "Jawaban 1")
    _reply(rt, ALICE, asked, "Jawaban 2")
    _notice(rt, ALICE, "Pemberitahuan 1", kind="notice")
    _notice(rt, ALICE, "Pemberitahuan 2", kind="notice")
    fake_twilio.fail_next(500)                  # the first answer waits for its retry …
    deliver_due(rt, rt.transport)
    assert fake_twilio.to(ALICE) == []          # … and everything queued after it waits too
    clock.advance(minutes=2)
    deliver_due(rt, rt.transport)
    assert fake_twilio.to(ALICE) == ["Jawaban 1", "Jawaban 2", "Pemberitahuan 1",
                                     "Pemberitahuan 2"]


def test_each_message_is_queued_in_its_lane(rt):
    asked = _inbound(rt, ALICE)
    _reply(rt, ALICE, asked, "Jawaban")
    _notice(rt, ALICE, "Tiket baru", kind="new_ticket")
    with rt.sessions() as db:
        lanes = dict(db.execute(select(Message.body, Message.lane)
                                .where(Message.direction == "out")).all())
    assert lanes == {"Jawaban": "reply", "Tiket baru": "notice"}
