"""`privacy purge` removes the stored photos and documents with the rest of a ticket's
personal data; a file a kept ticket still holds stays; a copy Twilio still has is deleted."""

from __future__ import annotations

import pytest

from services.media.files import digest, has_file
from services.media.links import media_path
from tests.support.media import JPEG, JPEG_2, PNG, SITI, MediaChat

LATER_CITIZEN = "+6285700000002"


pytestmark = pytest.mark.twilio_server


@pytest.fixture
def chat(client, rt, fake_twilio_server, roster):
    return MediaChat(client, rt, fake_twilio_server)


def _files(rt) -> set[str]:
    return {p.name for p in rt.settings.media_dir.rglob("*") if p.is_file()}


def _resolve(chat, number: int, evidence=()) -> None:
    chat.send(SITI, f"SELESAI {number} KTP sudah jadi", photos=evidence)
    chat.jobs()


def test_purge_removes_the_files_of_old_tickets_and_keeps_those_still_needed(
        chat, rt, clock, runner, client):
    old = chat.file_ktp(photos=[(JPEG, "image/jpeg")])
    chat.jobs()
    _resolve(chat, old, evidence=[(PNG, "image/png")])
    assert _files(rt) == {digest(JPEG), digest(PNG)}
    clock.advance(days=400)
    recent = chat.file_ktp(photos=[(JPEG, "image/jpeg"), (JPEG_2, "image/jpeg")],
                           who=LATER_CITIZEN)
    chat.jobs()
    old_photo = chat.media_rows()[0]

    result = runner.invoke(args=["privacy", "purge", "--older-than", "365d"])

    assert result.exit_code == 0, result.output
    assert "foto/dokumen lampiran: 2 (berkas dihapus dari MEDIA_DIR: 1)" in result.output
    assert _files(rt) == {digest(JPEG), digest(JPEG_2)}        # #recent still holds JPEG
    assert [r.status for r in chat.media_rows()] == ["purged", "purged", "stored", "stored"]
    assert client.get(media_path(rt.settings, old_photo.id, rt.now())).status_code == 404

    _resolve(chat, recent)
    clock.advance(days=400)
    result = runner.invoke(args=["privacy", "purge", "--older-than", "365d"])
    assert "berkas dihapus dari MEDIA_DIR: 2" in result.output
    assert _files(rt) == set() and not has_file(rt.settings, digest(JPEG))
    again = runner.invoke(args=["privacy", "purge", "--older-than", "365d"])
    assert "foto/dokumen lampiran: 0 (berkas dihapus dari MEDIA_DIR: 0)" in again.output


def test_a_copy_still_at_twilio_when_purged_is_deleted_there(chat, rt, clock, runner,
                                                             fake_twilio_server):
    fake_twilio_server.fault("500", applies_to=("media",))   # never downloaded
    number = chat.file_ktp(photos=[(JPEG, "image/jpeg")])
    _resolve(chat, number)
    clock.advance(days=400)
    assert runner.invoke(args=["privacy", "purge", "--older-than", "365d"]).exit_code == 0
    fake_twilio_server.recover()
    assert chat.jobs().get("deleted") == 1
    [row] = chat.media_rows()
    assert (row.status, row.source_url) == ("purged", None)
    assert fake_twilio_server.media.items == {}
    assert [h.status for h in fake_twilio_server.media.asked("media")] == [500]
