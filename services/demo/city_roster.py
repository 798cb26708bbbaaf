"""The demo roster: every kecamatan and kelurahan of Surabaya, about 1,360 RWs, made-up staff.

    python -m services.demo.city_roster      # rewrites data/demo_roster.csv and data/demo_balai.csv

Deterministic (a fixed seed), so the committed files are reproducible byte for byte. The
small sample roster (data/sample_roster.csv) is included verbatim, so its people and
their RWs are the same in both. Everything personal is invented: names are drawn from
common Indonesian given names and family names, and the numbers come from ranges no
one holds (officers and backups 0812-0000-xxxx, supervisors 0812-9999-xxxx). Balai
coordinates are scattered around each kecamatan's centre, inside the city.
"""

from __future__ import annotations

import csv
import hashlib
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from services.core.paths import DATA, ROOT
from services.regions.wilayah import OfficialKelurahan, official_kelurahan

SEED = 3578
TOTAL_RWS = 1360
RW_RANGE = (5, 15)
GROUP_WEIGHTS = {1: 45, 2: 40, 3: 15}      # how many RWs one officer serves
BACKUP_SHARE = 0.55                         # kelurahan with a backup officer
TPP_RANGE = (4_000_000, 6_500_000)
LAT_RANGE, LON_RANGE = (-7.35, -7.18), (112.60, 112.83)
SAMPLE_ROSTER, SAMPLE_BALAI = DATA / "sample_roster.csv", DATA / "sample_balai.csv"
ROSTER_FILE, BALAI_FILE = DATA / "demo_roster.csv", DATA / "demo_balai.csv"
ROSTER_COLUMNS = ("role", "name", "phone", "kecamatan", "kelurahan", "rw", "tpp_base", "nip")
BALAI_COLUMNS = ("kecamatan", "kelurahan", "rw", "latitude", "longitude")

# Approximate centre of each kecamatan (latitude, longitude).
CENTRES = {
    "Asem Rowo": (-7.245, 112.700), "Benowo": (-7.235, 112.630), "Bubutan": (-7.250, 112.730),
    "Bulak": (-7.235, 112.785), "Dukuh Pakis": (-7.290, 112.705),
    "Gayungan": (-7.330, 112.720), "Genteng": (-7.260, 112.745), "Gubeng": (-7.278, 112.755),
    "Gunung Anyar": (-7.337, 112.800), "Jambangan": (-7.322, 112.710),
    "Karang Pilang": (-7.335, 112.685), "Kenjeran": (-7.228, 112.775),
    "Krembangan": (-7.228, 112.725), "Lakarsantri": (-7.305, 112.645),
    "Mulyorejo": (-7.268, 112.790), "Pabean Cantian": (-7.220, 112.740),
    "Pakal": (-7.240, 112.615), "Rungkut": (-7.318, 112.780), "Sambikerep": (-7.280, 112.655),
    "Sawahan": (-7.265, 112.715), "Semampir": (-7.220, 112.755), "Simokerto": (-7.240, 112.752),
    "Sukolilo": (-7.295, 112.790), "Sukomanunggal": (-7.265, 112.690),
    "Tambaksari": (-7.252, 112.765), "Tandes": (-7.255, 112.670),
    "Tegalsari": (-7.268, 112.735), "Tenggilis Mejoyo": (-7.320, 112.755),
    "Wiyung": (-7.315, 112.690), "Wonocolo": (-7.315, 112.735), "Wonokromo": (-7.300, 112.740),
}

# Made-up names: a given name and a second name of the same gender, as is common in Java.
MEN = (
    ("Agus", "Ahmad", "Andi", "Arif", "Bambang", "Budi", "Dedi", "Eko", "Fajar", "Hadi",
     "Hendra", "Heru", "Imam", "Joko", "Muhammad", "Rizki", "Rudi", "Setyo", "Slamet",
     "Sugeng", "Sulistyo", "Wahyu", "Yudi", "Dwi", "Tri"),
    ("Ardiansyah", "Budiman", "Cahyono", "Darmawan", "Firmansyah", "Gunawan", "Hartono",
     "Hidayat", "Irawan", "Kurniawan", "Maulana", "Mulyadi", "Nugroho", "Permana", "Prasetyo",
     "Pratama", "Purnomo", "Ramadhan", "Saputra", "Setiawan", "Suharto", "Susanto",
     "Sutrisno", "Syahputra", "Wahyudi", "Wibowo", "Widodo", "Wijaya", "Yulianto"),
)
WOMEN = (
    ("Anik", "Dewi", "Dian", "Endah", "Erna", "Fitri", "Ika", "Indah", "Kartika", "Lilik",
     "Lina", "Mega", "Nanik", "Nur", "Nurul", "Puji", "Putri", "Ratna", "Retno", "Rina",
     "Sari", "Siti", "Sri", "Suharti", "Umi", "Wulan", "Yanti", "Yuli", "Dwi", "Tri"),
    ("Anggraini", "Handayani", "Kusumawati", "Lestari", "Maharani", "Novitasari",
     "Puspitasari", "Rahayu", "Rahmawati", "Safitri", "Setiyowati", "Susanti", "Utami",
     "Wahyuni", "Widyastuti", "Wulandari", "Yuliana", "Kusuma", "Permatasari"),
)
PREFIX_TITLES = {"men": ("Drs.", "Ir.", "H."), "women": ("Dra.", "Ir.", "Hj.")}
DEGREES = ("S.Sos.", "S.STP", "S.H.", "S.E.", "M.Si.", "M.AP.", "S.AP.")


@dataclass(frozen=True)
class RosterLine:
    role: str
    name: str
    phone: str
    kecamatan: str = ""
    kelurahan: str = ""
    rw: str = ""
    tpp_base: str = ""
    nip: str = ""

    def row(self) -> tuple[str, ...]:
        return (self.role, self.name, self.phone, self.kecamatan, self.kelurahan, self.rw,
                self.tpp_base, self.nip)


def made_up_nip(phone: str) -> str:
    """A well-formed but invented 18-digit NIP, fixed per phone number (drawn from a hash,
    so the roster's random draws, and with them every name, stay as they were)."""
    h = int.from_bytes(hashlib.sha256(phone.encode()).digest()[:8], "big")
    born = 1965 + h % 35
    start = min(born + 22 + (h >> 8) % 9, 2024)
    return (f"{born}{1 + (h >> 12) % 12:02d}{1 + (h >> 16) % 28:02d}"
            f"{start}{1 + (h >> 21) % 12:02d}{1 + (h >> 25) % 2}{(h >> 26) % 1000:03d}")


class _People:
    """Unique made-up names and phone numbers from fictional ranges, in order."""

    def __init__(self, rng: random.Random, taken: set[str]) -> None:
        self.rng, self.names = rng, set(taken)
        self.next_number = {"officer": 1001, "backup": 6001, "supervisor": 1}

    def name(self, gender: str | None = None) -> str:
        gender = gender or self.rng.choice(("men", "women"))
        given, second = MEN if gender == "men" else WOMEN
        while True:
            name = f"{self.rng.choice(given)} {self.rng.choice(second)}"
            if name not in self.names:
                self.names.add(name)
                return name

    def phone(self, role: str) -> str:
        number = self.next_number[role]
        self.next_number[role] += 1
        block = "9999" if role == "supervisor" else "0000"
        return f"0812-{block}-{number:04d}"

    def tpp(self) -> str:
        low, high = TPP_RANGE
        return str(self.rng.randrange(low, high + 1, 50_000))

    def official(self, office: str) -> str:
        """`Lurah Kebraon (Drs. Budi Purnomo, M.Si.)`: office, then the person."""
        gender = self.rng.choice(("men", "women"))
        name = self.name(gender)
        if self.rng.random() < 0.4:
            name = f"{self.rng.choice(PREFIX_TITLES[gender])} {name}"
        if self.rng.random() < 0.8:
            name = f"{name}, {self.rng.choice(DEGREES)}"
        return f"{office} ({name})"


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def rw_counts(rng: random.Random, kelurahan: list[OfficialKelurahan]) -> list[int]:
    """RWs per kelurahan, each within RW_RANGE, summing to TOTAL_RWS."""
    low, high = RW_RANGE
    counts = [rng.randint(low, high) for _ in kelurahan]
    while (gap := TOTAL_RWS - sum(counts)) != 0:
        i = rng.randrange(len(counts))
        step = 1 if gap > 0 else -1
        if low <= counts[i] + step <= high:
            counts[i] += step
    return counts


def _groups(rng: random.Random, numbers: list[int]) -> Iterator[list[int]]:
    """Consecutive runs of 1–3 RW numbers: one officer each."""
    sizes, weights = list(GROUP_WEIGHTS), list(GROUP_WEIGHTS.values())
    i = 0
    while i < len(numbers):
        size = rng.choices(sizes, weights)[0]
        yield numbers[i:i + size]
        i += size


def _rw_text(numbers: list[int]) -> str:
    return ";".join(str(n) for n in numbers)


def _kelurahan_lines(rng: random.Random, people: _People, kel: OfficialKelurahan, count: int,
                     sample: list[dict[str, str]]) -> list[RosterLine]:
    """Lurah, officers and backups of one kelurahan; sample rows kept as they are."""
    lines = [RosterLine(**r) for r in sorted(sample, key=lambda r: r["role"] != "supervisor")]
    if not any(r["role"] == "supervisor" for r in sample):
        lines.insert(0, RosterLine("supervisor", people.official(f"Lurah {kel.name}"),
                                   people.phone("supervisor"), kel.kecamatan, kel.name))
    served = {int(n) for r in sample if r["role"] == "officer" for n in r["rw"].split(";")}
    free = [n for n in range(1, count + 1) if n not in served]
    officers = []
    for group in _groups(rng, free):
        line = RosterLine("officer", people.name(), people.phone("officer"), kel.kecamatan,
                          kel.name, _rw_text(group), people.tpp())
        officers.append(line)
        lines.append(line)
    if not sample and len(officers) > 1 and rng.random() < BACKUP_SHARE:
        covered = sorted(n for o in rng.sample(officers, min(2, len(officers)))
                         for n in map(int, o.rw.split(";")))
        lines.append(RosterLine("backup", people.name(), people.phone("backup"), kel.kecamatan,
                                kel.name, _rw_text(covered), people.tpp()))
    return lines


def build_roster(seed: int = SEED) -> tuple[list[RosterLine], dict[tuple[str, str], int]]:
    """Every roster line, and the number of RWs of each (kecamatan, kelurahan)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible made-up data, not secrets
    sample = _read_csv(SAMPLE_ROSTER)
    people = _People(rng, {r["name"] for r in sample})
    kelurahan = list(official_kelurahan())
    counts = rw_counts(rng, kelurahan)
    city = [RosterLine(**r) for r in sample if r["role"] == "supervisor" and not r["kecamatan"]]
    lines = city or [RosterLine("supervisor", "Dispendukcapil Kota (Nur Aini)",
                                people.phone("supervisor"))]
    sizes: dict[tuple[str, str], int] = {}
    for kecamatan in dict.fromkeys(k.kecamatan for k in kelurahan):
        camat = [RosterLine(**r) for r in sample if r["role"] == "supervisor"
                 and r["kecamatan"] == kecamatan and not r["kelurahan"]]
        lines += camat or [RosterLine("supervisor", people.official(f"Camat {kecamatan}"),
                                      people.phone("supervisor"), kecamatan)]
        for kel, count in zip(kelurahan, counts, strict=True):
            if kel.kecamatan != kecamatan:
                continue
            mine = [r for r in sample if r["kecamatan"] == kecamatan
                    and r["kelurahan"] == kel.name]
            lines += _kelurahan_lines(rng, people, kel, count, mine)
            sizes[(kecamatan, kel.name)] = count
    return [replace(line, nip=line.nip or made_up_nip(line.phone)) for line in lines], sizes


def _clamp(value: float, bounds: tuple[float, float]) -> float:
    return round(min(max(value, bounds[0]), bounds[1]), 4)


def build_balai(sizes: dict[tuple[str, str], int], seed: int = SEED) -> list[tuple]:
    """A plausible balai coordinate for every RW; the sample's own where it has them."""
    rng = random.Random(seed + 1)  # noqa: S311 - as above
    known = {(r["kecamatan"], r["kelurahan"], int(r["rw"])): (r["latitude"], r["longitude"])
             for r in _read_csv(SAMPLE_BALAI)}
    rows = []
    for (kecamatan, kelurahan), count in sizes.items():
        lat0, lon0 = CENTRES[kecamatan]
        lat0, lon0 = lat0 + rng.uniform(-0.012, 0.012), lon0 + rng.uniform(-0.012, 0.012)
        for number in range(1, count + 1):
            lat = _clamp(lat0 + rng.uniform(-0.005, 0.005), LAT_RANGE)
            lon = _clamp(lon0 + rng.uniform(-0.005, 0.005), LON_RANGE)
            lat, lon = known.get((kecamatan, kelurahan, number), (f"{lat:.4f}", f"{lon:.4f}"))
            rows.append((kecamatan, kelurahan, number, lat, lon))
    return rows


def roster_csv(lines: list[RosterLine]) -> str:
    """The roster as CSV text (the columns `roster import` reads)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ROSTER_COLUMNS)
    writer.writerows(line.row() for line in lines)
    return out.getvalue()


def balai_csv(rows: list[tuple]) -> str:
    """The balai coordinates as CSV text (the columns `roster balai` reads)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(BALAI_COLUMNS)
    writer.writerows(rows)
    return out.getvalue()


def write_demo_files(roster: Path = ROSTER_FILE, balai: Path = BALAI_FILE,
                     seed: int = SEED) -> tuple[int, int]:
    """Write both files; returns (roster lines, RWs)."""
    lines, sizes = build_roster(seed)
    rows = build_balai(sizes, seed)
    roster.write_text(roster_csv(lines), encoding="utf-8")
    balai.write_text(balai_csv(rows), encoding="utf-8")
    return len(lines), len(rows)


if __name__ == "__main__":
    people, rws = write_demo_files()
    print(f"{ROSTER_FILE.relative_to(ROOT)}: {people} people; "
          f"{BALAI_FILE.relative_to(ROOT)}: {rws} RWs")
