"""HTTP doors other than WhatsApp: health, dashboard, simulator."""

from __future__ import annotations

from flask import Flask

from services.runtime import Runtime


def register_web(app: Flask, runtime: Runtime) -> None:
    """Attach every blueprint; the WhatsApp webhook comes from `bot`."""
    from bot import register_bot
    from web.health import bp as health_bp

    app.register_blueprint(health_bp)
    register_bot(app, runtime)
