"""The outbox: splitting, WhatsApp's 24-hour window and Content templates."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from models import Direction, Message
from services.core.outbox import Envelope, queue, split_body

CITIZEN = "+6285700000001"


def test_short_body_is_one_part():
    assert split_body("Halo\nApa kabar") == ["Halo\nApa kabar"]


def test_long_body_splits_at_line_boundaries_in_order():
    lines = [f"Baris {i:03d} " + "x" * 80 for i in range(60)]
    parts = split_body("\n".join(lines))
    assert all(len(p) <= 1600 for p in parts)
    assert len(parts) > 1
    assert "\n".join(parts).split("\n") == lines  # nothing lost, nothing reordered


def test_a_single_overlong_line_is_cut_at_spaces():
    words = " ".join(f"kata{i}" for i in range(800))
    parts = split_body(words)
    assert all(len(p) <= 1600 for p in parts)
    assert " ".join(parts).split() == words.split()


def _inbound(db, now, phone=CITIZEN):
    db.add(Message(direction=Direction.IN.value, sid=f"SMin{now.timestamp()}", phone=phone,
                   body="hi", status="processed", created_at=now))
    db.flush()


def _queue(rt, kind="breach", wrote_hours_ago=None, **settings):
    now = rt.now()
    with rt.transaction() as db:
        if wrote_hours_ago is not None:
            _inbound(db, now - timedelta(hours=wrote_hours_ago))
        rows = queue(db, rt.settings, now, Envelope(to=CITIZEN, body="Tiket #5 terlambat\nRW 3",
                                                    kind=kind, variables={"1": "#5"}))
        return [(r.content_sid, r.content_variables, r.body) for r in rows]


@pytest.fixture
def templated(overrides):
    overrides.update({"CONTENT_SID_BREACH": "HX" + "b" * 32, "CONTENT_SID_NOTICE": "HX" + "n" * 32})
    return overrides


def test_inside_the_window_free_text_is_sent(templated, rt):
    assert _queue(rt, wrote_hours_ago=23) == [(None, None, "Tiket #5 terlambat\nRW 3")]


def test_outside_the_window_the_kinds_template_is_used(templated, rt):
    [(sid, variables, body)] = _queue(rt, wrote_hours_ago=25)
    assert sid == "HX" + "b" * 32 and variables == {"1": "#5"}
    assert body == "Tiket #5 terlambat\nRW 3"  # the text is kept for the record


def test_never_written_counts_as_outside_the_window(templated, rt):
    assert _queue(rt)[0][0] == "HX" + "b" * 32


def test_replies_never_use_templates(templated, rt):
    assert _queue(rt, kind="reply")[0][0] is None


def test_without_a_template_for_the_kind_free_text_goes_and_a_warning_is_logged(rt, caplog):
    with caplog.at_level(logging.WARNING, logger="services.core.outbox"):
        assert _queue(rt, kind="reminder")[0][0] is None
    assert "no Content template for reminder" in caplog.text
    assert CITIZEN not in caplog.text  # the phone number is masked in logs


def test_queued_rows_wait_for_the_sender(rt):
    _queue(rt, kind="reply")
    with rt.sessions() as db:
        row = db.scalar(select(Message).where(Message.direction == "out"))
    assert row.status == "pending" and row.attempts == 0 and row.sid is None
