"""A `flask` command that queued messages never exits with them half-sent: it sends them
before it ends (a bounded drain, then its sender stops), or, with no sender thread, leaves
them unclaimed to another process's sender. Run as an operator runs it: a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from models import Message
from tests.support.fake_twilio_server import FakeTwilioServer
from tests.support.whatsapp import twilio_server_settings

ROOT = Path(__file__).resolve().parents[2]
DIGEST_DATE = "2026-11-30"          # a Monday, in the past for the command's own clock


@pytest.fixture
def fake():
    """Twilio over real HTTP, on the real clock (the command runs on the wall clock)."""
    with FakeTwilioServer() as server:
        yield server


def _flask(database_url: str, fake: FakeTwilioServer, tmp_path: Path, *args: str,
           **extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    settings = {**twilio_server_settings(fake, timeout=3.0), "DATABASE_URL": database_url,
                "SECRET_KEY": "test-secret", "MEDIA_FETCH_THREAD": "0",
                "INSTANCE_DIR": str(tmp_path / "instance"), **extra}
    env.update({k: str(v) for k, v in settings.items()}, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180)


def _outbound(rt) -> list[Message]:
    with rt.sessions() as db:
        return list(db.scalars(select(Message).where(Message.direction == "out")
                               .order_by(Message.id)))


def test_digest_send_sends_what_it_queued_before_it_exits(rt, roster, fake, tmp_path,
                                                          database_url):
    # The first send hangs a while: the command is done long before Twilio answers.
    fake.fault("hang", count=1, hang_seconds=1.5, accept=True, applies_to=("create",))
    done = _flask(database_url, fake, tmp_path, "digest", "send", "--date", DIGEST_DATE)
    assert done.returncode == 0, done.stderr
    rows = _outbound(rt)
    assert rows, "the digest queued nothing"
    assert [(r.status, r.claimed_by) for r in rows] == [("queued", None)] * len(rows), [
        (r.id, r.status, r.claimed_by, r.error_message) for r in rows]
    assert sorted(c.sid for c in fake.snapshot()) == sorted(r.sid for r in rows)


def test_without_a_sender_thread_a_command_leaves_its_messages_unclaimed(
        rt, roster, fake, tmp_path, database_url):
    done = _flask(database_url, fake, tmp_path, "digest", "send", "--date", DIGEST_DATE,
                  OUTBOX_SENDER_THREAD="0")
    assert done.returncode == 0, done.stderr
    rows = _outbound(rt)
    assert rows and {(r.status, r.claimed_by) for r in rows} == {("pending", None)}
    assert fake.snapshot() == []
