"""The inbox: the webhook stores, workers run the conversations, one sender at a time."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from models import Message
from services.channel.inbox import claim_next, process_due
from services.channel.turns import handle_claimed
from tests.support.whatsapp import Phone, post_signed

ALICE, BOB = "+6285700000001", "+6285700000002"
MENU = "Layanan RW"   # in the menu every citizen gets for an unknown text


def _post(client, number: str, body: str, form: dict | None = None):
    form = form or Phone(client, number).form(body)
    response = post_signed(client, "/whatsapp/inbound", form, drain=False)
    assert response.status_code == 200, response.data
    return form


def _inbound(rt, number: str | None = None) -> list[Message]:
    with rt.sessions() as db:
        query = select(Message).where(Message.direction == "in").order_by(Message.id)
        if number:
            query = query.where(Message.phone == number)
        return list(db.scalars(query))


def _replies(rt, number: str) -> list[Message]:
    with rt.sessions() as db:
        return list(db.scalars(select(Message).where(Message.direction == "out",
                                                     Message.phone == number)
                               .order_by(Message.id)))


def test_the_webhook_stores_and_answers_before_any_handling(client, rt):
    _post(client, ALICE, "Halo")
    [row] = _inbound(rt)
    assert row.status == "queued" and row.claimed_by is None
    assert _replies(rt, ALICE) == []            # nothing ran inside Twilio's request
    assert process_due(rt) == {"processed": 1}
    [row] = _inbound(rt)
    assert row.status == "processed" and row.claimed_by is None
    [reply] = _replies(rt, ALICE)
    assert MENU in reply.body and reply.in_reply_to_id == row.id


def test_a_redelivery_changes_nothing(client, rt):
    form = _post(client, ALICE, "Halo")
    _post(client, ALICE, "Halo", form)
    assert len(_inbound(rt)) == 1
    process_due(rt)
    _post(client, ALICE, "Halo", form)           # after it was handled, too
    assert process_due(rt) == {}
    assert [r.status for r in _inbound(rt)] == ["processed"]
    assert len(_replies(rt, ALICE)) == 1


def test_a_burst_from_one_sender_is_answered_in_order(client, rt):
    bodies = ["KTP", "BATAL", "STATUS", "MENU", "KK", "BATAL"]
    for body in bodies:
        _post(client, ALICE, body)
    seen: list[str] = []

    def recording(turn):
        seen.append(turn.inbound.body)
        rt.handler(turn)

    # Two workers at once: still one message of a sender at a time, in arrival order.
    threads = [threading.Thread(target=process_due, args=(rt, recording, f"w{i}"))
               for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert seen == bodies
    ids = [r.id for r in _inbound(rt)]
    answered = [r.in_reply_to_id for r in _replies(rt, ALICE)]
    assert answered == sorted(answered) and set(answered) == set(ids)


def test_two_workers_never_take_the_same_sender(client, rt, database_url):
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has one writer at a time: nothing runs beside a handler")
    _post(client, ALICE, "slow")
    _post(client, ALICE, "MENU")
    _post(client, BOB, "MENU")
    started, release = threading.Event(), threading.Event()

    def slow(turn):
        if turn.inbound.body == "slow":
            started.set()
            assert release.wait(10)
        rt.handler(turn)

    first = threading.Thread(target=process_due, args=(rt, slow, "w1"))
    first.start()
    try:
        assert started.wait(10)
        # While w1 holds Alice's first message, w2 gets Bob's, never Alice's second.
        claim = claim_next(rt, "w2")
        assert claim is not None
        assert handle_claimed(rt, claim, "w2", rt.handler) == "processed"
        assert claim_next(rt, "w2") is None
        assert [r.status for r in _inbound(rt, ALICE)] == ["queued", "queued"]
        assert [r.status for r in _inbound(rt, BOB)] == ["processed"]
    finally:
        release.set()
        first.join(10)
    assert [r.status for r in _inbound(rt, ALICE)] == ["processed", "processed"]


def test_a_crashed_workers_message_is_taken_over_after_its_lease_once(client, rt, clock):
    _post(client, ALICE, "Halo")
    crashed = claim_next(rt, "crashed")        # claimed, then the process died
    assert crashed is not None
    assert process_due(rt, worker="w2") == {}  # its lease still holds
    clock.advance(seconds=rt.settings.inbound_lease_seconds + 1)
    assert process_due(rt, worker="w2") == {"processed": 1}
    # The first worker coming back finds the message gone: it does nothing.
    assert handle_claimed(rt, crashed, "crashed", rt.handler) == "lost"
    [row] = _inbound(rt)
    assert row.status == "processed" and row.attempts == 2
    assert len(_replies(rt, ALICE)) == 1


def test_a_web_app_without_its_worker_leaves_messages_queued(client, rt):
    # The app under test is built with RUN_WORKER=0: nothing but a drain handles a message.
    _post(client, ALICE, "Halo")
    time.sleep(rt.settings.inbound_poll_seconds * 1.5)
    assert [r.status for r in _inbound(rt)] == ["queued"]


def test_the_web_processs_own_worker_thread_answers_at_once(overrides):
    from wsgi import create_app

    app = create_app({**overrides, "RUN_WORKER": True, "INBOUND_POLL_SECONDS": 60})
    rt = app.extensions["layanan"]
    try:
        _post(app.test_client(), ALICE, "Halo")   # woken by the commit, not by its poll
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _inbound(rt)[0].status == "queued":
            time.sleep(0.02)
        assert _inbound(rt)[0].status == "processed"
        assert MENU in _replies(rt, ALICE)[0].body
    finally:
        rt.close()
