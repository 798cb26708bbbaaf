"""The app's own error pages: every HTTP error (404, 405, 413, 500 …) answers with an
Indonesian page, and, like every response, with the security headers (web.guard)."""

from __future__ import annotations

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException

PROBLEMS = {400: "bad_request", 404: "not_found", 405: "method", 413: "too_large",
            500: "server"}


def error_page(error: HTTPException):
    """The page for an HTTP error, with the error's status and headers (405's `Allow`)."""
    code = error.code or 500
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    return render_template("pages/error.html", problem=PROBLEMS.get(code, "refused"),
                           code=code), code, headers


def register_error_pages(app: Flask) -> None:
    """Attach the error page to every HTTP error the app answers (a 404 is also what an
    out-of-scope ticket looks like)."""
    app.register_error_handler(HTTPException, error_page)
