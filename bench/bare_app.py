"""The bare-Flask limit: one view that answers Twilio's webhook with empty TwiML.

    gunicorn --pythonpath bench 'bare_app:create_app()'
"""

from __future__ import annotations

from flask import Flask, Response

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'


def create_app() -> Flask:
    """A Flask app with only POST /whatsapp/inbound."""
    app = Flask(__name__)

    @app.post("/whatsapp/inbound")
    def inbound() -> Response:
        return Response(EMPTY_TWIML, mimetype="text/xml")

    return app
