"""The webhook checks Twilio's signature with the console transport too (issue 17, 3)."""

from __future__ import annotations

from sqlalchemy import func, select

from models import Message
from tests.support.whatsapp import Phone, post_signed

STAFF = "+6281234500001"


def _stored(rt) -> int:
    with rt.sessions() as db:
        return db.scalar(select(func.count()).select_from(Message))


def test_an_unsigned_post_is_refused_with_the_console_transport(client, rt):
    assert rt.settings.transport == "console"
    form = Phone(client, STAFF).form("MAAFKAN 1 dimaafkan")
    response = client.post("/whatsapp/inbound", data=form)
    assert response.status_code == 403
    assert _stored(rt) == 0


def test_without_an_auth_token_nothing_is_accepted(overrides):
    from wsgi import create_app

    app = create_app({**overrides, "TWILIO_AUTH_TOKEN": ""})
    rt = app.extensions["layanan"]
    try:
        form = Phone(None, STAFF).form("MENU")
        assert post_signed(app.test_client(), "/whatsapp/inbound", form).status_code == 403
        assert _stored(rt) == 0
    finally:
        rt.close()


def test_a_signed_post_is_stored_with_the_console_transport(client, rt):
    form = Phone(client, STAFF).form("MENU")
    assert post_signed(client, "/whatsapp/inbound", form).status_code == 200
    assert _stored(rt) >= 1
