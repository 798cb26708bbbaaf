"""`digest send [--date YYYY-MM-DD]` as an operator (or cron) types it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import DigestSent, Message
from tests.support.digest_desk import SUPERVISORS, Desk, week


@pytest.fixture
def tickets(rt, clock, roster) -> dict[str, int]:
    return week(Desk(rt, clock))                   # leaves the clock at Mon 30 Nov 07:00


def _send(runner, *args: str):
    return runner.invoke(args=["digest", "send", *args])


def _digest_messages(rt) -> int:
    with rt.sessions() as db:
        return db.scalar(select(func.count()).select_from(Message).where(
            Message.kind == "digest"))


def test_send_twice_sends_nothing_the_second_time(runner, rt, tickets):
    first = _send(runner, "--date", "2026-11-30")
    assert first.exit_code == 0, first.output
    assert first.stdout.strip() == ("Rekap harian 2026-11-30: 4 pengawas dikirimi, "
                                    "0 dilewati (sudah dikirim sebelumnya).")
    second = _send(runner, "--date", "2026-11-30")
    assert second.exit_code == 0
    assert "0 pengawas dikirimi, 4 dilewati" in second.stdout
    assert _digest_messages(rt) == len(SUPERVISORS)


def test_the_default_date_is_today_in_wib(runner, rt, tickets, clock):
    clock.advance(hours=-8)                        # Sun 29 Nov 23:00 WIB = 16:00 UTC
    assert "2026-11-29 bukan hari kerja" in _send(runner).stdout
    clock.advance(hours=2)                         # Mon 30 Nov 01:00 WIB, still Sunday in UTC
    assert "Rekap harian 2026-11-30: 4 pengawas dikirimi" in _send(runner).stdout


@pytest.mark.parametrize("day", ["2026-11-28", "2026-08-17"])   # Saturday; Independence Day
def test_a_non_working_day_is_said_and_nothing_is_sent(runner, rt, tickets, day):
    result = _send(runner, "--date", day)
    assert result.exit_code == 0
    assert result.stdout.strip() == f"{day} bukan hari kerja: rekap harian tidak dikirim."
    assert _digest_messages(rt) == 0


@pytest.mark.parametrize("value, words", [
    ("30-11-2026", 'Tanggal "30-11-2026" tidak dapat dibaca'),
    ("2026-02-30", "Gunakan format YYYY-MM-DD"),
    ("besok", 'Tanggal "besok" tidak dapat dibaca'),
    ("2026-12-01", "belum tiba"),
])
def test_a_bad_or_future_date_gets_a_clear_message_and_exit_2(runner, rt, tickets, value, words):
    result = _send(runner, "--date", value)
    assert result.exit_code == 2
    assert words in result.stderr
    assert result.stdout == "" and "Traceback" not in result.output
    with rt.sessions() as db:
        assert db.scalar(select(func.count()).select_from(DigestSent)) == 0
