"""Hostile input at the webhook: fuzzed forms never get a 5xx, user text is never a
template, and anything not signed by our Twilio account is refused without a write."""

from __future__ import annotations

import itertools
import uuid

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from models import Base, Message, Ticket
from services.channel.delivery import deliver_due
from services.core.context import Ctx
from tests.support.whatsapp import (
    ACCOUNT_SID,
    BOT_NUMBER,
    PUBLIC_BASE_URL,
    Phone,
    post_signed,
    sign,
)

pytestmark = pytest.mark.twilio

CITIZEN = "+6285700000001"
SITI = "+6281200000101"            # officer, Ketintang RW 1-3
LURAH_KETINTANG = "+6281200000901"
NIK = "3578012309900001"
INBOUND = "/whatsapp/inbound"
# Rendered as a template, this would read "jinja7"; as data it stays as typed.
JINJA_PROBE = "{{ 'jin' ~ 'ja7' }}"
NASTY = [
    JINJA_PROBE, "{{ 7*7 }}", "{% raw %}", "{% endraw %}", "{{ config }}", "{# komentar",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}", "{% for x in range(9**9) %}",
    "{{ self }}", "{{", "}}", "{%", "%}", "${7*7}", "%s%s%n", "<script>alert(1)</script>",
    "'; DROP TABLE ticket; --", "\" OR 1=1 --", "Robert'); DROP TABLE citizen;--",
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u200e", "\u200f", "\u202e", "\u2066",
    "\u0627\u0644\u0633\u0644\u0627\u0645", "🙂", "👨‍👩‍👧‍👦", "🇮🇩", "\U0001f9d1\u200d\U0001f4bb",
    "\x00", "\r\n", "\t", "KTP", "KK", "YA", "BATAL", "BATAL 1", "STATUS", "MENU",
    "TERIMA 1", "SELESAI #1", "TOLAK 1", "TANYA 1", "ALIHKAN 1 Jagir RW 2", "TUGAS",
    "MAAFKAN 1", "REKAP", "SKOR 2026-13", "MASUK", "#999999999", "9" * 40, NIK,
    "Ketintang RW 3", "ketintang rw 99999999999",
    "SKOR 0000-01", "SKOR 0001-01", "SKOR 9999-12", "SKOR ２０２６-11",
    "TERIMA #9223372036854775808", "SELESAI 2147483648", "MAAFKAN 9223372036854775808 banjir",
    "BATAL #" + "9" * 40, "TOLAK #1", "MAAFKAN #1 " + "x" * 600,
]
TWILIO_FIELDS = ["NumMedia", "MediaUrl0", "MediaContentType0", "MediaUrl1",
                 "MediaContentType1", "Latitude", "Longitude", "OriginalRepliedMessageSid",
                 "ProfileName", "WaId", "SmsMessageSid", "ButtonText", "ButtonPayload",
                 "NumSegments", "ReferralNumMedia", "Address", "Label"]

pieces = st.one_of(st.sampled_from(NASTY), st.text(max_size=30))
texts = st.one_of(
    st.text(),
    st.lists(pieces, max_size=12).map("".join),
    st.tuples(st.sampled_from(NASTY), st.integers(1, 3000)).map(lambda t: t[0] * t[1]),
    st.integers(1590, 30000).map(lambda n: "x" * n),
)
_REAL_SENDERS = st.sampled_from([f"whatsapp:{CITIZEN}", f"whatsapp:{SITI}",
                                  f"whatsapp:{LURAH_KETINTANG}", "whatsapp:+6285700000002",
                                  "whatsapp:085700000003"])
senders = st.one_of(_REAL_SENDERS, _REAL_SENDERS, _REAL_SENDERS, _REAL_SENDERS,
                    st.text(max_size=40), st.text(max_size=20).map(lambda t: "whatsapp:" + t))
extras = st.dictionaries(st.one_of(st.sampled_from(TWILIO_FIELDS), st.text(max_size=20)),
                         st.one_of(st.sampled_from(NASTY), st.text(max_size=200)), max_size=6)


def _counts(rt) -> dict[str, int]:
    with rt.sessions() as db:
        return {t.name: db.scalar(select(func.count()).select_from(t))
                for t in Base.metadata.sorted_tables}


@pytest.fixture
def seeded(rt, roster, clock):
    """One open Ketintang RW 3 ticket (#1) so staff commands reach real code paths."""
    from services.people.directory import citizen_by_phone
    from services.regions.places import find_rw
    from services.tickets.lifecycle import Draft, open_ticket

    with rt.transaction() as db:
        ctx = Ctx(db=db, now=clock(), rt=rt)
        place = find_rw(db, "Ketintang RW 3").rw
        from models import Service
        open_ticket(ctx, citizen_by_phone(db, CITIZEN, clock()),
                    Draft(Service.KTP, place.id, NIK, "KTP hilang"))
    return 1


def _fuzz(client, rt, clock, sid_numbers, body, sender, extra, reuse_sid):
    form = {"MessageSid": f"SM{next(sid_numbers):032x}", "AccountSid": ACCOUNT_SID,
            "From": sender, "To": f"whatsapp:{BOT_NUMBER}", "Body": body, "NumMedia": "0"}
    if reuse_sid:
        form["MessageSid"] = "SM" + "0" * 32
    form.update(extra)
    before = _max_out_id(rt)
    response = post_signed(client, INBOUND, form)
    assert response.status_code in (200, 400), (response.status_code, response.data[:300])
    with rt.sessions() as db:
        bodies = list(db.scalars(select(Message.body).where(Message.direction == "out",
                                                            Message.id > before)))
    for text in bodies:
        assert "jinja7" not in (text or ""), "user text was rendered as a template"
    clock.advance(seconds=10)  # stay under the per-minute rate limit


def _max_out_id(rt) -> int:
    with rt.sessions() as db:
        return db.scalar(select(func.coalesce(func.max(Message.id), 0))
                         .where(Message.direction == "out"))


FUZZ = settings(max_examples=120, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])


@FUZZ
@given(body=texts, sender=senders, extra=extras, reuse_sid=st.booleans())
@example(body="KTP\x00", sender=f"whatsapp:{CITIZEN}", extra={"ProfileName": "a\x00b"},
         reuse_sid=False)
@example(body="x", sender=f"whatsapp:{CITIZEN}",
         extra={"NumMedia": "1", "MediaUrl0": "https://x/\x00", "MediaContentType0": "image/png"},
         reuse_sid=False)
@example(body="", sender=f"whatsapp:{CITIZEN}",
         extra={"NumMedia": "2", "MediaUrl0": "http://[bad", "MediaContentType0": "image/jpeg;"
                + "x" * 300, "MediaUrl1": "https://api.twilio.com:99999/x",
                "MediaContentType1": "image/png"}, reuse_sid=False)
@example(body=f"SELESAI 1 {JINJA_PROBE}", sender=f"whatsapp:{SITI}", extra={},
         reuse_sid=False)
@example(body="x", sender=f"whatsapp:{CITIZEN}", extra={"NumMedia": "1" * 5000},
         reuse_sid=False)
@example(body="x", sender=f"whatsapp:{CITIZEN}", extra={"Latitude": "nan", "Longitude": "1e999"},
         reuse_sid=False)
def test_fuzzed_signed_inbound_never_gets_a_5xx(client, rt, clock, seeded, body, sender, extra,
                                                reuse_sid):
    _fuzz(client, rt, clock, _SIDS, body, sender, extra, reuse_sid)


_SIDS = itertools.count(1)


@pytest.mark.reliability
@settings(FUZZ, max_examples=2000)
@given(body=texts, sender=senders, extra=extras, reuse_sid=st.booleans())
def test_fuzzed_signed_inbound_never_gets_a_5xx_long(client, rt, clock, seeded, body, sender,
                                                     extra, reuse_sid):
    _fuzz(client, rt, clock, _SIDS, body, sender, extra, reuse_sid)


status_fields = st.dictionaries(
    st.sampled_from(["MessageSid", "MessageStatus", "ErrorCode", "ErrorMessage", "SmsSid",
                     "SmsStatus", "To", "From"]),
    st.one_of(st.sampled_from(["sent", "delivered", "read", "failed", "²", "１２", "٣",
                               "9" * 30, "-1", "63016", "\x00", "SM" + "0" * 32]),
              st.text(max_size=100)))


@FUZZ
@given(form=status_fields)
@example(form={"MessageSid": "SMx", "MessageStatus": "failed", "ErrorCode": "²"})
@example(form={"MessageSid": "SMx", "MessageStatus": "failed", "ErrorCode": "9" * 30})
@example(form={"MessageSid": "SM\x00", "MessageStatus": "sent\x00", "ErrorMessage": "\x00"})
def test_fuzzed_status_callbacks_never_get_a_5xx(client, rt, form):
    response = post_signed(client, "/whatsapp/status", form)
    assert response.status_code in (204, 400), (response.status_code, response.data[:300])


def test_status_callback_with_a_huge_error_code_is_stored_without_it(client, rt, fake_twilio):
    Phone(client, CITIZEN).send("Halo")
    deliver_due(rt, rt.transport)
    sid = fake_twilio.sent[0].sid
    form = {"MessageSid": sid, "MessageStatus": "failed", "ErrorCode": "9" * 30}
    assert post_signed(client, "/whatsapp/status", form).status_code == 204
    with rt.sessions() as db:
        row = db.scalar(select(Message).where(Message.sid == sid))
    assert (row.status, row.error_code) == ("failed", None)


# -- user text is data, never a template ---------------------------------------------------

TEMPLATE_TEXT = "{{ 7*7 }} {% raw %} {{ config }} " + JINJA_PROBE


def test_a_description_with_template_syntax_reaches_the_officer_literally(client, rt, roster,
                                                                        fake_twilio):
    phone = Phone(client, CITIZEN, profile_name="{{ 6*6 }}")
    for text in ("KTP", "Ketintang RW 3", NIK, TEMPLATE_TEXT):
        phone.send(text)
    deliver_due(rt, rt.transport)
    summary = fake_twilio.to(CITIZEN)[-1]
    assert TEMPLATE_TEXT in summary
    phone.send("YA")
    deliver_due(rt, rt.transport)
    officer = fake_twilio.to(SITI)[-1]
    assert f"Keperluan: {TEMPLATE_TEXT}" in officer and "({{ 6*6 }})" in officer
    assert "jinja7" not in officer
    with rt.sessions() as db:
        assert db.get(Ticket, 1).description == TEMPLATE_TEXT


def test_officer_and_citizen_free_text_is_relayed_literally(client, rt, roster, fake_twilio,
                                                            seeded):
    officer = Phone(client, SITI)
    officer.send(f"TANYA 1 {TEMPLATE_TEXT}")
    deliver_due(rt, rt.transport)
    assert TEMPLATE_TEXT in fake_twilio.to(CITIZEN)[-1]
    Phone(client, CITIZEN).send(f"jawaban {TEMPLATE_TEXT}")
    deliver_due(rt, rt.transport)
    assert f"jawaban {TEMPLATE_TEXT}" in fake_twilio.to(SITI)[-1]
    officer.send(f"SELESAI 1 {TEMPLATE_TEXT}")
    deliver_due(rt, rt.transport)
    assert TEMPLATE_TEXT in fake_twilio.to(CITIZEN)[-1]
    for sent in fake_twilio.sent:
        assert "jinja7" not in (sent.body or "")


def test_html_in_user_text_is_escaped_on_the_dashboard(client, rt, roster, clock, seeded):
    from services.tickets.sweep import sweep
    from tests.support.clock import wib
    from tests.support.dashboard import csrf_of, log_in

    Phone(client, CITIZEN, profile_name="<img src=x onerror=alert(1)>").send("halo")
    clock.set(wib(2026, 11, 24, 11))
    sweep(rt, clock())
    log_in(client, rt, LURAH_KETINTANG)
    token = csrf_of(client.get("/dashboard/tickets/1"))
    client.post("/dashboard/tickets/1/excuse",
                data={"reason": "<script>alert(1)</script>" + JINJA_PROBE, "csrf_token": token})
    page = client.get("/dashboard/tickets/1").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert "jinja7" not in page and "<img src=x" not in page


# -- signatures -------------------------------------------------------------------------------

def _form(body="KTP") -> dict:
    return {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": ACCOUNT_SID,
            "From": f"whatsapp:{CITIZEN}", "To": f"whatsapp:{BOT_NUMBER}", "Body": body,
            "NumMedia": "0"}


def _forgeries():
    url = PUBLIC_BASE_URL + INBOUND
    form = _form()
    yield "missing", form, None
    yield "empty", form, ""
    yield "garbage", form, "bm90IGEgc2lnbmF0dXJl"
    yield "other token", form, RequestValidator("other-token").compute_signature(url, form)
    yield "other host", form, sign("https://evil.example" + INBOUND, form)
    yield "other path", form, sign(PUBLIC_BASE_URL + "/whatsapp/status", form)
    yield "https variant", form, sign(url.replace("http://", "https://"), form)
    yield "changed body", {**form, "Body": "BATAL 1"}, sign(url, form)
    yield "changed sender", {**form, "From": "whatsapp:+6281200000101"}, sign(url, form)
    yield "added field", {**form, "OriginalRepliedMessageSid": "SMx"}, sign(url, form)
    yield "removed field", {k: v for k, v in form.items() if k != "NumMedia"}, sign(url, form)
    yield "new sid replay", {**form, "MessageSid": "SM" + uuid.uuid4().hex}, sign(url, form)
    yield "lower-cased", form, sign(url, form).lower()


@pytest.mark.parametrize("name, form, signature", list(_forgeries()),
                         ids=[f[0] for f in _forgeries()])
def test_unsigned_or_forged_requests_are_refused_without_a_write(client, rt, roster, name, form,
                                                                 signature):
    before = _counts(rt)
    headers = {} if signature is None else {"X-Twilio-Signature": signature}
    response = client.post(INBOUND, data=form, headers=headers)
    assert response.status_code == 403
    assert _counts(rt) == before


@FUZZ
@given(key=st.sampled_from(["Body", "From", "MessageSid", "NumMedia", "ProfileName", "Extra"]),
       value=st.text(max_size=50))
def test_any_change_to_a_signed_form_is_refused(client, rt, roster, key, value):
    form = _form("MENU")
    signature = sign(PUBLIC_BASE_URL + INBOUND, form)
    tampered = {**form, key: value}
    if tampered == form:
        return
    before = _counts(rt)
    response = client.post(INBOUND, data=tampered, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403
    assert _counts(rt) == before


def test_a_signed_replay_of_a_processed_message_changes_nothing(client, rt, roster):
    form = _form("KTP")
    assert post_signed(client, INBOUND, form).status_code == 200
    before = _counts(rt)
    for _ in range(3):
        assert post_signed(client, INBOUND, form).status_code == 200
    assert _counts(rt) == before


# -- months and ticket numbers no database can hold get the ordinary answers ---------------

def _answer(client, rt, fake_twilio, phone: str, text: str) -> str:
    deliver_due(rt, rt.transport)           # what was waiting before, e.g. the new ticket
    seen = len(fake_twilio.to(phone))
    Phone(client, phone).send(text)
    deliver_due(rt, rt.transport)
    return "\n".join(fake_twilio.to(phone)[seen:])


@pytest.mark.parametrize("month", ["0000-01", "0001-01", "1999-12", "9999-12", "2026-13"])
@pytest.mark.parametrize("who", [LURAH_KETINTANG, SITI])
def test_a_month_out_of_range_gets_the_bad_month_answer(client, rt, fake_twilio, seeded, who,
                                                        month):
    answer = _answer(client, rt, fake_twilio, who, f"SKOR {month}")
    assert "Format bulan tidak dikenali" in answer and "2000-01 sampai 2099-12" in answer
    assert "tidak dapat diproses" not in answer and "gangguan" not in answer


@pytest.mark.parametrize("who, text", [
    (SITI, "TERIMA #9223372036854775808"),
    (SITI, "SELESAI 9223372036854775808 sudah jadi"),
    (SITI, "TOLAK 2147483648 dokumen tidak lengkap"),
    (LURAH_KETINTANG, "MAAFKAN #9223372036854775808 banjir"),
    (CITIZEN, "BATAL #9223372036854775808"),
])
def test_a_ticket_number_past_the_database_integer_is_not_found(client, rt, fake_twilio,
                                                                seeded, who, text):
    number = text.split()[1].lstrip("#")
    answer = _answer(client, rt, fake_twilio, who, text)
    assert f"Tiket #{number} tidak ditemukan." in answer
    with rt.sessions() as db:
        assert db.get(Ticket, 1).status.value == "new"


def test_a_number_too_long_to_read_is_not_echoed_back(client, rt, fake_twilio, seeded):
    answer = _answer(client, rt, fake_twilio, SITI, "TERIMA #" + "9" * 1500)
    assert answer == "Tiket itu tidak ditemukan."


def test_a_nik_after_ktp_is_still_not_a_ticket_number(client, rt, fake_twilio, seeded):
    answer = _answer(client, rt, fake_twilio, "+6285700000002", f"KTP {NIK}")
    assert "Ketik kelurahan dan RW" in answer


# -- each refusal shows the example of the command that was written --------------------------

@pytest.mark.parametrize("who, text, example", [
    (LURAH_KETINTANG, "MAAFKAN 1", "Contoh: MAAFKAN 1 "),
    (LURAH_KETINTANG, "MAAFKAN #1   ", "Contoh: MAAFKAN 1 "),
    (LURAH_KETINTANG, "MAAFKAN 1 " + "x" * 501, "paling banyak 500 karakter. Contoh: MAAFKAN 1 "),
    (LURAH_KETINTANG, "MAAFKAN", "misalnya MAAFKAN 123 "),
    (SITI, "TOLAK 1", "Contoh: TOLAK 1 "),
    (SITI, "TOLAK", "misalnya TOLAK 123 "),
    (SITI, "TANYA 1", "Contoh: TANYA 1 "),
    (SITI, "SELESAI", "misalnya SELESAI 123"),
    (SITI, "ALIHKAN", "misalnya ALIHKAN 123 "),
    (SITI, "TERIMA", "misalnya TERIMA 123"),
])
def test_a_refusal_shows_the_example_of_the_command_written(client, rt, fake_twilio, seeded,
                                                            who, text, example):
    answer = _answer(client, rt, fake_twilio, who, text)
    assert example in answer, answer
    word = text.split()[0]
    others = {"TERIMA", "TANYA", "SELESAI", "TOLAK", "ALIHKAN", "MAAFKAN"} - {word}
    assert not any(f"{other} " in answer for other in others), answer
    with rt.sessions() as db:
        from models import Breach
        assert db.get(Ticket, 1).status.value == "new"
        assert db.scalar(select(func.count()).select_from(Breach)) == 0


# -- the dashboard's query strings and paths, fuzzed -----------------------------------------

months = st.one_of(st.sampled_from(["0000-01", "0001-01", "9999-12", "2026-13", "2026-11",
                                    "２０２６-11", "-2026-11", "2026-11\x00", ""]),
                   st.from_regex(r"\A[0-9]{4}-[0-9]{2}\Z"), st.text(max_size=20))
numbers = st.one_of(st.integers(0, 2**70).map(str), st.sampled_from(
    ["2147483647", "2147483648", "9223372036854775808", "9" * 400, "0", "00001"]))


@FUZZ
@given(month=months, number=numbers, args=st.dictionaries(
    st.sampled_from(["status", "service", "rw", "officer", "page"]),
    st.one_of(numbers, st.text(max_size=30)), max_size=5))
def test_fuzzed_dashboard_requests_never_get_a_5xx(client, rt, seeded, month, number, args):
    from tests.support.dashboard import csrf_of, log_in

    if client.get_cookie("session") is None:
        log_in(client, rt, LURAH_KETINTANG)
    for path, query in (("/dashboard/report", {"month": month}),
                        ("/dashboard/report.csv", {"month": month}),
                        (f"/dashboard/tickets/{number}", {}), ("/dashboard/tickets", args)):
        response = client.get(path, query_string=query)
        assert response.status_code in (200, 404), (path, query, response.status_code)
    token = csrf_of(client.get("/dashboard"))
    response = client.post(f"/dashboard/tickets/{number}/excuse",
                           data={"reason": month, "csrf_token": token})
    assert response.status_code in (302, 400, 404), (number, response.status_code)
