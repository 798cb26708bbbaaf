"""WhatsApp with photos, end to end: signed webhooks in, the fake Twilio over real HTTP
holding the media behind basic auth, the media job and the outbox run as the scheduler
would run them."""

from __future__ import annotations

from sqlalchemy import select

from models import Media, Message
from services.channel.delivery import deliver_due
from services.media.worker import fetch_due_media
from tests.support.whatsapp import Phone

# Small files whose first bytes are what the store sniffs (the rest is filler).
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"foto KTP rusak " * 64 + b"\xff\xd9"
JPEG_2 = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"foto KK lama " * 64 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
HTML = b"<!doctype html><title>bukan foto</title>"

WARGA = "+6285700000001"
SITI = "+6281200000101"          # officer, Ketintang RW 1-3
LURAH_KETINTANG = "+6281200000901"
NIK = "3578012309900001"


class MediaChat:
    """Anyone writing to the bot, with photos held by the fake Twilio."""

    def __init__(self, client, rt, fake) -> None:
        self.client, self.rt, self.fake = client, rt, fake
        self.phones: dict[str, Phone] = {}

    def send(self, number: str, body: str = "", photos=(), urls=(), **extra) -> None:
        """Write to the bot; `photos` are (bytes, declared type) Twilio holds for it,
        `urls` (url, declared type) pairs given as they are."""
        items = [(self.fake.add_media(data, kind), kind) for data, kind in photos]
        items += list(urls)
        form = {"NumMedia": str(len(items))}
        for i, (url, kind) in enumerate(items):
            form[f"MediaUrl{i}"], form[f"MediaContentType{i}"] = url, kind
        phone = self.phones.setdefault(number, Phone(self.client, number))
        phone.send(body, **form, **extra)

    def deliver(self) -> None:
        """Send what the outbox has due."""
        deliver_due(self.rt, self.rt.transport)

    def jobs(self) -> dict[str, int]:
        """One media round (downloads, deletions, held photos), then the outbox."""
        counts = fetch_due_media(self.rt)
        self.deliver()
        return counts

    def received(self, number: str):
        """What the fake Twilio accepted for `number`, in order."""
        return self.fake.by_recipient().get(number, [])

    def bodies(self, number: str) -> list[str]:
        return [c.body or "" for c in self.received(number)]

    def media_rows(self) -> list[Media]:
        with self.rt.sessions() as db:
            return list(db.scalars(select(Media).order_by(Media.id)))

    def outbound(self, number: str) -> list[Message]:
        with self.rt.sessions() as db:
            return list(db.scalars(select(Message).where(
                Message.phone == number, Message.direction == "out").order_by(Message.id)))

    def file_ktp(self, photos=(), who: str = WARGA) -> int:
        """A citizen files a KTP request in Ketintang RW 3 (Siti's), photos before YA."""
        for text in ("KTP", "Ketintang RW 3", NIK, "KTP saya rusak terkena banjir"):
            self.send(who, text)
        if photos:
            self.send(who, "", photos=photos)
        self.send(who, "YA")
        self.deliver()
        reply = self.bodies(who)[-1]
        return int(reply.split("Nomor tiket: #")[1].split()[0])
