"""A message whose handling keeps failing: retried, then failed, one apology, on the
dashboard, never in other senders' way, and run again by `inbound retry`."""

from __future__ import annotations

from sqlalchemy import select

from models import Message
from services.channel.inbox import process_due
from tests.support.dashboard import CITY, LURAH_JAGIR, LURAH_KETINTANG, file_ticket, log_in
from tests.support.whatsapp import Phone, post_signed

ALICE, BOB = "+6285700000001", "+6285700000002"
APOLOGY = "terjadi gangguan saat memproses pesan Anda"


def _post(client, number: str, body: str) -> None:
    form = Phone(client, number).form(body)
    assert post_signed(client, "/whatsapp/inbound", form, drain=False).status_code == 200


def _statuses(rt, number: str) -> list[str]:
    with rt.sessions() as db:
        return list(db.scalars(select(Message.status).where(
            Message.direction == "in", Message.phone == number).order_by(Message.id)))


def _replies(rt, number: str) -> list[str]:
    with rt.sessions() as db:
        return list(db.scalars(select(Message.body).where(
            Message.direction == "out", Message.phone == number).order_by(Message.id)))


def _failing(rt, calls: list[str]):
    def handler(turn):
        calls.append(turn.inbound.body)
        if turn.inbound.body == "BOOM":
            turn.reply("citizen_menu")   # effects of a failed try never survive it
            raise RuntimeError("bug")
        rt.handler(turn)
    return handler


def _run_out(rt, clock, handler) -> None:
    """Drain, then let each backoff pass, until nothing is left to retry."""
    for _ in range(rt.settings.inbound_attempts + 1):
        process_due(rt, handler)
        clock.advance(seconds=rt.settings.inbound_backoff_seconds * 8)


def test_a_poison_message_is_retried_failed_apologised_once_and_blocks_no_one(
        client, rt, clock):
    _post(client, ALICE, "BOOM")
    _post(client, ALICE, "MENU")
    _post(client, BOB, "MENU")
    calls: list[str] = []
    handler = _failing(rt, calls)
    assert process_due(rt, handler) == {"retry": 1, "processed": 1}
    assert _statuses(rt, BOB) == ["processed"]             # another sender goes on
    assert _statuses(rt, ALICE) == ["queued", "queued"]    # Alice's next waits its turn
    assert _replies(rt, ALICE) == []
    _run_out(rt, clock, handler)
    assert calls.count("BOOM") == rt.settings.inbound_attempts == 3
    assert _statuses(rt, ALICE) == ["failed", "processed"]  # then it goes on, in order
    replies = _replies(rt, ALICE)
    assert sum(APOLOGY in r for r in replies) == 1 and APOLOGY in replies[0]
    assert "Layanan RW" in replies[1] and len(replies) == 2


def test_inbound_retry_runs_failed_messages_again(client, rt, clock, runner):
    _post(client, ALICE, "BOOM")
    calls: list[str] = []
    _run_out(rt, clock, _failing(rt, calls))
    assert _statuses(rt, ALICE) == ["failed"]
    result = runner.invoke(args=["inbound", "retry", "--since", "2026-11-23T00:00+07:00"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("1 pesan masuk yang gagal diantrekan ulang")
    _run_out(rt, clock, _failing(rt, calls))              # still broken: no second apology
    assert _statuses(rt, ALICE) == ["failed"]
    assert sum(APOLOGY in r for r in _replies(rt, ALICE)) == 1
    assert runner.invoke(args=["inbound", "retry"]).output.startswith("1 pesan")
    process_due(rt)                                       # fixed: the real handler
    assert _statuses(rt, ALICE) == ["processed"]
    assert "Layanan RW" in _replies(rt, ALICE)[-1]
    later = runner.invoke(args=["inbound", "retry", "--since", "2026-11-24T00:00+07:00"])
    assert later.output.startswith("0 pesan")


def test_a_failed_message_shows_on_the_dashboard_in_its_tickets_region(
        app, client, rt, clock, roster):
    number = file_ticket(rt, clock, clock(), phone=ALICE)   # Alice's open ticket: Ketintang
    _post(client, ALICE, "BOOM")
    _post(client, BOB, "BOOM")                              # about no ticket: the city's
    _run_out(rt, clock, _failing(rt, []))

    def shown(phone: str) -> str:
        viewer = app.test_client()
        log_in(viewer, rt, phone)
        page = viewer.get("/dashboard").get_data(as_text=True)
        return page.split('id="pesan-masuk-gagal"')[1] if 'id="pesan-masuk-gagal"' in page \
            else ""

    ketintang, jagir, city = shown(LURAH_KETINTANG), shown(LURAH_JAGIR), shown(CITY)
    assert "gagal diproses" in ketintang and f"#{number}" in ketintang
    assert "0857****0001" in ketintang and "0857****0002" not in ketintang
    assert jagir == ""
    assert "0857****0001" in city and "0857****0002" in city
    assert ALICE not in city and BOB not in city
