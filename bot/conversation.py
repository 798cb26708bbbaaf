"""Entry point of the conversation layer: checks every message, then routes by who wrote."""

from __future__ import annotations

from bot import citizen_chat, staff_chat
from services.core.context import Turn
from services.people.directory import staff_by_phone

BODY_LIMIT = 1600


def handle_message(turn: Turn) -> None:
    """Answer one inbound message (the caller commits)."""
    msg = turn.inbound
    if len(msg.body) > BODY_LIMIT:
        turn.reply("too_long", limit=BODY_LIMIT)
        return
    refused = [m["refused"] for m in msg.media if m.get("refused")]
    if refused:   # a type, size or host the media store refused as the message arrived
        turn.reply("media_unsupported", reason="size" if "size" in refused else "type")
        return
    staff = staff_by_phone(turn.db, msg.phone)
    if staff is not None:
        staff_chat.handle(turn, staff)
    else:
        citizen_chat.handle(turn)
