"""The README's production command, `gunicorn -w 4 --threads 4 --access-logfile -
'wsgi:create_app()'`, as real processes: every worker honours the same session, the Twilio
transport refuses to start without SECRET_KEY, and the access log never holds a whole
login token."""

from __future__ import annotations

import re
import stat
from urllib.parse import urlsplit

import pytest
import requests

from services.core.secret_key import KEY_FILE
from tests.support.dashboard import LURAH_KETINTANG, login_link

pytestmark = pytest.mark.reliability

REQUESTS = 40
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _fresh(url: str, cookies=None, **kwargs) -> requests.Response:
    """One request on its own connection, so the kernel may hand it to any worker."""
    return requests.get(url, cookies=cookies, headers={"Connection": "close"},
                        allow_redirects=False, timeout=10, **kwargs)


def _sign_in(rig) -> tuple[requests.cookies.RequestsCookieJar, str]:
    path = urlsplit(login_link(rig.rt, LURAH_KETINTANG)).path
    session = requests.Session()
    page = session.get(rig.web.base_url + path, timeout=10)
    assert page.status_code == 200
    redeemed = session.post(rig.web.base_url + path, data={"csrf_token": CSRF.search(
        page.text)[1]}, allow_redirects=False, timeout=10, headers={"Connection": "close"})
    assert redeemed.status_code == 302, redeemed.text[:300]
    return session.cookies, path.rsplit("/", 1)[1]


def test_without_secret_key_four_workers_share_one_generated_key(sqlite_url, rig_factory,
                                                                 tmp_path, capsys):
    instance = tmp_path / "instance"
    rig = rig_factory(sqlite_url, MESSAGING_TRANSPORT="console", SECRET_KEY="",
                      INSTANCE_DIR=str(instance))
    rig.web.start()
    cookies, token = _sign_in(rig)
    statuses = [_fresh(rig.web.base_url + "/dashboard", cookies).status_code
                for _ in range(REQUESTS)]
    with capsys.disabled():
        print(f"\nsessions across 4 workers: {statuses.count(200)}/{REQUESTS} signed in, "
              f"{statuses.count(302)} sent to the login page")
    assert statuses == [200] * REQUESTS
    assert stat.S_IMODE((instance / KEY_FILE).stat().st_mode) == 0o600
    rig.web.stop()
    log = rig.web.log()
    assert log.count("/dashboard/login/") >= 2 and f"/dashboard/login/{token[:4]}****" in log
    assert token not in log and token[4:16] not in log


def test_twilio_without_secret_key_does_not_start_and_says_why(sqlite_url, rig_factory):
    rig = rig_factory(sqlite_url, SECRET_KEY="")
    with pytest.raises(RuntimeError, match="gunicorn exited") as failed:
        rig.web.start(wait=60)
    assert "MESSAGING_TRANSPORT=twilio needs SECRET_KEY" in str(failed.value)
