"""End to end in real headless Chromium (Debian's `chromium`), driven by playwright.

The app runs under a real WSGI server in a thread; the test moves the shared manual
clock. Screenshots go to tests/artifacts/ (git-ignored) for a human to look at.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from models import Breach, Message
from tests.support.clock import wib
from tests.support.dashboard import LURAH_KETINTANG, NIK, file_ticket, sweep_at
from tests.support.live import Live

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
LINK = re.compile(r"http://127\.0\.0\.1:\d+/dashboard/login/\S+")


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module; skipped with the reason when unavailable."""
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        pytest.skip("browser tests skipped: /usr/bin/chromium is not installed "
                    "(apt-get install chromium chromium-driver)")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="browser tests skipped: pip install playwright")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")),
            args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def live(overrides):
    server = Live(overrides)
    yield server
    server.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900}, accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def _say(page, text: str) -> None:
    """Type and send in the simulator, then wait for the bot's next reply."""
    from playwright.sync_api import expect

    replies = page.locator(".bubble.out")
    before = replies.count()
    page.fill("#body", text)
    page.click("#send")
    expect(replies).to_have_count(before + 1)


def _open_simulator(page, live, phone: str, roster: bool = False) -> None:
    """Open the simulator as `phone` and wait until its conversation has loaded."""
    page.goto(live.url + "/simulator")
    if roster:
        page.select_option("#person", value=phone)
    else:
        page.fill("#phone", phone)
        page.dispatch_event("#phone", "change")
    page.wait_for_selector(f'#log[data-phone="{phone}"]', state="attached")


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _log_in_through_masuk(page, live) -> None:
    """The lurah writes MASUK in the simulator; the link comes from the stored message."""
    from playwright.sync_api import expect

    _open_simulator(page, live, LURAH_KETINTANG, roster=True)
    _say(page, "MASUK")
    expect(page.locator(".bubble.out").last).to_contain_text("/dashboard/login/")
    with live.rt.sessions() as db:
        stored = db.scalars(select(Message.body).where(
            Message.phone == LURAH_KETINTANG, Message.direction == "out",
            Message.body.contains("/dashboard/login/"))).one()
    page.goto(LINK.search(stored)[0])
    page.click("#masuk")


def _excuse(page, number: int, reason: str) -> None:
    from playwright.sync_api import expect

    expect(page.locator("h1")).to_contain_text(f"Tiket #{number}")
    expect(page.locator("main")).to_contain_text("3578********0001")
    assert NIK not in page.content()
    page.fill("#reason", reason)
    page.get_by_role("button", name="Maafkan keterlambatan").click()
    expect(page.locator(".notice.ok")).to_contain_text("Keterlambatan dimaafkan")
    expect(page.locator("ol.timeline")).to_contain_text(reason)
    _shot(page, "dashboard-ticket")


def _visit_tickets_and_officers(page) -> None:
    from playwright.sync_api import expect

    page.get_by_role("link", name="Tiket", exact=True).click()
    page.select_option("#status", value="all")
    page.get_by_role("button", name="Tampilkan").click()
    expect(page.locator("main table")).to_contain_text("dimaafkan")
    _shot(page, "dashboard-tickets")
    page.get_by_role("link", name="Petugas").click()
    expect(page.locator("article.scorecard")).to_have_count(3)
    _shot(page, "dashboard-officers")


def _download_csv(page) -> str:
    page.get_by_role("link", name="Laporan bulanan").click()
    with page.expect_download() as download:
        page.click("#csv")
    _shot(page, "dashboard-report")
    return Path(download.value.path()).read_text(encoding="utf-8")


def test_a_supervisor_logs_in_excuses_a_breach_and_downloads_the_csv(page, live, clock):
    from playwright.sync_api import expect

    number = file_ticket(live.rt, clock, wib(2026, 11, 23, 10))
    sweep_at(live.rt, clock, wib(2026, 11, 24, 11))
    _log_in_through_masuk(page, live)

    expect(page.locator("h1")).to_contain_text("Ringkasan Kelurahan Ketintang")
    expect(page.locator("#fig-overdue")).to_have_text("1")
    overdue_link = page.get_by_role("link", name=f"#{number}").first
    expect(overdue_link).to_be_visible()
    _shot(page, "dashboard-overview")
    page.set_viewport_size({"width": 390, "height": 844})
    _shot(page, "dashboard-overview-phone")
    page.set_viewport_size({"width": 1200, "height": 900})

    overdue_link.click()
    _excuse(page, number, "Server Dispendukcapil mati sejak pagi")
    with live.rt.sessions() as db:
        assert db.scalar(select(Breach)).excuse_reason == "Server Dispendukcapil mati sejak pagi"
    _visit_tickets_and_officers(page)

    csv_text = _download_csv(page)
    assert "Siti Rahmawati,0812****0101" in csv_text and f"#{number}" in csv_text
    assert NIK not in csv_text and "+62" not in csv_text


def test_a_citizen_files_a_ktp_request_in_the_simulator(page, live):
    from playwright.sync_api import expect

    _open_simulator(page, live, "+6285700000123")
    expect(page.locator(".empty")).to_be_visible()
    steps = ["KTP", "Ketintang RW 3", NIK, "KTP saya hilang waktu banjir", "YA"]
    for text in steps:
        _say(page, text)
    last = page.locator(".bubble.out").last
    expect(last).to_contain_text("Nomor tiket: #1")
    expect(last).to_contain_text("Siti Rahmawati")
    expect(last).to_contain_text("terkirim")   # the console transport delivered it
    _shot(page, "simulator")
    page.set_viewport_size({"width": 390, "height": 844})
    _shot(page, "simulator-phone")


def test_a_page_of_another_site_cannot_reach_the_simulator_by_dns_rebinding(browser, live):
    """Chromium resolves attacker.example to 127.0.0.1, as a rebinding DNS server would:
    the app is reached, yet the simulator does not answer to that name."""
    port = live.server.server_port
    chromium = browser.browser_type.launch(   # a browser of its own: the rule is per launch
        executable_path=str(CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")),
        args=[*ARGS, "--host-resolver-rules=MAP attacker.example 127.0.0.1"])
    try:
        tab = chromium.new_page()
        attacker = f"http://attacker.example:{port}"
        assert tab.goto(attacker + "/").status == 200            # the rebinding works
        assert tab.goto(attacker + "/simulator").status == 404
        status = tab.evaluate("""async (url) => (await fetch(url, {method: "POST",
            headers: {"Content-Type": "application/json"},
            body: JSON.stringify({phone: "+6281200000901", body: "MASUK"})})).status""",
            attacker + "/simulator/send")
        assert status == 404
        listing = tab.evaluate("async (url) => (await fetch(url)).status",
                               attacker + "/simulator/messages?phone=%2B6281200000901")
        assert listing == 404
    finally:
        chromium.close()
    with live.rt.sessions() as db:
        assert db.scalar(select(Message).where(Message.direction == "in")) is None


def test_the_simulator_shows_a_photo_sent_and_the_officer_receiving_it(page, live):
    from playwright.sync_api import expect

    from services.demo.photos import png

    _open_simulator(page, live, "+6285700000124")
    for text in ["KTP", "Ketintang RW 3", NIK, "KTP saya rusak"]:
        _say(page, text)
    page.click("details summary")
    page.set_input_files("#media", files=[{"name": "ktp.png", "mimeType": "image/png",
                                           "buffer": png("lampiran", 1)}])
    _say(page, "")
    sent = page.locator(".bubble.in img")
    expect(sent).to_have_count(1)
    page.wait_for_function("document.querySelector('.bubble.in img').naturalWidth > 0")
    _say(page, "YA")
    _shot(page, "simulator-photo")

    _open_simulator(page, live, "+6281200000101", roster=True)   # Siti, the RW's officer
    received = page.locator(".bubble.out img")
    expect(received).to_have_count(1)
    page.wait_for_function("document.querySelector('.bubble.out img').naturalWidth > 0")
    expect(page.locator(".bubble.out").last).to_contain_text("Lampiran 1 dari 1 · tiket #1")
    _shot(page, "simulator-photo-officer")


def test_the_dashboard_ticket_page_shows_its_photos(page, live, clock):
    from playwright.sync_api import expect

    from models import MediaRole
    from services.demo.photos import png
    from tests.support.dashboard import attach_photo

    number = file_ticket(live.rt, clock, wib(2026, 11, 23, 10))
    attach_photo(live.rt, number, png("lampiran", 0))
    attach_photo(live.rt, number, png("bukti", 2), MediaRole.EVIDENCE)
    _log_in_through_masuk(page, live)
    page.goto(f"{live.url}/dashboard/tickets/{number}")
    thumbs = page.locator("#lampiran ul.thumbs img")
    expect(thumbs).to_have_count(2)
    page.wait_for_function("[...document.querySelectorAll('#lampiran img')]"
                           ".every(img => img.naturalWidth > 0)")
    _shot(page, "dashboard-ticket-photos")
    with page.context.expect_page() as opened:
        thumbs.first.click()
    full = opened.value
    full.wait_for_load_state()
    assert f"/dashboard/tickets/{number}/media/" in full.url
    full.close()
