"""Migration 0008: messages still to be sent get their lane; sent history keeps none."""

from __future__ import annotations

from sqlalchemy import inspect, text

from services.core import schema
from services.core.db import make_engine

ROWS = [  # body, status, answers an inbound message?
    ("jawaban menunggu", "pending", True),
    ("rekap menunggu", "pending", False),
    ("jawaban terkirim", "queued", True),
    ("foto ditahan", "held", False),
]


def test_unsent_messages_get_their_lane_and_the_index_follows(rt, database_url):
    engine = make_engine(database_url)
    try:
        schema.downgrade(engine, "0007")
        assert "early_status" not in inspect(engine).get_table_names()
        with engine.begin() as conn:
            inbound = conn.execute(text(
                "INSERT INTO message (direction, phone, body, media, kind, status, attempts, "
                "created_at) VALUES ('in', '+6285700000001', 'Halo', '[]', 'reply', "
                "'processed', 0, CURRENT_TIMESTAMP) RETURNING id")).scalar_one()
            for body, status, answers in ROWS:
                conn.execute(text(
                    "INSERT INTO message (direction, phone, body, media, kind, status, "
                    "attempts, in_reply_to_id, created_at) VALUES ('out', '+6285700000001', "
                    ":body, '[]', 'reply', :status, 0, :reply, CURRENT_TIMESTAMP)"),
                    {"body": body, "status": status, "reply": inbound if answers else None})
        schema.upgrade(engine, settings=rt.settings)
        with engine.connect() as conn:
            lanes = dict(conn.execute(text(
                "SELECT body, lane FROM message WHERE direction = 'out'")).all())
        indexes = {ix["name"] for ix in inspect(engine).get_indexes("message")}
        assert "early_status" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
    assert lanes == {"jawaban menunggu": "reply", "rekap menunggu": "notice",
                     "jawaban terkirim": None, "foto ditahan": "notice"}
    assert "ix_message_outbox_lane" in indexes and "ix_message_outbox_phone" not in indexes
