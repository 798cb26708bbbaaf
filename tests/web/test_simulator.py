"""The local simulator: console transport only, the webhook's code path, JSON polling."""

from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from models import LoginToken, Media, Message
from tests.support.dashboard import LURAH_KETINTANG, NIK, PHOTO, SITI, csrf_of

CITIZEN = "+6285700000777"
LINK = re.compile(r"http://localhost/dashboard/login/\S+")


@pytest.fixture
def sim(client, roster):
    """Talk through the simulator's endpoints, as its page does."""
    page = client.get("/simulator")
    assert page.status_code == 200
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.get_data(as_text=True))[1]

    class Sim:
        html = page.get_data(as_text=True)

        def send(self, phone, body="", **extra):
            response = client.post("/simulator/send", json={"phone": phone, "body": body, **extra},
                                   headers={"X-CSRF-Token": token})
            assert response.status_code == 200, response.get_json()
            return response.get_json()

        def upload(self, phone, data: bytes, filename: str, mimetype: str, body=""):
            """Send a file as the page does (multipart, like a photo from the gallery)."""
            response = client.post("/simulator/send", data={
                "phone": phone, "body": body,
                "photo": (io.BytesIO(data), filename, mimetype)},
                headers={"X-CSRF-Token": token}, content_type="multipart/form-data")
            assert response.status_code == 200, response.get_json()
            return response.get_json()

        def messages(self, phone):
            response = client.get("/simulator/messages", query_string={"phone": phone})
            assert response.status_code == 200
            return response.get_json()["messages"]

        def replies(self, phone):
            return [m["body"] for m in self.messages(phone) if m["direction"] == "out"]

    return Sim()


def test_the_page_offers_the_roster(sim):
    assert "Lurah Ketintang" in sim.html and "Siti Rahmawati" in sim.html
    assert "simulator.js" in sim.html


def test_a_citizen_files_a_ktp_request_through_the_simulator(sim, rt):
    sim.send(CITIZEN, "KTP")
    sim.send(CITIZEN, "Ketintang RW 3")
    sim.send(CITIZEN, NIK)
    sim.send(CITIZEN, "KTP saya hilang waktu banjir")
    sim.send(CITIZEN, "YA")
    replies = sim.replies(CITIZEN)
    assert "Ketik kelurahan dan RW" in replies[0]
    assert "Nomor tiket: #1" in replies[-1] and "Siti Rahmawati" in replies[-1]
    conversation = sim.messages(CITIZEN)
    assert [m["direction"] for m in conversation[:2]] == ["in", "out"]
    with rt.sessions() as db:
        inbound = db.scalars(select(Message.sid).where(Message.direction == "in")).all()
        assert len(inbound) == 5 and all(sid.startswith("SMsim") for sid in inbound)
        assert db.scalar(select(Message).where(Message.phone == SITI)) is not None


def test_photos_and_locations_travel_like_twilio_sends_them(sim, rt):
    sim.upload(CITIZEN, PHOTO, "ktp.jpg", "image/jpeg")
    sim.send(CITIZEN, "", latitude="-7.3151", longitude="112.7302")
    with rt.sessions() as db:
        rows = db.scalars(select(Message).where(Message.direction == "in")
                          .order_by(Message.id)).all()
        [media] = db.scalars(select(Media)).all()
    assert rows[0].media == [{"id": media.id, "content_type": "image/jpeg"}]
    assert (media.status, media.size) == ("stored", len(PHOTO))
    assert (rows[1].latitude, rows[1].longitude) == (-7.3151, 112.7302)


def test_the_simulator_shows_the_photos_sent_and_those_staff_receive(sim, client):
    for text in ("KTP", "Ketintang RW 3", NIK, "KTP saya rusak"):
        sim.send(CITIZEN, text)
    sim.upload(CITIZEN, PHOTO, "ktp.jpg", "image/jpeg")
    sim.send(CITIZEN, "YA")
    [sent] = [m for m in sim.messages(CITIZEN) if m["media"]]
    [item] = sent["media"]
    assert item["status"] == "stored" and item["url"].startswith("/media/")
    assert client.get(item["url"]).data == PHOTO
    text, photo = [m for m in sim.messages(SITI) if m["direction"] == "out"]
    assert "Tiket baru #1" in text["body"] and text["media"] == []
    assert photo["body"].startswith("Lampiran 1 dari 1 · tiket #1")
    assert client.get(photo["media"][0]["url"]).data == PHOTO


@pytest.mark.parametrize("data, name, kind, reply", [
    (b"GIF89a" + b"\x00" * 30, "lucu.gif", "image/gif", "jenis lampiran ini"),
    (b"<html></html>", "ktp.jpg", "image/jpeg", "jenis lampiran ini"),
    (PHOTO + b"\x00" * (10 * 1024 * 1024), "besar.jpg", "image/jpeg", "lebih besar dari 10 MB")])
def test_a_file_the_store_refuses_gets_the_bots_polite_answer(sim, rt, data, name, kind, reply):
    sim.upload(CITIZEN, data, name, kind)
    assert reply in sim.replies(CITIZEN)[-1]
    [sent] = [m for m in sim.messages(CITIZEN) if m["direction"] == "in"]
    assert [i["status"] for i in sent["media"]] == ["refused"]
    assert not any(p.is_file() for p in rt.settings.media_dir.rglob("*"))


def test_a_supervisor_gets_a_working_login_link_with_masuk(sim, client, rt):
    sim.send(LURAH_KETINTANG, "MASUK")
    [reply] = sim.replies(LURAH_KETINTANG)
    assert "sekali pakai" in reply and "15 menit" in reply
    assert reply.splitlines()[0].startswith("Tautan masuk")   # the console logs line 1 only
    path = urlsplit(LINK.search(reply)[0]).path
    page = client.get(path)
    assert client.post(path, data={"csrf_token": csrf_of(page)}).status_code == 302
    assert client.get("/dashboard").status_code == 200


def test_an_officer_gets_no_login_link(sim, rt):
    sim.send(SITI, "MASUK")
    [reply] = sim.replies(SITI)
    assert "/dashboard/login/" not in reply
    with rt.sessions() as db:
        assert db.scalar(select(LoginToken)) is None


def test_a_quote_reply_carries_the_quoted_sid(sim, rt):
    sim.send(CITIZEN, "MENU")
    with rt.sessions() as db:
        out = db.scalar(select(Message).where(Message.direction == "out"))
        out.sid = "SMconsole-test"
        db.commit()
    sim.send(CITIZEN, "halo", replied_sid="SMconsole-test")
    last_in = [m for m in sim.messages(CITIZEN) if m["direction"] == "in"][-1]
    assert last_in["quoted"] and last_in["body"] == "halo"


def test_sending_needs_the_csrf_header(client, roster):
    client.get("/simulator")
    assert client.post("/simulator/send", json={"phone": CITIZEN, "body": "KTP"}).status_code == 400
    assert client.post("/simulator/send", data={"phone": CITIZEN, "body": "KTP"}).status_code \
        == 400
    page = client.get("/simulator").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page)[1]
    form = client.post("/simulator/send", data={"phone": CITIZEN, "body": "KTP"},
                       headers={"X-CSRF-Token": token})
    assert form.status_code == 200


@pytest.mark.parametrize("payload, error", [({"phone": "123", "body": "KTP"}, "phone"),
                                            ({"phone": CITIZEN, "body": "  "}, "empty")])
def test_bad_input_gets_a_clear_refusal(client, roster, payload, error):
    page = client.get("/simulator").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page)[1]
    response = client.post("/simulator/send", json=payload, headers={"X-CSRF-Token": token})
    assert response.status_code == 400 and response.get_json() == {"error": error}
    assert client.get("/simulator/messages?phone=abc").status_code == 400


def test_only_this_machine_reaches_the_simulator(client, roster):
    assert client.get("/simulator", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 404
    assert client.get("/simulator", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200


def test_the_index_page_links_to_the_simulator_and_the_dashboard(client):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/simulator"' in page and 'href="/dashboard"' in page


@pytest.mark.twilio
def test_with_twilio_there_is_no_simulator(client):
    assert client.get("/simulator").status_code == 404
    assert client.post("/simulator/send", json={}).status_code == 404
    assert 'href="/simulator"' not in client.get("/").get_data(as_text=True)


# -- DNS rebinding: a page of another site reaching the simulator through 127.0.0.1 ---------

def _token(client, **kwargs) -> str:
    page = client.get("/simulator", **kwargs).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page)[1]


def _inbound(rt) -> int:
    with rt.sessions() as db:
        return len(db.scalars(select(Message.id).where(Message.direction == "in")).all())


@pytest.mark.parametrize("host", ["attacker.example", "attacker.example:5000",
                                  "localhost.attacker.example", "127.0.0.1.nip.io",
                                  "evil.localhost", "", "[::1", "local host"])
def test_a_foreign_host_name_is_refused_even_from_this_machine(client, roster, rt, host):
    token = _token(client)
    headers = {"Host": host}
    assert client.get("/simulator", headers=headers).status_code == 404
    assert client.get("/simulator/messages", headers=headers,
                      query_string={"phone": LURAH_KETINTANG}).status_code == 404
    response = client.post("/simulator/send", json={"phone": LURAH_KETINTANG, "body": "MASUK"},
                           headers={**headers, "X-CSRF-Token": token})
    assert response.status_code == 404
    assert _inbound(rt) == 0
    with rt.sessions() as db:
        assert db.scalar(select(LoginToken)) is None


@pytest.mark.parametrize("host", ["localhost", "localhost:5000", "LOCALHOST.", "127.0.0.1:5000",
                                  "127.1.2.3", "[::1]:5000"])
def test_loopback_names_are_served(client, roster, host):
    assert client.get("/simulator", headers={"Host": host}).status_code == 200


def test_the_configured_host_is_served(app, rt, roster):
    from wsgi import create_app

    settings = rt.settings
    other = create_app({"IGNORE_ENVIRONMENT": True, "SECRET_KEY": "x",
                        "DATABASE_URL": settings.database_url, "MESSAGING_TRANSPORT": "console",
                        "PUBLIC_BASE_URL": "http://layanan.test:8000",
                        "OUTBOX_SENDER_THREAD": False})
    try:
        client = other.test_client()
        assert client.get("/simulator", headers={"Host": "layanan.test:8000"}).status_code == 200
        assert client.get("/simulator", headers={"Host": "other.test"}).status_code == 404
    finally:
        other.extensions["layanan"].close()


@pytest.mark.parametrize("headers", [
    {"Origin": "http://attacker.example"},
    {"Origin": "http://attacker.example:5000"},
    {"Origin": "null"},
    {"Origin": "https://localhost"},              # same name, other scheme: another origin
    {"Origin": "http://localhost:8080"},          # same name, other port: another origin
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site", "Origin": "http://localhost"},
])
def test_a_post_from_another_origin_is_refused_without_a_write(client, roster, rt, headers):
    token = _token(client)
    response = client.post("/simulator/send", json={"phone": LURAH_KETINTANG, "body": "MASUK"},
                           headers={**headers, "X-CSRF-Token": token})
    assert response.status_code == 403 and response.get_json() == {"error": "origin"}
    assert _inbound(rt) == 0


def test_a_post_from_the_simulator_page_itself_is_served(client, roster, rt):
    token = _token(client)
    headers = {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin",
               "X-CSRF-Token": token}
    response = client.post("/simulator/send", json={"phone": CITIZEN, "body": "MENU"},
                           headers=headers)
    assert response.status_code == 200 and _inbound(rt) == 1


# -- hostile input through the simulator ------------------------------------------------------

def test_a_long_name_is_cut_to_what_the_webhook_keeps(client, roster, rt):
    from models import Citizen

    token = _token(client)
    response = client.post("/simulator/send", json={"phone": CITIZEN, "body": "MENU",
                                                    "name": "N" * 5000},
                           headers={"X-CSRF-Token": token})
    assert response.status_code == 200
    with rt.sessions() as db:
        assert db.scalar(select(Citizen.profile_name)) == "N" * 120


values = st.one_of(st.text(max_size=300), st.integers(), st.floats(), st.none(), st.booleans(),
                   st.lists(st.text(max_size=5), max_size=3), st.sampled_from(
                       ["\x00", "KTP\x00", "nan", "inf", "-1e999", "+6285700000777", "9" * 500]))


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(payload=st.dictionaries(
    st.sampled_from(["phone", "body", "media_url", "latitude", "longitude", "replied_sid",
                     "name", "x"]), values, max_size=8))
def test_fuzzed_simulator_sends_never_get_a_5xx(client, roster, clock, payload):
    token = _token(client)
    payload.setdefault("phone", CITIZEN)
    response = client.post("/simulator/send", json=payload, headers={"X-CSRF-Token": token})
    assert response.status_code in (200, 400), (payload, response.status_code)
    clock.advance(seconds=10)
