"""Who may do what in chat: every role × every ticket command × ownership and scope.

Ticket #1 is a KTP of Ketintang RW 3 (Kec. Gayungan), filed by WARGA on Monday 10:00 and
breached by Tuesday 11:00's sweep; it belongs to Siti. Each cell starts from that state,
sends one command as one person, and checks both the answer and the database: a refused
command changes nothing and says nothing about the ticket.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from models import Breach, Ticket, TicketEvent
from services.channel.delivery import deliver_due
from tests.support.clock import wib
from tests.support.dashboard import file_ticket, sweep_at
from tests.support.whatsapp import Phone

pytestmark = pytest.mark.twilio

NIK = "3578012309900001"
PEOPLE = {
    "warga_pemilik": "+6285712345678",      # filed ticket #1
    "warga_lain": "+6285700000009",
    "petugas_pemilik": "+6281200000101",    # Siti: Ketintang RW 1-3, holds #1
    "petugas_cadangan": "+6281200000102",   # Agus: backup of Ketintang RW 1-3
    "petugas_kelurahan_sama": "+6281200000103",  # Dewi: Ketintang RW 4-5
    "petugas_lain": "+6281200000201",       # Bambang: Jagir
    "lurah_wilayah": "+6281200000901",      # Ketintang
    "lurah_lain": "+6281200000902",         # Jagir
    "camat_lain": "+6281200000903",         # Wonokromo
    "kota": "+6281200000999",               # city-wide
}
CITIZENS = {"warga_pemilik", "warga_lain"}
OTHER_OFFICERS = {"petugas_cadangan", "petugas_kelurahan_sama", "petugas_lain"}
SUPERVISORS_IN = {"lurah_wilayah", "kota"}
SUPERVISORS_OUT = {"lurah_lain", "camat_lain"}
SUPERVISORS = SUPERVISORS_IN | SUPERVISORS_OUT

COMMANDS = {
    "TERIMA": "TERIMA 1",
    "TANYA": "TANYA 1 mohon kirim foto KK",
    "SELESAI": "SELESAI 1 sudah jadi",
    "TOLAK": "TOLAK 1 berkas tidak lengkap",
    "ALIHKAN": "ALIHKAN 1 Jagir RW 2",
    "ALIHKAN_TUJUAN_SALAH": "ALIHKAN 1 Atlantis RW 1",
    "MAAFKAN": "MAAFKAN 1 banjir besar",
    "BATAL": "BATAL 1",
    "KUTIP_SELESAI": "SELESAI",             # quote-reply to the bot's message about #1
    "KUTIP_PESAN": "besok bisa diambil",    # quote-reply: plain text for the citizen
    # hostile: a reason left out, ticket numbers past the database's integer
    "TOLAK_TANPA_ALASAN": "TOLAK 1",
    "MAAFKAN_TANPA_ALASAN": "MAAFKAN 1",
    "TERIMA_NOMOR_RAKSASA": "TERIMA #9223372036854775808",
    "MAAFKAN_NOMOR_RAKSASA": "MAAFKAN 9223372036854775808 banjir",
    "BATAL_NOMOR_RAKSASA": "BATAL #2147483648",
}
QUOTES = {"KUTIP_SELESAI", "KUTIP_PESAN"}
OFFICER_COMMANDS = {"TERIMA", "TANYA", "SELESAI", "TOLAK", "ALIHKAN", "ALIHKAN_TUJUAN_SALAH",
                    "TOLAK_TANPA_ALASAN", "TERIMA_NOMOR_RAKSASA"}


@dataclass(frozen=True)
class Outcome:
    allowed: bool
    says: str            # a phrase the answer must contain


def expected(who: str, command: str) -> Outcome:
    """The authorization rules of SPEC §3 and §10, cell by cell."""
    refused = lambda says: Outcome(False, says)  # noqa: E731
    if command in OFFICER_COMMANDS | QUOTES:
        if who.startswith("petugas") and command == "TERIMA_NOMOR_RAKSASA":
            return refused("Tiket #9223372036854775808 tidak ditemukan")
        if who == "petugas_pemilik":
            if command == "TOLAK_TANPA_ALASAN":
                return refused("Alasan wajib diisi. Contoh: TOLAK 1 ")
            if command == "ALIHKAN_TUJUAN_SALAH":
                return refused("Kelurahan tujuan tidak ditemukan")
            if command == "KUTIP_PESAN":
                return Outcome(True, "diteruskan ke warga")
            return Outcome(True, "#1")
        if who in OTHER_OFFICERS:
            if command == "KUTIP_SELESAI":   # the quoted message is not theirs: no ticket
                return refused("Sebutkan nomor tiketnya")
            if command == "KUTIP_PESAN":
                return refused("TERIMA <no>")     # their help text
            return refused("bukan tiket Anda")
        if who in SUPERVISORS:
            return refused("sebagai pengawas" if command == "KUTIP_PESAN" else
                           "khusus untuk petugas")
        return refused("Layanan RW" if command in QUOTES else "hanya untuk petugas")
    if command.startswith("MAAFKAN"):
        if command == "MAAFKAN_NOMOR_RAKSASA" and who in SUPERVISORS:
            return refused("Tiket #9223372036854775808 tidak ditemukan")
        if command == "MAAFKAN_TANPA_ALASAN" and who in SUPERVISORS_IN:
            return refused("Alasan wajib diisi. Contoh: MAAFKAN 1 ")
        if who in SUPERVISORS_IN:
            return Outcome(True, "dimaafkan")
        if who in SUPERVISORS_OUT:
            return refused("tidak ditemukan")
        if who in CITIZENS:
            return refused("hanya untuk petugas")
        return refused("khusus untuk pengawas")
    if command == "BATAL_NOMOR_RAKSASA" and who in CITIZENS:
        return refused("Tiket #2147483648 tidak ditemukan")
    if command.startswith("BATAL"):
        if who == "warga_pemilik":
            return Outcome(True, "dibatalkan")
        if who == "warga_lain":
            return refused("tidak ditemukan")
        return refused("sebagai pengawas" if who in SUPERVISORS else "TERIMA <no>")
    raise AssertionError(command)


@pytest.fixture
def ticket_one(rt, roster, clock, fake_twilio):
    """Ticket #1 (Siti's, breached) and the SID of the bot's new-ticket message to Siti."""
    number = file_ticket(rt, clock, wib(2026, 11, 23, 10), phone=PEOPLE["warga_pemilik"])
    deliver_due(rt, rt.transport)
    sweep_at(rt, clock, wib(2026, 11, 24, 11))
    deliver_due(rt, rt.transport)
    siti = PEOPLE["petugas_pemilik"]
    quoted = next(s.sid for s in fake_twilio.sent if s.to == siti and "Tiket baru #1" in s.body)
    assert number == 1
    return quoted


def _state(rt) -> tuple:
    with rt.sessions() as db:
        ticket = db.get(Ticket, 1)
        breach = db.scalar(select(Breach).where(Breach.ticket_id == 1))
        events = db.scalar(select(func.count()).select_from(TicketEvent))
        return (ticket.status.value, ticket.officer_id, ticket.rw_id, ticket.close_note,
                breach.excused_at, events)


CELLS = [(who, command) for who in PEOPLE for command in COMMANDS]


@pytest.mark.parametrize("who, command", CELLS, ids=[f"{w}-{c}" for w, c in CELLS])
def test_authorization_cell(client, rt, fake_twilio, ticket_one, who, command):
    before = _state(rt)
    citizen = PEOPLE["warga_pemilik"]
    to_citizen = len(fake_twilio.to(citizen))
    extra = {"OriginalRepliedMessageSid": ticket_one} if command in QUOTES else {}
    seen = len(fake_twilio.to(PEOPLE[who]))
    Phone(client, PEOPLE[who]).send(COMMANDS[command], **extra)
    deliver_due(rt, rt.transport)
    answer = "\n".join(fake_twilio.to(PEOPLE[who])[seen:])
    outcome = expected(who, command)
    assert outcome.says in answer, answer
    assert "TOLAK" not in answer or not command.startswith("MAAFKAN"), answer
    after = _state(rt)
    if outcome.allowed:
        assert after != before or command == "KUTIP_PESAN"
        if command == "KUTIP_PESAN":
            assert "besok bisa diambil" in fake_twilio.to(citizen)[-1]
    else:
        assert after == before, "a refused command changed the ticket"
        if who != "warga_pemilik":
            assert len(fake_twilio.to(citizen)) == to_citizen, "the citizen was told something"
        assert NIK not in answer and citizen not in answer and "0857****5678" not in answer


VISIBILITY = [
    ("petugas_pemilik", "TUGAS", True), ("petugas_cadangan", "TUGAS", False),
    ("petugas_kelurahan_sama", "TUGAS", False), ("petugas_lain", "TUGAS", False),
    ("warga_pemilik", "STATUS", True), ("warga_lain", "STATUS", False),
    ("lurah_wilayah", "REKAP", True), ("kota", "REKAP", True),
    ("lurah_lain", "REKAP", False), ("camat_lain", "REKAP", False),
]


@pytest.mark.parametrize("who, command, sees", VISIBILITY,
                         ids=[f"{w}-{c}" for w, c, _ in VISIBILITY])
def test_lists_show_only_what_is_yours_or_in_scope(client, rt, fake_twilio, ticket_one, who,
                                                   command, sees):
    seen = len(fake_twilio.to(PEOPLE[who]))
    Phone(client, PEOPLE[who]).send(command)
    deliver_due(rt, rt.transport)
    answer = "\n".join(fake_twilio.to(PEOPLE[who])[seen:])
    assert answer
    assert ("#1" in answer) is sees, answer
    assert NIK not in answer and PEOPLE["warga_pemilik"] not in answer


@pytest.mark.parametrize("who, sees_siti", [("lurah_wilayah", True), ("kota", True),
                                            ("lurah_lain", False), ("camat_lain", False),
                                            ("petugas_lain", False)])
def test_scores_show_only_officers_in_scope(client, rt, fake_twilio, ticket_one, who, sees_siti):
    seen = len(fake_twilio.to(PEOPLE[who]))
    Phone(client, PEOPLE[who]).send("SKOR 2026-11")
    deliver_due(rt, rt.transport)
    answer = "\n".join(fake_twilio.to(PEOPLE[who])[seen:])
    assert ("Siti Rahmawati" in answer) is sees_siti, answer


@pytest.mark.parametrize("who", sorted(CITIZENS | OTHER_OFFICERS | {"petugas_pemilik"}))
def test_only_supervisors_get_a_dashboard_link(client, rt, fake_twilio, ticket_one, who):
    seen = len(fake_twilio.to(PEOPLE[who]))
    Phone(client, PEOPLE[who]).send("MASUK")
    deliver_due(rt, rt.transport)
    answer = "\n".join(fake_twilio.to(PEOPLE[who])[seen:])
    assert "/dashboard/login/" not in answer
    from models import LoginToken
    with rt.sessions() as db:
        assert db.scalar(select(func.count()).select_from(LoginToken)) == 0
