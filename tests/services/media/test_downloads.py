"""The media store end to end: a citizen's photo arrives through the signed webhook, the job
downloads it from the fake Twilio (basic auth, redirect to storage), checks it, stores it
by hash and deletes Twilio's copy; what is refused is never requested or is told."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.media.files import path_of
from services.media.kinds import MAX_BYTES
from tests.support.fake_twilio_server import FakeTwilioServer
from tests.support.media import HTML, JPEG, PDF, PNG, SITI, WARGA, MediaChat

pytestmark = pytest.mark.twilio_server


@pytest.fixture
def chat(client, rt, fake_twilio_server, roster):
    return MediaChat(client, rt, fake_twilio_server)


def _describe_then_photo(chat, photos=(), urls=()) -> None:
    for text in ("KTP", "Ketintang RW 3", "3578012309900001", "KTP saya rusak"):
        chat.send(WARGA, text)
    chat.send(WARGA, "", photos=photos, urls=urls)
    chat.deliver()


def test_a_photo_is_downloaded_with_the_credentials_stored_by_hash_and_deleted_at_twilio(
        chat, rt, fake_twilio_server):
    _describe_then_photo(chat, photos=[(JPEG, "image/jpeg")])
    assert "Lampiran diterima (1)" in chat.bodies(WARGA)[-1]
    [row] = chat.media_rows()
    assert row.status == "pending" and fake_twilio_server.media.asked("media") == []

    counts = chat.jobs()

    assert counts["stored"] == 1 and counts["deleted"] == 1
    [media_get] = fake_twilio_server.media.asked("media")
    [storage_get] = fake_twilio_server.media.asked("storage")
    assert media_get.authorized and media_get.status == 307
    assert storage_get.status == 200 and not storage_get.authorized   # header dropped
    [row] = chat.media_rows()
    assert (row.status, row.content_type, row.size) == ("stored", "image/jpeg", len(JPEG))
    assert path_of(rt.settings, row.sha256).read_bytes() == JPEG
    assert row.source_url is None and row.twilio_deleted_at is not None
    assert fake_twilio_server.media.deleted == [media_get.media_sid]
    assert fake_twilio_server.media.items == {}


def test_the_same_photo_twice_is_one_file(chat, rt):
    _describe_then_photo(chat, photos=[(JPEG, "image/jpeg"), (JPEG, "image/jpeg")])
    chat.jobs()
    first, second = chat.media_rows()
    assert first.status == second.status == "stored" and first.sha256 == second.sha256
    assert len([p for p in rt.settings.media_dir.rglob("*") if p.is_file()]) == 1


def test_png_webp_and_pdf_are_taken_and_read_from_their_bytes(chat):
    webp = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 64
    _describe_then_photo(chat, photos=[(PNG, "image/png"), (webp, "image/webp"),
                                       (PDF, "application/pdf")])
    chat.jobs()
    assert [(r.status, r.content_type) for r in chat.media_rows()] == [
        ("stored", "image/png"), ("stored", "image/webp"), ("stored", "application/pdf")]


def test_a_url_off_the_twilio_host_is_refused_and_never_requested(chat, caplog):
    with FakeTwilioServer() as elsewhere:   # a server that would happily answer
        url = elsewhere.add_media(JPEG, "image/jpeg")
        _describe_then_photo(chat, urls=[(url, "image/jpeg")])
        chat.jobs()
        assert elsewhere.media.hits == [] and elsewhere.calls == []
    assert "jenis lampiran ini tidak dapat kami terima" in chat.bodies(WARGA)[-1]
    [row] = chat.media_rows()
    assert (row.status, row.reason, row.source_url) == ("refused", "host", None)
    assert "not on the Twilio API host" in caplog.text
    assert url not in caplog.text and "+62857" not in caplog.text


def test_a_declared_type_we_do_not_take_is_refused_at_once_and_deleted_at_twilio(
        chat, fake_twilio_server):
    _describe_then_photo(chat, photos=[(b"\x00\x00\x00\x18ftypmp42", "video/mp4")])
    assert "jenis lampiran ini tidak dapat kami terima" in chat.bodies(WARGA)[-1]
    chat.jobs()
    assert fake_twilio_server.media.asked("media") == []       # never downloaded
    assert len(fake_twilio_server.media.deleted) == 1          # Twilio's copy still goes
    [row] = chat.media_rows()
    assert (row.status, row.reason) == ("refused", "type")


def test_bytes_that_are_no_photo_are_refused_after_download_and_the_sender_is_told(
        chat, rt):
    _describe_then_photo(chat, photos=[(HTML, "image/jpeg")])
    before = len(chat.bodies(WARGA))
    chat.jobs()
    [told] = chat.bodies(WARGA)[before:]
    assert "ternyata bukan foto (JPG/PNG/WebP) atau dokumen PDF" in told
    assert "kirim ulang" in told
    [row] = chat.media_rows()
    assert (row.status, row.reason, row.sha256) == ("refused", "type", None)
    assert not any(p.is_file() for p in rt.settings.media_dir.rglob("*"))


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "streamed"])
def test_a_file_over_10_mb_is_refused_and_the_sender_is_told(chat, rt, chunked):
    big = JPEG + b"\x00" * (MAX_BYTES - len(JPEG) + 1)
    url = chat.fake.add_media(big, "image/jpeg", chunked=chunked)
    _describe_then_photo(chat, urls=[(url, "image/jpeg")])
    before = len(chat.bodies(WARGA))
    chat.jobs()
    [told] = chat.bodies(WARGA)[before:]
    assert "lebih besar dari 10 MB" in told
    [row] = chat.media_rows()
    assert (row.status, row.reason) == ("refused", "size")
    assert not any(p.is_file() for p in rt.settings.media_dir.rglob("*"))


def test_a_file_of_exactly_10_mb_is_taken(chat):
    exact = JPEG + b"\x00" * (MAX_BYTES - len(JPEG))
    url = chat.fake.add_media(exact, "image/jpeg", chunked=True)
    _describe_then_photo(chat, urls=[(url, "image/jpeg")])
    chat.jobs()
    [row] = chat.media_rows()
    assert (row.status, row.size) == ("stored", MAX_BYTES)


def test_a_failing_download_is_retried_and_never_blocks_the_conversation(
        chat, clock, fake_twilio_server):
    fake_twilio_server.fault("503", count=2, applies_to=("media",))
    _describe_then_photo(chat, photos=[(JPEG, "image/jpeg")])
    assert chat.jobs().get("retry") == 1
    chat.send(WARGA, "YA")                    # the citizen goes on meanwhile
    chat.deliver()
    assert "Nomor tiket: #1" in chat.bodies(WARGA)[-1]
    assert any("Tiket baru #1" in b for b in chat.bodies(SITI))
    assert chat.jobs() == {"released": 0, "dropped": 0}     # not due yet: backoff
    clock.advance(seconds=15)
    assert chat.jobs().get("retry") == 1
    clock.advance(seconds=30)
    counts = chat.jobs()
    assert counts["stored"] == 1 and counts["released"] == 1
    [row] = chat.media_rows()
    assert (row.status, row.attempts) == ("stored", 0)
    assert [c.media_urls != [] for c in chat.received(SITI)] == [False, True]


def test_a_download_that_never_works_fails_for_good_and_the_sender_is_told(
        chat, clock, fake_twilio_server, rt):
    fake_twilio_server.fault("500", applies_to=("media",))
    _describe_then_photo(chat, photos=[(JPEG, "image/jpeg")])
    before = len(chat.bodies(WARGA))
    for _ in range(rt.settings.media_fetch_attempts):
        chat.jobs()
        clock.advance(minutes=40)
    [row] = chat.media_rows()
    assert (row.status, row.attempts) == ("failed", rt.settings.media_fetch_attempts)
    [told] = chat.bodies(WARGA)[before:]
    assert "tidak berhasil kami ambil" in told


def test_a_media_url_twilio_no_longer_has_fails_at_once(chat, fake_twilio_server):
    url = fake_twilio_server.add_media(JPEG, "image/jpeg")
    fake_twilio_server.media.remove(url.rsplit("/", 1)[-1])
    _describe_then_photo(chat, urls=[(url, "image/jpeg")])
    chat.jobs()
    [row] = chat.media_rows()
    assert (row.status, row.reason, row.attempts) == ("failed", "http_404", 1)


def test_a_deletion_that_fails_is_retried(chat, clock, fake_twilio_server):
    fake_twilio_server.fault("503", count=1, applies_to=("delete",))
    _describe_then_photo(chat, photos=[(JPEG, "image/jpeg")])
    assert chat.jobs().get("retry") == 1
    [row] = chat.media_rows()
    assert row.status == "stored" and row.source_url is not None
    clock.advance(seconds=15)
    assert chat.jobs().get("deleted") == 1
    assert len(fake_twilio_server.media.deleted) == 1


def test_nothing_is_deleted_at_twilio_when_switched_off(chat, rt, fake_twilio_server):
    rt.settings = replace(rt.settings, media_delete_at_twilio=False)   # MEDIA_DELETE_AT_TWILIO=0
    _describe_then_photo(chat, photos=[(JPEG, "image/jpeg")])
    assert chat.jobs()["stored"] == 1
    assert fake_twilio_server.media.asked("delete") == [] and fake_twilio_server.media.items
    [row] = chat.media_rows()
    assert row.next_attempt_at is None and row.source_url is not None
