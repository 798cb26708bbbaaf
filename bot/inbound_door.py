"""`POST /whatsapp/inbound`, answered ahead of Flask: Twilio's most frequent request.

Twilio waits on this request, and a burst (a city-wide announcement that thousands answer)
must be acknowledged at once. The door checks the signature, parses the form, stores the
message (one statement, one commit) and answers empty TwiML, on the WSGI layer: without
Flask's request context, session and hooks, which cost more than the work itself. Every
other request, any other method on this path included, goes to the Flask app unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy.exc import DBAPIError
from twilio.twiml.messaging_response import MessagingResponse
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from bot.parse import BadRequest, parse_inbound
from bot.signature import signature_valid
from services.channel.inbound import store_inbound
from services.core.runtime import Runtime

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)

PATH = "/whatsapp/inbound"


@cache
def empty_twiml() -> str:
    # The same few bytes on every webhook: rendered once (the SDK builds an XML tree).
    return str(MessagingResponse())


def refusal(status: int, reason: str) -> Response:
    """A plain-text refusal Twilio logs (and retries, for a 5xx)."""
    return Response(reason + "\n", status=status, mimetype="text/plain")


class InboundDoor:
    """WSGI middleware: `POST /whatsapp/inbound` here, everything else to `app`.

    `finish` gets every response before it leaves (the app's security headers), and
    `max_length` caps the body as the Flask app does (413 beyond it)."""

    def __init__(self, app: WSGIApplication, runtime: Runtime, *,
                 finish: Callable[[Response], Response], max_length: int) -> None:
        self.app, self.runtime, self.finish, self.max_length = app, runtime, finish, max_length

    def __call__(self, environ: WSGIEnvironment,
                 start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") != "POST":
            return self.app(environ, start_response)
        request = Request(environ)
        request.max_content_length = self.max_length
        return self.finish(self.answer(request))(environ, start_response)

    def answer(self, request: Request) -> Response:
        """Check, parse, store once; empty TwiML, or why not."""
        settings = self.runtime.settings
        try:
            # On every transport, the console one too, or anyone reaching the port could
            # write as any staff number (the simulator has its own, local-only door).
            if not signature_valid(settings, request):
                log.warning("refused %s: missing or invalid X-Twilio-Signature", PATH)
                return refusal(403, "invalid signature")
            message = parse_inbound(request.form)
        except RequestEntityTooLarge:
            return refusal(413, "request too large")
        except BadRequest as exc:
            return refusal(400, str(exc))
        try:
            store_inbound(self.runtime, message)
        except DBAPIError:
            log.exception("database unavailable while receiving %s", message.sid)
            return refusal(503, "temporarily unavailable, please retry")
        # Stored only: a worker runs the conversation, and its replies travel through the
        # outbox (each gets a SID for quote-replies and status).
        return Response(empty_twiml(), mimetype="text/xml")
