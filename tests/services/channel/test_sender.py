"""The sender stops cleanly: between two messages, giving back what it claimed but did not
send; at a command's end it sends what is due for a bounded time, then lets go."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from models import Message
from services.channel.delivery import deliver_due
from services.channel.sender import OutboxSender
from services.core.outbox import Envelope, queue
from tests.support.whatsapp import twilio_server_settings

RECIPIENTS = [f"+628570001{i:04d}" for i in range(8)]


@pytest.fixture
def overrides(overrides, fake_twilio_server):
    return {**overrides, **twilio_server_settings(fake_twilio_server, timeout=1.0)}


def _queue_all(rt) -> None:
    with rt.transaction() as db:
        for phone in RECIPIENTS:
            queue(db, rt.settings, rt.now(), Envelope(to=phone, body=f"Halo {phone}"))


def _states(rt) -> list[tuple[str, str | None]]:
    with rt.sessions() as db:
        return [(m.status, m.claimed_by) for m in db.scalars(
            select(Message).where(Message.direction == "out").order_by(Message.id))]


def test_a_stopped_round_gives_back_what_it_claimed_and_did_not_send(rt, clock,
                                                                     fake_twilio_server):
    _queue_all(rt)
    with rt.transaction() as db:    # the last one is a crashed send, to be looked up
        last = db.scalar(select(Message).order_by(Message.id.desc()))
        db.execute(update(Message).where(Message.id == last.id).values(
            status="sending", claimed_by="dead", claimed_until=clock()))
    clock.advance(seconds=1)
    sent = []

    def stop() -> bool:
        sent[:] = fake_twilio_server.snapshot()
        return len(sent) >= 3

    assert deliver_due(rt, rt.transport, worker="w1", stop=stop)["sent"] == 3
    states = _states(rt)
    assert states[:3] == [("queued", None)] * 3
    assert states[3:-1] == [("pending", None)] * (len(RECIPIENTS) - 4)
    assert states[-1] == ("sending", None)      # still to be looked up, but not claimed
    deliver_due(rt, rt.transport)
    assert {s for s, _ in _states(rt)} == {"queued"}
    assert len(fake_twilio_server.snapshot()) == len(RECIPIENTS)


def test_finish_sends_what_this_process_queued_and_leaves_nothing_claimed(rt,
                                                                         fake_twilio_server):
    sender = OutboxSender(rt, rt.transport, poll=60)
    fake_twilio_server.fault("hang", count=2, hang_seconds=0.3, accept=True)
    _queue_all(rt)
    sender.wake()                                # as after the command's commit
    sender.finish(seconds=30)
    assert _states(rt) == [("queued", None)] * len(RECIPIENTS)
    assert len(fake_twilio_server.snapshot()) == len(RECIPIENTS)


def test_finish_is_bounded_and_lets_go_of_what_it_could_not_send(rt, fake_twilio_server):
    sender = OutboxSender(rt, rt.transport, poll=60)
    fake_twilio_server.fault("hang", hang_seconds=0.4, accept=True)   # every send is slow
    _queue_all(rt)
    sender.wake()
    sender.finish(seconds=0.6)
    states = _states(rt)
    assert all(claimed is None for _, claimed in states), states
    assert 1 <= states.count(("queued", None)) < len(RECIPIENTS)
    assert {s for s, _ in states} == {"queued", "pending"}


def test_finish_sends_nothing_when_this_process_queued_nothing(rt, fake_twilio_server):
    _queue_all(rt)                               # someone else's messages
    OutboxSender(rt, rt.transport).finish(seconds=30)
    assert _states(rt) == [("pending", None)] * len(RECIPIENTS)
    assert fake_twilio_server.snapshot() == []
