"""Chatting through the signed webhook as anyone, reading what each number received."""

from __future__ import annotations

from services.channel.delivery import deliver_due
from tests.support.whatsapp import Phone


class Chat:
    """Send as any number; every reply and notice is delivered through the Twilio mock."""

    def __init__(self, client, rt, fake_twilio) -> None:
        self.client, self.rt, self.fake = client, rt, fake_twilio
        self.phones: dict[str, Phone] = {}

    def send(self, number: str, body: str = "", **extra) -> list[str]:
        """Send and return the messages that number got meanwhile."""
        before = len(self.fake.to(number))
        phone = self.phones.setdefault(number, Phone(self.client, number))
        phone.send(body, **extra)
        self.deliver()
        return self.fake.to(number)[before:]

    def deliver(self) -> None:
        """Send whatever the outbox holds (after a sweep, say)."""
        deliver_due(self.rt, self.rt.transport)

    def inbox(self, number: str) -> list[str]:
        return self.fake.to(number)

    def last(self, number: str) -> str:
        return self.fake.to(number)[-1]

    def sid_of_last(self, number: str) -> str:
        return [s for s in self.fake.sent if s.to == number][-1].sid


def file_ktp(chat: Chat, who: str, place: str = "Ketintang RW 3",
             nik: str = "3578012309900001") -> int:
    """A citizen files a KTP request in chat; returns its ticket number."""
    chat.send(who, "KTP")
    chat.send(who, place)
    chat.send(who, nik)
    chat.send(who, "KTP saya hilang waktu banjir")
    [reply] = chat.send(who, "YA")
    return int(reply.split("Nomor tiket: #")[1].split()[0])
