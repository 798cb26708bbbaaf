"""The app served over real HTTP on 127.0.0.1 (a WSGI server in a thread), with the sample
roster, for browser tests and for Twilio's side calling back into the app."""

from __future__ import annotations

import threading

from werkzeug.serving import make_server

from services.roster.apply import import_roster
from tests.support.files import SAMPLE_ROSTER


class Live:
    """The app on a free port; `url` is also its PUBLIC_BASE_URL."""

    def __init__(self, overrides: dict) -> None:
        from wsgi import create_app

        holder: dict = {}
        self.server = make_server("127.0.0.1", 0, lambda env, start: holder["app"](env, start),
                                  threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        # The app is built after the port is known, so its links point at this server.
        self.app = holder["app"] = create_app({**overrides, "OUTBOX_SENDER_THREAD": True,
                                               "RUN_WORKER": True,   # as in production
                                               "PUBLIC_BASE_URL": self.url})
        self.rt = self.app.extensions["layanan"]
        assert import_roster(self.rt, SAMPLE_ROSTER.read_bytes()).ok
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join(5)
        self.rt.close()
