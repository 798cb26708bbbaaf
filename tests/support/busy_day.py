"""A busy Monday through the real doors (signed webhook, mocked Twilio, the CLI): six
citizens, four officers, four supervisors; used by the privacy tests."""

from __future__ import annotations

from services.channel.delivery import deliver_due
from tests.support.clock import wib
from tests.support.whatsapp import Phone

SITI, DEWI, BAMBANG, HENDRA = ("+6281200000101", "+6281200000103", "+6281200000201",
                               "+6281200000203")
LURAH_KETINTANG, LURAH_JAGIR, CAMAT, CITY = ("+6281200000901", "+6281200000902",
                                             "+6281200000903", "+6281200000999")
SUPERVISORS = [LURAH_KETINTANG, LURAH_JAGIR, CAMAT, CITY]
CITIZENS = [f"+6285711110{i:03d}" for i in range(1, 7)]
NIKS = [f"3578012309900{i:03d}" for i in range(1, 6)] + ["3578016309900006"]
KK = "3578011501200003"


def _ticket_number(replies: list[str]) -> int:
    text = next(r for r in replies if "Nomor tiket: #" in r)
    return int(text.split("Nomor tiket: #")[1].split()[0])


def play_busy_day(client, rt, clock, fake_twilio, runner) -> dict[str, int]:
    """Six citizens, four officers and four supervisors through the real doors."""

    def send(number, body="", **extra):
        before = len(fake_twilio.to(number))
        Phone(client, number, profile_name=f"Warga {number[-3:]}").send(body, **extra)
        deliver_due(rt, rt.transport)
        return fake_twilio.to(number)[before:]

    def file(citizen, service, place, nik, *more):
        for text in (service, place, nik, *more):
            send(citizen, text)
        return _ticket_number(send(citizen, "YA"))

    t = {}
    t["c1"] = file(CITIZENS[0], "KTP", "Ketintang RW 3", NIKS[0], "KTP hilang saat pindahan")
    t["c2"] = file(CITIZENS[1], "KK", "Jagir RW 2", NIKS[1], KK, "Tambah anak, akta terlampir")
    t["c3"] = file(CITIZENS[2], "KTP", "Ketintang RW 1", NIKS[2], "Ganti alamat")
    t["c4"] = file(CITIZENS[3], "KTP", "Ngagel RW 1", NIKS[3], "KTP rusak")
    t["c5"] = file(CITIZENS[4], "KK", "Ketintang RW 4", NIKS[4], "baru", "Pisah KK")
    send(CITIZENS[5], "KTP")
    send(CITIZENS[5], "Ketintang RW 2")
    send(CITIZENS[5], NIKS[5])
    send(CITIZENS[5], "BATAL")                                     # abandoned draft
    fake_twilio.fail_next(503)                 # a retry looks the message up by number
    send(SITI, f"TERIMA {t['c1']}")
    clock.advance(hours=1)
    send(SITI, f"TANYA {t['c1']} Mohon kirim foto KTP lama")
    send(CITIZENS[0], f"ini fotonya, NIK saya {NIKS[0]}", NumMedia="1",
         MediaUrl0="https://api.twilio.com/m/ktp-lama", MediaContentType0="image/jpeg")
    send(SITI, f"SELESAI {t['c1']} KTP jadi, ambil di balai RW")
    send(CITIZENS[0], "4")
    send(BAMBANG, f"TOLAK {t['c2']} akta belum dilegalisir")
    send(SITI, f"ALIHKAN {t['c3']} Jagir RW 1")
    send(BAMBANG, f"TERIMA {t['c3']}")
    send(CITIZENS[4], f"BATAL {t['c5']}")
    send(CITIZENS[1], "STATUS")
    send(SITI, "TUGAS")
    send(BAMBANG, "SKOR")
    for supervisor in SUPERVISORS:
        send(supervisor, "REKAP")
        send(supervisor, "SKOR 2026-11")
    clock.set(wib(2026, 11, 24, 11))           # Hendra's ticket is now late
    runner.invoke(args=["sla", "sweep"])
    runner.invoke(args=["outbox", "flush"])
    send(CAMAT, f"MAAFKAN {t['c4']} banjir di Ngagel")
    send(HENDRA, f"SELESAI {t['c4']}")
    return t


