"""The demo's cast: the roster as the stories see it, and the made-up citizens who write.

Everything here is plain data read once after the roster import (`load_cast`) or drawn
from a seeded random generator (`make_citizen`), so a seed always gives the same people.
Citizens' numbers come from 0857-0000-xxxx, a range no one holds.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import aliased

from models import RW, Kecamatan, Kelurahan, Role, Staff
from services.core.runtime import Runtime
from services.demo.city_roster import MEN, WOMEN

CITIZEN_BASE = 6285700000000      # +62 857-0000-0000: numbers are this plus 1, 2, ...
OTHER_REGIONS = ("3515", "3525", "3516", "3517", "3524")   # Sidoarjo, Gresik, Mojokerto, …


def seeded(*parts: object) -> random.Random:
    """A random generator for one purpose of one demo run: `seeded(seed, "request", 7)`."""
    return random.Random(":".join(map(str, parts)))  # noqa: S311 - reproducible, not secret


@dataclass(frozen=True)
class DemoRw:
    """A balai RW and who serves it."""

    rw_id: int
    number: int
    kelurahan_id: int
    kelurahan: str
    kecamatan: str
    kecamatan_digits: str          # '22' for Gayungan (35.78.22), used in NIKs
    latitude: float | None
    longitude: float | None
    officer_id: int | None
    officer_phone: str | None
    backup_phone: str | None
    twin_name: bool                # another kecamatan has a kelurahan of this name

    def typed(self) -> str:
        """How a careful citizen names it: `Ketintang RW 3` (with kecamatan for twins)."""
        where = f"{self.kelurahan} {self.kecamatan}" if self.twin_name else self.kelurahan
        return f"{where} RW {self.number}"


@dataclass(frozen=True)
class Cast:
    places: list[DemoRw]
    lurah: dict[int, str]            # kelurahan id → phone
    camat: dict[str, str]            # kecamatan name → phone
    city: list[str]
    by_kelurahan: dict[int, list[DemoRw]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for place in self.places:
            self.by_kelurahan.setdefault(place.kelurahan_id, []).append(place)

    def in_kelurahan(self, kelurahan_id: int) -> list[DemoRw]:
        """The RWs of one kelurahan."""
        return self.by_kelurahan.get(kelurahan_id, [])


def load_cast(rt: Runtime) -> Cast:
    """Every RW with its officer and backup, and every supervisor, from the database."""
    officer, backup = aliased(Staff), aliased(Staff)
    with rt.sessions() as db:
        rows = db.execute(
            select(RW.id, RW.number, Kelurahan.id, Kelurahan.name, Kecamatan.name,
                   Kecamatan.code, RW.latitude, RW.longitude, RW.officer_id, officer.phone,
                   backup.phone)
            .join(Kelurahan, RW.kelurahan_id == Kelurahan.id)
            .join(Kecamatan, Kelurahan.kecamatan_id == Kecamatan.id)
            .outerjoin(officer, RW.officer_id == officer.id)
            .outerjoin(backup, RW.backup_id == backup.id)
            .order_by(Kecamatan.name, Kelurahan.name, RW.number)).all()
        supervisors = db.execute(
            select(Staff.phone, Staff.scope_kelurahan_id, Kecamatan.name)
            .outerjoin(Kecamatan, Staff.scope_kecamatan_id == Kecamatan.id)
            .where(Staff.role == Role.SUPERVISOR, Staff.active.is_(True))
            .order_by(Staff.id)).all()
    names = Counter(kelurahan for kelurahan, _ in {(r[3], r[4]) for r in rows})
    places = [DemoRw(r[0], r[1], r[2], r[3], r[4], (r[5] or "35.78.00")[-2:], r[6], r[7], r[8],
                    r[9], r[10], names[r[3]] > 1) for r in rows]
    lurah = {kel: phone for phone, kel, _ in supervisors if kel is not None}
    camat = {kec: phone for phone, kel, kec in supervisors if kel is None and kec is not None}
    city = [phone for phone, kel, kec in supervisors if kel is None and kec is None]
    return Cast(places, lurah, camat, city)


@dataclass(frozen=True)
class CitizenPerson:
    phone: str
    name: str                  # WhatsApp profile name
    woman: bool
    nik: str
    kk: str


def _nik(rng: random.Random, place: DemoRw, woman: bool, today: date) -> str:
    region = f"3578{place.kecamatan_digits}" if rng.random() < 0.88 else (
        rng.choice(OTHER_REGIONS) + f"{rng.randint(1, 18):02d}")
    born = today - timedelta(days=rng.randint(17 * 365 + 5, 75 * 365))
    day = born.day + (40 if woman else 0)
    return f"{region}{day:02d}{born:%m%y}{rng.randint(1, 400):04d}"


def _kk(rng: random.Random, place: DemoRw, today: date) -> str:
    registered = today - timedelta(days=rng.randint(200, 18 * 365))
    return f"3578{place.kecamatan_digits}{registered:%d%m%y}{rng.randint(1, 2500):04d}"


def make_citizen(rng: random.Random, index: int, place: DemoRw, today: date) -> CitizenPerson:
    """Citizen number `index` (1, 2, …), living near `place`."""
    woman = rng.random() < 0.55
    given, second = WOMEN if woman else MEN
    first = rng.choice(given)
    name = rng.choice((first, f"{first} {rng.choice(second)}", f"{'Bu' if woman else 'Pak'} "
                       f"{first}"))
    return CitizenPerson(f"+{CITIZEN_BASE + index}", name, woman,
                         _nik(rng, place, woman, today), _kk(rng, place, today))


def is_demo_citizen(phone: str) -> bool:
    """True for numbers the demo hands to its citizens."""
    return phone.startswith(f"+{CITIZEN_BASE // 10_000}")


# What people write; one is drawn per message.
KTP_NEEDS = (
    "KTP hilang waktu pindahan rumah", "KTP patah, mohon cetak ulang",
    "Ganti status perkawinan di KTP (sudah menikah)", "KTP rusak terkena banjir",
    "Perubahan alamat setelah pindah datang", "Anak sudah 17 tahun, mohon rekam KTP-el",
    "Tulisan di KTP luntur tidak terbaca", "Ganti pekerjaan di KTP",
    "Salah ketik nama di KTP", "KTP hilang, sudah ada surat kehilangan dari polsek",
)
KK_NEEDS = (
    "Tambah anggota keluarga, bayi baru lahir", "Pisah KK setelah menikah",
    "Hapus anggota keluarga yang meninggal", "KK rusak terkena air",
    "Perubahan alamat pindah datang dari Sidoarjo", "Perbaikan tanggal lahir anak di KK",
    "Tambah anggota keluarga (ibu mertua ikut tinggal)", "Ganti kepala keluarga",
)
QUESTIONS = (
    "Mohon kirim foto surat kehilangan dari kepolisian.", "Mohon kirim foto KK lama.",
    "Boleh kirim foto akta kelahiran anaknya?", "Mohon foto buku nikah halaman depan.",
    "Alamat lengkapnya RT berapa ya?", "Mohon kirim foto KTP yang rusak.",
)
ANSWERS = ("Ini fotonya pak", "Sudah saya kirim ya bu", "RT 04, terima kasih",
           "Ini dokumennya", "Berikut fotonya, mohon dicek")
NOTES = ("KTP-el sudah dicetak, bisa diambil di balai RW jam kerja",
         "Dokumen sudah jadi, silakan ambil di kelurahan dengan membawa bukti tiket",
         "Sudah terbit, file PDF dikirim ke email Bapak/Ibu", "Sudah diproses, silakan cek",
         "")
REJECTIONS = ("NIK terdaftar di luar Surabaya, mohon urus pindah datang dahulu",
              "Data ganda, permohonan yang sama sudah diproses di kelurahan",
              "Dokumen pendukung tidak sesuai, mohon ajukan ulang dengan surat pengantar RT")
EXCUSES = ("Server SIAK Dispendukcapil gangguan seharian, bukan kelalaian petugas",
           "Blanko KTP-el kosong se-Surabaya hari itu", "Petugas mendampingi kegiatan pemilu")
