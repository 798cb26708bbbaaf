"""Officers who cannot be reached (issue 16.4-5): a chat over the signed webhook against the
fake Twilio (real HTTP), with signed status callbacks and the tickets' handovers to read."""

from __future__ import annotations

from sqlalchemy import select

from models import DeliveryFailure, Ticket, TicketEvent
from tests.support.media import NIK, WARGA, MediaChat
from tests.support.whatsapp import post_signed

AGUS = "+6281200000102"          # backup of Ketintang RW 1-3
DEWI = "+6281200000103"          # officer of Ketintang RW 4-5, no backup


class UnreachableChat(MediaChat):
    """A MediaChat whose citizen files in any RW, and which can fail a message later."""

    def file_ktp(self, photos=(), who: str = WARGA, place: str = "Ketintang RW 3") -> int:
        """A citizen files a KTP request; its number (from the submission reply)."""
        for text in ("KTP", place, NIK, "KTP saya rusak terkena banjir", "YA"):
            self.send(who, text)
        self.deliver()
        [reply] = [b for b in self.bodies(who) if "Nomor tiket: #" in b]
        return int(reply.split("Nomor tiket: #")[1].split()[0])

    def status(self, sid: str, status: str = "failed", code: int | None = 63024) -> None:
        """Twilio's signed status callback for a message it accepted."""
        url, form, signature = self.fake.status_form(sid, status, code)
        assert url == "http://localhost/whatsapp/status"
        response = post_signed(self.client, "/whatsapp/status", form, signature)
        assert response.status_code in (200, 204), response.data


def ticket_state(rt, number: int) -> tuple[Ticket, str | None, list[TicketEvent]]:
    """The ticket, its holder's phone and its events."""
    with rt.sessions() as db:
        ticket = db.get(Ticket, number)
        holder = ticket.officer.phone if ticket.officer else None
        events = list(db.scalars(select(TicketEvent).where(TicketEvent.ticket_id == number)
                                 .order_by(TicketEvent.id)))
        db.expunge_all()
    return ticket, holder, events


def transfers(events: list[TicketEvent]) -> list[dict]:
    return [e.details for e in events if e.kind == "transferred"]


def failures(rt) -> list[DeliveryFailure]:
    with rt.sessions() as db:
        rows = list(db.scalars(select(DeliveryFailure).order_by(DeliveryFailure.id)))
        db.expunge_all()
    return rows
