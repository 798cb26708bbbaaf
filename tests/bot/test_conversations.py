"""Whole conversations through the signed webhook, Twilio's REST API mocked."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import RW, Citizen, Kelurahan, Media, Staff, Ticket, TicketEvent
from tests.support.chat import Chat, file_ktp
from tests.support.clock import wib

pytestmark = pytest.mark.twilio

WARGA = "+6285700000001"
SITI = "+6281200000101"        # officer, Ketintang RW 1-3
AGUS = "+6281200000102"        # backup, Ketintang RW 1-3
BAMBANG = "+6281200000201"     # officer, Jagir RW 1-4
LURAH_KETINTANG = "+6281200000901"
LURAH_JAGIR = "+6281200000902"
NIK = "3578012309900001"


@pytest.fixture
def chat(client, rt, fake_twilio, roster):
    """Send as anyone; read what each number received, delivered through the mock."""
    return Chat(client, rt, fake_twilio)


def _file_ktp(chat, who=WARGA, place="Ketintang RW 3") -> int:
    return file_ktp(chat, who, place, NIK)


def test_citizen_files_a_ktp_request_in_five_messages(chat, rt):
    assert "Ketik kelurahan dan RW" in chat.send(WARGA, "KTP")[0]
    assert "NIK" in chat.send(WARGA, "ketintang rw 3")[0]
    assert "Jelaskan singkat" in chat.send(WARGA, NIK)[0]
    summary = chat.send(WARGA, "KTP saya hilang waktu banjir")[0]
    assert "Ketintang RW 3" in summary and NIK in summary and "Balas YA" in summary
    [done] = chat.send(WARGA, "ya")
    assert "Nomor tiket: #1" in done
    assert "Layanan: KTP elektronik" in done and "RW: Ketintang RW 3" in done
    assert "Petugas: Siti Rahmawati" in done
    assert "Batas waktu: Selasa, 24 Nov 2026 pukul 10.00 WIB" in done
    officer_msg = chat.last(SITI)
    assert "Tiket baru #1" in officer_msg and f"NIK: {NIK}" in officer_msg
    assert "0857****0001" in officer_msg and WARGA not in officer_msg
    with rt.sessions() as db:
        ticket = db.get(Ticket, 1)
        assert ticket.nik == NIK and ticket.officer.phone == SITI
        assert ticket.deadline_at == wib(2026, 11, 24, 10, 0)
        assert [e.kind for e in db.scalars(select(TicketEvent))] == ["submitted"]


def test_citizen_files_kk_with_a_kk_number_and_a_photo(chat, rt):
    chat.send(WARGA, "kk")
    chat.send(WARGA, "Jagir RW 2")
    assert "Kartu Keluarga" in chat.send(WARGA, NIK)[0]
    assert "tidak valid" in chat.send(WARGA, "35780123099000")[0]
    assert "Jelaskan" in chat.send(WARGA, "3578011501200003")[0]
    chat.send(WARGA, "Tambah anggota keluarga, anak lahir")
    assert "Lampiran diterima (1)" in chat.send(
        WARGA, "", NumMedia="1", MediaUrl0="https://api.twilio.com/m/akta",
        MediaContentType0="image/jpeg")[0]
    assert "Nomor tiket: #1" in chat.send(WARGA, "YA")[0]
    assert "Lampiran: 1 foto/dokumen, menyusul" in chat.last(BAMBANG)
    assert "api.twilio.com" not in chat.last(BAMBANG)   # the photo follows once stored
    with rt.sessions() as db:
        ticket = db.get(Ticket, 1)
        assert (ticket.service.value, ticket.kk_number) == ("KK", "3578011501200003")
        media = db.get(Media, ticket.media[0]["id"])
        assert (media.ticket_id, media.role, media.source_url) == (
            1, "attachment", "https://api.twilio.com/m/akta")


def test_kk_baru(chat, rt):
    chat.send(WARGA, "KK")
    chat.send(WARGA, "Jagir RW 2")
    chat.send(WARGA, NIK)
    chat.send(WARGA, "baru")
    assert "BARU (KK baru)" in chat.send(WARGA, "Pisah KK setelah menikah")[0]
    chat.send(WARGA, "YA")
    with rt.sessions() as db:
        assert db.get(Ticket, 1).kk_new is True


def test_returning_citizen_confirms_last_rw(chat):
    _file_ktp(chat)
    reply = chat.send(WARGA, "KTP")[0]
    assert "Ketintang RW 3" in reply and "seperti sebelumnya" in reply
    assert "NIK" in chat.send(WARGA, "ya")[0]


def test_returning_citizen_may_give_another_rw(chat, rt):
    _file_ktp(chat)
    chat.send(WARGA, "KTP")
    assert "RW: Jagir RW 1" in chat.send(WARGA, "Jagir RW 1")[0]


@pytest.mark.parametrize("typed", ["Ketintan RW 3", "kel. ketintang rw 03", "KETINTANG  RW3",
                                   "Ktintang RW 3"])
def test_kelurahan_typos_still_find_the_rw(chat, typed):
    chat.send(WARGA, "KTP")
    assert "RW: Ketintang RW 3" in chat.send(WARGA, typed)[0]


def test_ambiguous_kelurahan_gets_a_numbered_choice(chat):
    chat.send(WARGA, "KTP")
    reply = chat.send(WARGA, "Wonorejo RW 1")[0]
    assert "1. Wonorejo (Kec. " in reply and "2. Wonorejo (Kec. " in reply
    first_is_rungkut = reply.index("Rungkut") < reply.index("Tegalsari")
    answer = chat.send(WARGA, "1" if first_is_rungkut else "2")[0]
    assert "RW: Wonorejo RW 1 (Kec. Rungkut)" in answer


def test_unknown_kelurahan_and_unknown_rw_explain_themselves(chat):
    chat.send(WARGA, "KTP")
    assert "tidak kami temukan" in chat.send(WARGA, "Atlantis RW 1")[0]
    assert "RW 9 belum terdaftar di Kelurahan Ketintang" in chat.send(WARGA, "Ketintang RW 9")[0]
    assert "sertakan nomor RW" in chat.send(WARGA, "Ketintang")[0]


def test_location_share_picks_the_nearest_balai_within_3_km(chat, rt):
    with rt.transaction() as db:
        ketintang = db.scalar(select(Kelurahan).where(Kelurahan.name == "Ketintang"))
        rw2 = db.scalar(select(RW).where(RW.kelurahan == ketintang, RW.number == 2))
        rw2.latitude, rw2.longitude = -7.3120, 112.7275
    chat.send(WARGA, "KTP")
    far = chat.send(WARGA, "", Latitude="-7.2000", Longitude="112.6000")[0]
    assert "radius 3 km" in far
    near = chat.send(WARGA, "", Latitude="-7.3125", Longitude="112.7280")[0]
    assert "Balai RW terdekat dari lokasi Anda: Ketintang RW 2" in near


@pytest.mark.parametrize("nik, why", [
    ("357801230990001", "tepat 16 angka"),
    ("35780123099000AB", "hanya boleh berisi angka"),
    ("3578013209900001", "Tanggal lahir"),        # day 32
    ("3578012313900001", "Tanggal lahir"),        # month 13
    ("3578017209900001", "Tanggal lahir"),        # woman's day 72 = 32
    ("3578010112260001", "masa depan"),           # 1 Dec 2026, after today
    ("3578012309900000", "0000"),
    ("9978012309900001", "kode provinsi"),
])
def test_bad_niks_are_explained_and_asked_again(chat, rt, nik, why):
    chat.send(WARGA, "KTP")
    chat.send(WARGA, "Ketintang RW 3")
    reply = chat.send(WARGA, nik)[0]
    assert why in reply and "ketik ulang NIK" in reply
    assert "Jelaskan singkat" in chat.send(WARGA, NIK)[0]


@pytest.mark.parametrize("nik", ["3201016309900002", "3578016309900002"])
def test_valid_nik_outside_surabaya_and_womens_nik_are_accepted(chat, nik):
    chat.send(WARGA, "KTP")
    chat.send(WARGA, "Ketintang RW 3")
    assert "Jelaskan singkat" in chat.send(WARGA, nik)[0]


def test_batal_abandons_the_request_being_composed(chat, rt):
    chat.send(WARGA, "KTP")
    chat.send(WARGA, "Ketintang RW 3")
    assert "dibatalkan" in chat.send(WARGA, "batal")[0]
    assert "Selamat datang" in chat.send(WARGA, "halo")[0]
    with rt.sessions() as db:
        assert db.scalar(select(Ticket)) is None


def test_status_and_cancel(chat, rt):
    number = _file_ktp(chat)
    status = chat.send(WARGA, "STATUS")[0]
    assert f"#{number} KTP" in status and "Siti Rahmawati" in status
    assert "dibatalkan" in chat.send(WARGA, f"BATAL #{number}")[0]
    assert f"Tiket #{number}" in chat.last(SITI) and "dibatalkan oleh warga" in chat.last(SITI)
    assert "sudah ditutup" in chat.send(WARGA, f"BATAL {number}")[0]
    assert "tidak ditemukan" in chat.send("+6285700000002", f"BATAL {number}")[0]


def test_idle_flow_expires_after_24_hours(chat, clock):
    chat.send(WARGA, "KTP")
    clock.advance(hours=25)
    assert "Selamat datang" in chat.send(WARGA, "Ketintang RW 3")[0]


def test_officer_happy_path_with_rating(chat, rt):
    number = _file_ktp(chat)
    assert "Anda terima" in chat.send(SITI, f"TERIMA {number}")[0]
    assert "sedang diproses oleh Siti Rahmawati" in chat.last(WARGA)
    assert "ditutup SELESAI dengan 1 foto bukti" in chat.send(
        SITI, f"SELESAI #{number} KTP sudah jadi, ambil di balai RW", NumMedia="1",
        MediaUrl0="https://api.twilio.com/m/bukti", MediaContentType0="image/jpeg")[0]
    assert "telah SELESAI" in chat.last(WARGA) and "ambil di balai RW" in chat.last(WARGA)
    assert "angka 1 sampai 5" in chat.send(WARGA, "mantap")[0]
    assert "5 dari 5" in chat.send(WARGA, "5")[0]
    with rt.sessions() as db:
        ticket = db.get(Ticket, number)
        assert (ticket.status.value, ticket.rating) == ("resolved", 5)
        evidence = db.get(Media, ticket.evidence[0]["id"])
        assert (evidence.role, evidence.source_url) == ("evidence", "https://api.twilio.com/m/bukti")
        kinds = [e.kind for e in db.scalars(select(TicketEvent).order_by(TicketEvent.id))]
        assert kinds == ["submitted", "acknowledged", "resolved", "rated"]


def test_an_invalid_rating_is_asked_once_more_then_dropped(chat, rt):
    number = _file_ktp(chat)
    chat.send(SITI, f"SELESAI {number}")
    chat.send(WARGA, "bagus")
    assert "Selamat datang" in chat.send(WARGA, "terima kasih")[0]
    with rt.sessions() as db:
        assert db.get(Ticket, number).rating is None


def test_officer_cannot_touch_another_officers_ticket(chat, rt):
    number = _file_ktp(chat)
    for command in (f"TERIMA {number}", f"SELESAI {number}", f"TOLAK {number} tidak lengkap"):
        assert "bukan tiket Anda" in chat.send(BAMBANG, command)[0]
    assert "tidak ditemukan" in chat.send(BAMBANG, "TERIMA 999")[0]
    with rt.sessions() as db:
        assert db.get(Ticket, number).status.value == "new"


def test_refusals_name_the_problem(chat):
    number = _file_ktp(chat)
    assert "Alasan wajib diisi" in chat.send(SITI, f"TOLAK {number}")[0]
    assert "Tuliskan pertanyaannya" in chat.send(SITI, f"TANYA {number}")[0]
    assert "Sebutkan nomor tiketnya" in chat.send(SITI, "TERIMA")[0]
    chat.send(SITI, f"TOLAK {number} foto KTP lama tidak terbaca")
    assert "tidak terbaca" in chat.last(WARGA)
    assert "sudah ditutup" in chat.send(SITI, f"SELESAI {number}")[0]


def test_tanya_pauses_and_the_answer_is_relayed_and_resumes(chat, rt, clock):
    number = _file_ktp(chat)                                  # Mon 10:00
    clock.set(wib(2026, 11, 23, 11, 0))
    chat.send(SITI, f"TANYA {number} Mohon kirim foto KK")
    assert "Mohon kirim foto KK" in chat.last(WARGA)
    clock.set(wib(2026, 11, 24, 9, 0))
    reply = chat.send(WARGA, "ini fotonya", NumMedia="1", MediaUrl0="https://api.twilio.com/m/kk",
                      MediaContentType0="image/jpeg")[0]
    assert "Selasa, 24 Nov 2026 pukul 16.00 WIB" in reply
    relayed = chat.last(SITI)
    assert "ini fotonya" in relayed and "Lampiran: 1 foto/dokumen, menyusul" in relayed
    with rt.sessions() as db:
        assert db.get(Ticket, number).deadline_at == wib(2026, 11, 24, 16, 0)


def test_quote_reply_relays_text_and_selesai_works_without_number(chat, rt):
    number = _file_ktp(chat)
    quoted = chat.sid_of_last(SITI)
    assert "diteruskan ke warga" in chat.send(
        SITI, "Bu, besok bisa diambil jam 9", OriginalRepliedMessageSid=quoted)[0]
    assert "besok bisa diambil jam 9" in chat.last(WARGA)
    assert "ditutup SELESAI" in chat.send(SITI, "SELESAI", OriginalRepliedMessageSid=quoted)[0]
    with rt.sessions() as db:
        assert db.get(Ticket, number).status.value == "resolved"


def test_quote_reply_to_someone_elses_message_does_not_leak(chat, rt):
    number = _file_ktp(chat)
    quoted = chat.sid_of_last(SITI)
    reply = chat.send(BAMBANG, "SELESAI", OriginalRepliedMessageSid=quoted)[0]
    assert "Sebutkan nomor tiketnya" in reply
    with rt.sessions() as db:
        assert db.get(Ticket, number).status.value == "new"


def test_transfer_keeps_the_deadline(chat, rt):
    number = _file_ktp(chat)
    assert "dialihkan ke Jagir RW 2" in chat.send(SITI, f"ALIHKAN {number} Jagir RW 2")[0]
    assert f"Tiket #{number} DIALIHKAN kepada Anda oleh Siti Rahmawati" in chat.last(BAMBANG)
    assert "Batas waktu tetap: Selasa, 24 Nov 2026 pukul 10.00 WIB" in chat.last(WARGA)
    assert "bukan tiket Anda" in chat.send(SITI, f"TERIMA {number}")[0]
    assert "Anda terima" in chat.send(BAMBANG, f"TERIMA {number}")[0]
    assert "Kelurahan tujuan tidak ditemukan" in chat.send(
        BAMBANG, f"ALIHKAN {number} Atlantis RW 1")[0]


def test_backup_gets_the_ticket_when_the_officer_is_on_leave(chat, rt):
    chat.send(SITI, "CUTI hari ini 30-11-2026")
    _file_ktp(chat)
    assert "Tiket baru #1" in chat.last(AGUS)
    assert not any("#1" in body for body in chat.inbox(SITI))


def test_unassigned_ticket_alerts_the_lurah_and_its_clock_runs(chat, rt):
    with rt.transaction() as db:
        for phone in (SITI, AGUS):
            db.scalar(select(Staff).where(Staff.phone == phone)).active = False
    number = _file_ktp(chat)
    assert "belum ditentukan" in chat.inbox(WARGA)[-1]
    alert = chat.last(LURAH_KETINTANG)
    assert f"tiket #{number}" in alert and "tidak punya petugas aktif" in alert
    assert chat.inbox(LURAH_JAGIR) == []
    with rt.sessions() as db:
        ticket = db.get(Ticket, number)
        assert ticket.officer is None and ticket.deadline_at == wib(2026, 11, 24, 10, 0)


def test_supervisor_outside_scope_cannot_excuse(chat, rt, clock):
    number = _file_ktp(chat)
    clock.set(wib(2026, 11, 24, 11, 0))
    chat.send(SITI, f"TANYA {number} apakah masih perlu?")  # records the overdue breach
    assert "melewati batas waktu" in chat.inbox(SITI)[-2]
    assert "tidak ditemukan" in chat.send(LURAH_JAGIR, f"MAAFKAN {number} banjir")[0]
    assert "Alasan wajib diisi" in chat.send(LURAH_KETINTANG, f"MAAFKAN {number}")[0]
    assert "dimaafkan" in chat.send(LURAH_KETINTANG, f"MAAFKAN {number} banjir besar")[0]
    assert "dimaafkan oleh" in chat.last(SITI)
    with rt.sessions() as db:
        kinds = [e.kind for e in db.scalars(select(TicketEvent).where(
            TicketEvent.ticket_id == number).order_by(TicketEvent.id))]
    assert kinds == ["submitted", "breached", "asked", "excused"]


def test_citizens_never_reach_staff_commands(chat, rt):
    number = _file_ktp(chat)
    assert "hanya untuk petugas" in chat.send("+6285700000009", f"SELESAI {number}")[0]
    with rt.sessions() as db:
        assert db.get(Ticket, number).status.value == "new"


def test_staff_writing_as_citizens_get_the_staff_menu(chat):
    assert "terdaftar sebagai petugas" in chat.send(SITI, "KTP")[0]
    assert "terdaftar sebagai pengawas" in chat.send(LURAH_JAGIR, "KTP")[0]
    assert "khusus untuk pengawas" in chat.send(SITI, "MAAFKAN 1 x")[0]
    assert "khusus untuk petugas" in chat.send(LURAH_JAGIR, "TERIMA 1")[0]


def test_tugas_lists_open_tickets_by_deadline(chat, clock):
    first = _file_ktp(chat)
    clock.advance(hours=1)
    second = _file_ktp(chat, who="+6285700000002", place="Ketintang RW 1")
    tasks = chat.send(SITI, "TUGAS")[0]
    assert tasks.index(f"#{first}") < tasks.index(f"#{second}")


def test_citizen_profile_is_stored(chat, rt):
    chat.send(WARGA, "halo")
    with rt.sessions() as db:
        assert db.scalar(select(Citizen).where(Citizen.phone == WARGA)) is not None


def test_skor_shows_a_supervisors_region_and_an_officers_own_figures(chat, clock):
    number = _file_ktp(chat)
    clock.set(wib(2026, 11, 24, 11, 0))
    chat.send(SITI, f"TANYA {number} masih perlu?")       # the overdue breach is recorded
    lurah = chat.send(LURAH_KETINTANG, "SKOR")[0]
    assert "Siti Rahmawati: IKI 0.0" in lurah and "Rp 260.000" in lurah
    assert "Bambang" not in lurah
    camat = chat.send("+6281200000903", "skor 2026-11")[0]
    assert "Bambang Wijaya" in camat and "Hendra" in camat and "Siti" not in camat
    own = chat.send(SITI, "SKOR 2026-11")[0]
    assert "Siti Rahmawati" in own and "Dewi" not in own and "Agus" not in own
    assert "Format bulan" in chat.send(SITI, "SKOR november")[0]
