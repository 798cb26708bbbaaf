"""SPEC §10 after the full demo (`flask --app wsgi demo`): the whole city's roster and a
few working days of citizens, officers and supervisors, then every surface scanned."""

from __future__ import annotations

import contextlib
import logging
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from models import Role, Staff, Ticket
from services.demo import play as demo
from tests.support.dashboard import csrf_of, login_link
from tests.support.privacy_scan import Identifiers, digit_runs, message_leaks, national


def _pages(app, rt, supervisor: Staff, ticket_ids: list[int]) -> dict[str, str]:
    client = app.test_client()
    path = urlsplit(login_link(rt, supervisor.phone)).path
    client.post(path, data={"csrf_token": csrf_of(client.get(path))})
    out = {}
    for page in ["/dashboard", "/dashboard/tickets?status=all", "/dashboard/tickets?status=overdue",
                 "/dashboard/officers", "/dashboard/report", "/dashboard/report.csv"] + [
                     f"/dashboard/tickets/{n}" for n in ticket_ids]:
        response = client.get(page)
        assert response.status_code in (200, 404), (page, response.status_code)
        out[f"{supervisor.name} {page}"] = response.get_data(as_text=True)
    return out


@pytest.mark.reliability   # about a minute on PostgreSQL
def test_after_the_demo_no_whole_nik_or_phone_leaks(app, rt, runner, caplog, monkeypatch,
                                                    tmp_path):
    monkeypatch.setattr(demo, "quiet_logs", contextlib.nullcontext)  # scan every log line
    caplog.set_level(logging.INFO)
    played = runner.invoke(args=["demo", "--days", "2", "--per-day", "15", "--seed", "5"])
    assert played.exit_code == 0, played.output
    month = "2026-11"
    outputs = {"demo": played.output}
    for args in (["report", "monthly", "--month", month, "--csv", str(tmp_path / "r.csv")],
                 ["digest", "send", "--date", "2026-11-23"], ["sla", "sweep"]):
        result = runner.invoke(args=args)
        assert result.exit_code in (0, 1), result.output
        outputs[args[0]] = result.output
    outputs["csv"] = (tmp_path / "r.csv").read_text(encoding="utf-8")
    with rt.sessions() as db:
        tickets = list(db.scalars(select(Ticket.id).order_by(Ticket.id)))
        supervisors = list(db.scalars(select(Staff).where(Staff.role == Role.SUPERVISOR)
                                      .order_by(Staff.id)))
    assert len(tickets) > 20
    city = next(s for s in supervisors if s.scope_kecamatan_id is None)
    lurah = [s for s in supervisors if s.scope_kelurahan_id is not None][:3]
    camat = [s for s in supervisors if s.scope_kelurahan_id is None
             and s.scope_kecamatan_id is not None][:1]
    pages = _pages(app, rt, city, tickets)
    for supervisor in lurah + camat:
        pages.update(_pages(app, rt, supervisor, tickets[:10]))

    ids = Identifiers.collect(rt)
    assert len(ids.numbers) >= len(tickets) and len(ids.phones) > 200
    assert message_leaks(rt, ids) == []
    # The demo's closing hint names three fictional demo staff to try in the simulator,
    # with their numbers: that is its purpose (an operator's console, not a log or report).
    hint = {phone for phone in ids.phones
            if any(national(phone) in run for run in digit_runs(outputs["demo"]))}
    assert len(hint) <= 3
    for name, text in {**outputs, **pages}.items():
        seen = Identifiers(ids.numbers, ids.phones - hint) if name == "demo" else ids
        assert seen.leaks(text) == [], name
    logged = [r.getMessage() + " " + (r.exc_text or "") for r in caplog.records]
    assert len(logged) > 10
    for line in logged:
        assert ids.leaks(line) == [], line
