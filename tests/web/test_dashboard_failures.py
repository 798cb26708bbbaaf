"""Failed deliveries in words (issue 16.5): the overview lists the failed messages in the
supervisor's scope with the ticket, the recipient (masked), a plain Indonesian reason and
what was done; failures tied to no ticket only for the city."""

from __future__ import annotations

import pytest

from tests.support.dashboard import CAMAT_WONOKROMO, CITY, LURAH_JAGIR, csrf_of, log_in
from tests.support.media import LURAH_KETINTANG, SITI
from tests.support.unreachable import UnreachableChat

STRANGER = "+6285700000077"      # a citizen whose number stopped taking our messages

pytestmark = pytest.mark.twilio_server


@pytest.fixture
def failed(client, rt, fake_twilio_server, roster) -> int:
    chat = UnreachableChat(client, rt, fake_twilio_server)
    fake_twilio_server.reject(SITI, 63024)
    fake_twilio_server.reject(STRANGER, 21610)
    number = chat.file_ktp()
    chat.send(STRANGER, "MENU")
    chat.deliver()
    return number


def _overview(client, rt, phone: str) -> str:
    log_in(client, rt, phone)
    page = client.get("/dashboard").get_data(as_text=True)
    client.post("/dashboard/logout", data={"csrf_token": csrf_of(client.get("/dashboard"))})
    return page


def _section(page: str) -> str:
    start = page.find('id="pesan-gagal"')
    return "" if start < 0 else page[start:page.index("</section>", start)]


def test_the_lurah_sees_the_ticket_failure_in_words_and_what_was_done(client, rt, failed):
    section = _section(_overview(client, rt, LURAH_KETINTANG))
    assert "nomor ini bukan akun WhatsApp (63024)" in section
    assert f"#{failed}</a>" in section and "Siti Rahmawati" in section
    assert "pemberitahuan tiket" in section and "new_ticket" not in section
    assert "Tiket dialihkan ke Agus Santoso" in section
    assert "0812****0101" in section and SITI not in section and SITI[1:] not in section
    assert "21610" not in section and "0857****0077" not in section    # tied to no ticket


def test_the_city_also_sees_failures_tied_to_no_ticket(client, rt, failed):
    section = _section(_overview(client, rt, CITY))
    assert "nomor ini bukan akun WhatsApp (63024)" in section
    assert "berhenti berlangganan" in section and "(21610)" in section
    assert "0857****0077" in section and STRANGER not in section and STRANGER[1:] not in section


@pytest.mark.parametrize("supervisor", [LURAH_JAGIR, CAMAT_WONOKROMO])
def test_supervisors_out_of_scope_see_none_of_it(client, rt, failed, supervisor):
    page = _overview(client, rt, supervisor)
    assert _section(page) == "" and "63024" not in page and f"#{failed}<" not in page
