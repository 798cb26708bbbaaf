"""One scripted Tuesday (24 Nov 2026) of Siti's work, played in chat: an on-time close with
a photo, a late close, a refusal, a transfer to Jagir and a breach, so a day's output can
be checked figure by figure."""

from __future__ import annotations

from dataclasses import dataclass

from services.tickets.sweep import sweep
from tests.support.chat import Chat, file_ktp
from tests.support.clock import wib

SITI, BAMBANG = "+6281200000101", "+6281200000201"
LURAH_KETINTANG = "+6281200000901"
CITIZENS = tuple(f"+62857000000{i:02d}" for i in range(1, 5))
NIK = "3578012309900001"
PHOTO = "https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME1"
# A refusal worded like a spreadsheet formula: every CSV must neutralise it.
FORMULA_REASON = '=HYPERLINK("http://evil.example","dokumen kurang")'


@dataclass(frozen=True)
class Day:
    late: int          # filed Mon 10:00, breached Tue 10:00, resolved Tue 10:30
    on_time: int       # filed Mon 11:00, acknowledged and resolved (photo) Tue 09:00/09:30
    refused: int       # filed Mon 12:00, rejected Tue 11:00
    moved: int         # filed Tue 08:30, transferred to Jagir RW 2 Tue 11:30 (Bambang)


def play_tuesday(chat: Chat, rt, clock) -> Day:
    """Monday's requests and Tuesday's work; leaves the clock at Tue 16:30."""
    clock.set(wib(2026, 11, 23, 10, 0))
    late = file_ktp(chat, CITIZENS[0], "Ketintang RW 3", NIK)
    clock.set(wib(2026, 11, 23, 11, 0))
    on_time = file_ktp(chat, CITIZENS[1], "Ketintang RW 1", NIK)
    clock.set(wib(2026, 11, 23, 12, 0))
    refused = file_ktp(chat, CITIZENS[2], "Ketintang RW 2", NIK)
    clock.set(wib(2026, 11, 24, 8, 30))
    moved = file_ktp(chat, CITIZENS[3], "Ketintang RW 3", NIK)
    clock.set(wib(2026, 11, 24, 9, 0))
    chat.send(SITI, f"TERIMA {on_time}")
    clock.set(wib(2026, 11, 24, 9, 30))
    chat.send(SITI, f"SELESAI {on_time} KTP sudah dicetak", NumMedia="1", MediaUrl0=PHOTO,
              MediaContentType0="image/jpeg")
    clock.set(wib(2026, 11, 24, 10, 0))
    sweep(rt, clock())
    clock.set(wib(2026, 11, 24, 10, 30))
    chat.send(SITI, f"SELESAI {late} maaf terlambat")
    clock.set(wib(2026, 11, 24, 11, 0))
    chat.send(SITI, f"TOLAK {refused} {FORMULA_REASON}")
    clock.set(wib(2026, 11, 24, 11, 30))
    chat.send(SITI, f"ALIHKAN {moved} Jagir RW 2")
    clock.set(wib(2026, 11, 24, 14, 0))
    chat.send(BAMBANG, f"TERIMA {moved}")
    clock.set(wib(2026, 11, 24, 16, 30))
    chat.deliver()
    return Day(late, on_time, refused, moved)
