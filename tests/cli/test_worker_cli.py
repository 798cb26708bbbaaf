"""`flask --app wsgi worker [--threads N]` as a real process beside the web process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import select

from models import Message
from services.channel.inbound import Inbound, store_inbound

ROOT = Path(__file__).resolve().parents[2]
CITIZEN = "+6285700000001"


def _worker(database_url: str, tmp_path: Path, poll: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "DATABASE_"))}
    env.update({"DATABASE_URL": database_url, "MESSAGING_TRANSPORT": "console",
                "SECRET_KEY": "worker-secret", "INSTANCE_DIR": str(tmp_path / "instance"),
                "MEDIA_DIR": str(tmp_path / "media"), "MEDIA_FETCH_THREAD": "0",
                "INBOUND_POLL_SECONDS": poll, "PYTHONPATH": str(ROOT),
                "PYTHONUNBUFFERED": "1"})
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker",
                             "--threads", "2"], cwd=tmp_path, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)


def _first_line(proc: subprocess.Popen, seconds: float = 30) -> str:
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(seconds)
    assert lines, "the worker printed nothing"
    return lines[0]


def _status(rt, sid: str) -> str | None:
    with rt.sessions() as db:
        return db.scalar(select(Message.status).where(Message.sid == sid))


def test_the_worker_process_runs_stored_messages_and_stops_cleanly(rt, database_url, tmp_path):
    # On PostgreSQL its poll is too slow to pass: only NOTIFY/LISTEN can wake it in time.
    sqlite = database_url.startswith("sqlite")
    proc = _worker(database_url, tmp_path, poll="1" if sqlite else "60")
    try:
        assert _first_line(proc).startswith("Inbox worker: 2 threads")
        time.sleep(0.5)   # the listener connects right after the line
        assert store_inbound(rt, Inbound(sid="SMworker1", phone=CITIZEN, body="Halo"))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _status(rt, "SMworker1") == "queued":
            time.sleep(0.05)
        assert _status(rt, "SMworker1") == "processed"
        with rt.sessions() as db:
            [reply] = db.scalars(select(Message.body).where(Message.direction == "out",
                                                            Message.phone == CITIZEN))
        assert "Layanan RW" in reply
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
        assert "berhenti" in proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
