"""The fake Twilio API itself: what it records, how it misbehaves, how others drive it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.request import Request, urlopen

import pytest

from services.core.settings import load_settings
from services.core.transport import Outgoing, TransportError, TwilioTransport
from tests.support.fake_twilio_server import FakeTwilioServer
from tests.support.whatsapp import twilio_server_settings

ALICE = "+6285700000001"


@pytest.fixture
def server():
    with FakeTwilioServer() as fake:
        yield fake


@pytest.fixture
def transport(server):
    settings = load_settings({"IGNORE_ENVIRONMENT": True, "SECRET_KEY": "test-secret",
                              **twilio_server_settings(server, timeout=0.3)})
    return TwilioTransport(settings)


def test_a_send_is_recorded_and_found_again(server, transport):
    since = datetime.now(UTC) - timedelta(seconds=1)
    sent = transport.send(Outgoing(to=ALICE, body="Halo", status_callback="http://x/s"))
    [created] = server.snapshot()
    assert (created.sid, created.to, created.body, created.status_callback) == (
        sent.sid, ALICE, "Halo", "http://x/s")
    assert transport.find_sent(Outgoing(to=ALICE, body="Halo"), since).sid == sent.sid
    assert transport.find_sent(Outgoing(to=ALICE, body="Halo"), since,
                               known=frozenset({sent.sid})) is None
    assert transport.find_sent(Outgoing(to="+6285700000002", body="Halo"), since) is None


def test_a_template_is_not_found_in_a_message_of_another_lane(server, transport):
    since = datetime.now(UTC) - timedelta(seconds=1)
    reply = transport.send(Outgoing(to=ALICE, body="Tautan masuk"))   # in flight, no SID yet
    template = Outgoing(to=ALICE, body="Rekap", content_sid="HX1")
    assert transport.find_sent(template, since, elsewhere=frozenset({"Tautan masuk"})) is None
    assert transport.find_sent(template, since).sid == reply.sid   # what it did before
    found = transport.find_sent(Outgoing(to=ALICE, body="Tautan masuk"), since,
                                elsewhere=frozenset({"Rekap"}))
    assert found.sid == reply.sid


def test_templates_are_recorded_with_their_variables(server, transport):
    transport.send(Outgoing(to=ALICE, body="x", content_sid="HX1", content_variables={"1": "a"}))
    [created] = server.snapshot()
    assert (created.content_sid, created.content_variables) == ("HX1", {"1": "a"})


@pytest.mark.parametrize("kind, retryable", [("500", True), ("503", True), ("429", True),
                                             ("drop", True), ("hang", True)])
def test_each_fault_is_a_retryable_transport_error(server, transport, kind, retryable):
    server.fault(kind, count=1, hang_seconds=1.0, accept=False)
    with pytest.raises(TransportError) as failure:
        transport.send(Outgoing(to=ALICE, body="Halo"))
    assert failure.value.retryable is retryable
    assert server.snapshot() == []
    transport.send(Outgoing(to=ALICE, body="Halo"))   # the fault was used up
    assert len(server.snapshot()) == 1


def test_a_hang_that_accepts_creates_the_message_the_client_never_hears_of(server, transport):
    server.fault("hang", count=1, hang_seconds=1.0, accept=True)
    with pytest.raises(TransportError):
        transport.send(Outgoing(to=ALICE, body="Halo"))
    [created] = server.snapshot()
    assert created.answered is False and server.statuses() == {201: 1}


def test_other_processes_drive_it_over_http(server, transport):
    def post(path, payload=None):
        request = Request(server.base_url + path, data=json.dumps(payload or {}).encode(),
                          method="POST")
        return json.load(urlopen(request, timeout=5))  # noqa: S310 - local test server

    assert post("/_fake/fault", {"kind": "429", "count": 1}) == {"ok": True}
    with pytest.raises(TransportError):
        transport.send(Outgoing(to=ALICE, body="Halo"))
    transport.send(Outgoing(to=ALICE, body="Halo"))
    listed = json.load(urlopen(server.base_url + "/_fake/messages", timeout=5))  # noqa: S310
    assert [m["body"] for m in listed] == ["Halo"]
    post("/_fake/fault", {"kind": "500"})
    post("/_fake/recover")
    transport.send(Outgoing(to=ALICE, body="Lagi"))
    post("/_fake/reset")
    assert server.snapshot() == []
