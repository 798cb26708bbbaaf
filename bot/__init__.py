"""The WhatsApp edge: webhook, signature check, parsing, conversations, replies."""

from __future__ import annotations

from flask import Flask


def register_bot(app: Flask) -> None:
    """Attach the WhatsApp webhook blueprint."""
    from bot.webhook import bp

    app.register_blueprint(bp)
