"""Login tokens never appear whole in the request log lines the app writes."""

from __future__ import annotations

import logging
import threading
from urllib.parse import urlsplit

import pytest
import requests
from werkzeug.serving import make_server

from tests.support.dashboard import LURAH_KETINTANG, login_link
from web.request_log import SecretPathFilter, mask_secret_paths


@pytest.mark.parametrize("line, expected", [
    ('"GET /dashboard/login/AbCdEfGhIjKlMnOp HTTP/1.1" 200 -',
     '"GET /dashboard/login/AbCd**** HTTP/1.1" 200 -'),
    ("POST /dashboard/login/AbCdEfGhIjKlMnOp?x=1", "POST /dashboard/login/AbCd****?x=1"),
    ("GET /dashboard/login/short", "GET /dashboard/login/****"),
    ("GET /dashboard/login/ HTTP/1.1", "GET /dashboard/login/ HTTP/1.1"),
    ("GET /dashboard/tickets/12", "GET /dashboard/tickets/12"),
])
def test_a_token_in_a_line_is_masked(line, expected):
    assert mask_secret_paths(line) == expected


@pytest.fixture
def served(app, rt, roster):
    """The app on a real werkzeug development server (as `flask run` serves it)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


def test_the_development_servers_log_never_holds_a_whole_token(served, rt, caplog):
    caplog.set_level(logging.INFO, logger="werkzeug")
    token = urlsplit(login_link(rt, LURAH_KETINTANG)).path.rsplit("/", 1)[1]
    session = requests.Session()
    page = session.get(f"{served}/dashboard/login/{token}", timeout=10)
    assert page.status_code == 200
    csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    assert session.post(f"{served}/dashboard/login/{token}", data={"csrf_token": csrf},
                        allow_redirects=False, timeout=10).status_code == 302
    session.get(f"{served}/dashboard/login/{token}x", timeout=10)   # a wrong one: 404
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    requests_logged = [line for line in lines if "/dashboard/login/" in line]
    assert len(requests_logged) == 3, lines
    assert all(f"/dashboard/login/{token[:4]}****" in line for line in requests_logged)
    assert not any(token in line or token[4:12] in line for line in lines)


def test_the_app_and_gunicorn_loggers_mask_tokens_too(app):
    for name in ("gunicorn.access", "gunicorn.error", app.logger.name):
        logger = logging.getLogger(name)
        assert any(isinstance(f, SecretPathFilter) for f in logger.filters), name
    atoms = {"h": "127.0.0.1", "r": "GET /dashboard/login/AbCdEfGhIjKl HTTP/1.1", "s": "200"}
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1,
                               '%(h)s "%(r)s" %(s)s', (atoms,), None)
    assert SecretPathFilter().filter(record)
    assert record.getMessage() == '127.0.0.1 "GET /dashboard/login/AbCd**** HTTP/1.1" 200'


def test_the_masking_is_installed_once_however_many_apps_are_built(app, overrides):
    from wsgi import create_app

    other = create_app(overrides)
    try:
        filters = logging.getLogger("werkzeug").filters
        assert sum(isinstance(f, SecretPathFilter) for f in filters) == 1
    finally:
        other.extensions["layanan"].close()


