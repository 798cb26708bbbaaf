"""Roster import (SPEC §2): good files, bad files, re-imports."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from models import RW, Kecamatan, Kelurahan, Role, Staff
from services.core.texts import scope_label
from tests.support.files import ROOT, SAMPLE_ROSTER

ROOT_DATA = ROOT / "data"

HEADER = "role,name,phone,kecamatan,kelurahan,rw,tpp_base\n"


def _write(tmp_path: Path, body: str, name: str = "roster.csv", raw: bytes | None = None) -> str:
    path = tmp_path / name
    path.write_bytes(raw if raw is not None else (HEADER + body).encode())
    return str(path)


def _snapshot(rt) -> list[tuple]:
    with rt.sessions() as db:
        people = [(s.phone, s.name, s.role.value, s.tpp_base, s.scope_kecamatan_id,
                   s.scope_kelurahan_id) for s in db.scalars(select(Staff).order_by(Staff.phone))]
        places = [(r.kelurahan.name, r.number, r.officer_id, r.backup_id)
                  for r in db.scalars(select(RW).order_by(RW.id))]
    return people + places


def test_sample_roster_imports_people_regions_and_codes(rt, runner):
    result = runner.invoke(args=["roster", "import", str(SAMPLE_ROSTER)])
    assert result.exit_code == 0, result.output
    assert "12 baru" in result.output
    with rt.sessions() as db:
        ketintang = db.scalar(select(Kelurahan).where(Kelurahan.name == "Ketintang"))
        assert ketintang.code == "35.78.22.1004"
        assert ketintang.kecamatan.code == "35.78.22"
        rw3 = db.scalar(select(RW).where(RW.kelurahan == ketintang, RW.number == 3))
        assert rw3.officer.name == "Siti Rahmawati"
        assert rw3.backup.name == "Agus Santoso"
        assert rw3.officer.phone == "+6281200000101"
        # Wonorejo exists twice, in two kecamatan
        assert db.scalar(select(func.count()).select_from(Kelurahan)
                         .where(Kelurahan.name == "Wonorejo")) == 2
        lurah = db.scalar(select(Staff).where(Staff.phone == "+6281200000901"))
        assert lurah.role is Role.SUPERVISOR and lurah.scope_kelurahan.name == "Ketintang"
        camat = db.scalar(select(Staff).where(Staff.phone == "+6281200000903"))
        assert camat.scope_kelurahan is None and camat.scope_kecamatan.name == "Wonokromo"
        city = db.scalar(select(Staff).where(Staff.phone == "+6281200000999"))
        assert scope_label(city) == "Kota Surabaya"


def test_reimporting_the_same_file_changes_nothing(rt, runner):
    runner.invoke(args=["roster", "import", str(SAMPLE_ROSTER)])
    before = _snapshot(rt)
    result = runner.invoke(args=["roster", "import", str(SAMPLE_ROSTER)])
    assert result.exit_code == 0
    assert "0 baru, 0 diperbarui, 12 tidak berubah, 0 wilayah baru" in result.output
    assert _snapshot(rt) == before


def test_changed_file_updates_in_place(rt, runner, tmp_path):
    first = _write(tmp_path, "officer,Siti,0812-0000-0101,Gayungan,Ketintang,1;2,5000000\n"
                   "officer,Dewi,0812-0000-0103,Gayungan,Ketintang,3,5000000\n", "a.csv")
    second = _write(tmp_path, "officer,Siti R.,+62 812 0000 0101,Gayungan,Ketintang,2;3,5500000\n"
                    "officer,Dewi,0812-0000-0103,Gayungan,Ketintang,4,5000000\n", "b.csv")
    assert runner.invoke(args=["roster", "import", first]).exit_code == 0
    with rt.sessions() as db:
        siti_id = db.scalar(select(Staff.id).where(Staff.phone == "+6281200000101"))
    result = runner.invoke(args=["roster", "import", second])
    assert result.exit_code == 0, result.output
    assert "0 baru, 2 diperbarui" in result.output
    with rt.sessions() as db:
        siti = db.scalar(select(Staff).where(Staff.phone == "+6281200000101"))
        assert siti.id == siti_id and siti.name == "Siti R." and siti.tpp_base == 5_500_000
        served = {r.number: r.officer.name if r.officer else None
                  for r in db.scalars(select(RW))}
        assert served == {1: None, 2: "Siti R.", 3: "Siti R.", 4: "Dewi"}
        assert db.scalar(select(func.count()).select_from(Staff)) == 2


@pytest.mark.parametrize("body, expected", [
    ("officer,A,12ab,Gayungan,Ketintang,1,100\n", "baris 3: nomor telepon tidak valid: 12ab"),
    ("boss,B,0812-0000-0111,,,,\n", "baris 3: peran tidak dikenal"),
    ("officer,C,0812-0000-0112,Gayungan,,1,100\n",
     "baris 3: petugas tanpa kecamatan atau kelurahan"),
    ("officer,C,0812-0000-0112,Gayungan,Ketintang,,100\n", "baris 3: petugas tanpa nomor RW"),
    ("officer,D,0812-0000-0113,Gayungan,Ketintang,1,-5\n",
     "baris 3: tpp_base harus bilangan bulat"),
    ("officer,D,0812-0000-0113,Gayungan,Ketintang,1,lima juta\n", "baris 3: tpp_base harus"),
    ("officer,E,0812-0000-0114,Gayungan,Ketintang,1,100\nsupervisor,E,0812-0000-0114,,,,\n",
     "baris 4: nomor yang sama sudah tercantum dengan peran lain di baris 3"),
    ("backup,F,0812-0000-0115,Gayungan,Ketintang,7,100\n",
     "baris 3: RW tanpa petugas utama: Ketintang RW 7"),
    ("officer,G,0812-0000-0116,Gayungan,Ketintang,1,100\nofficer,H,0812-0000-0117,Gayungan,"
     "Ketintang,1,100\n", "baris 4: RW sudah punya petugas utama lain (Ketintang RW 1, baris 3)"),
])
def test_bad_rows_are_reported_with_line_numbers_and_nothing_changes(rt, runner, tmp_path,
                                                                     body, expected):
    runner.invoke(args=["roster", "import", str(SAMPLE_ROSTER)])
    before = _snapshot(rt)
    good = "officer,Z,0812-0000-0199,Gayungan,Ketintang,9,100\n"
    result = runner.invoke(args=["roster", "import", _write(tmp_path, good + body)])
    assert result.exit_code == 1
    assert expected in result.output
    assert "TIDAK diimpor" in result.output
    # The good row on line 2 was not applied either: all or nothing.
    assert _snapshot(rt) == before


def test_every_problem_is_listed_and_the_database_is_untouched(rt, runner, tmp_path):
    runner.invoke(args=["roster", "import", str(SAMPLE_ROSTER)])
    before = _snapshot(rt)
    body = ("officer,New Person,0812-0000-0150,Gayungan,Ketintang,8,100\n"
            "officer,A,12ab,Gayungan,Ketintang,1,100\n"
            "nobody,B,0812-0000-0151,,,,\n"
            "officer,C,0812-0000-0152,Gayungan,Ketintang,2,-1\n")
    result = runner.invoke(args=["roster", "import", _write(tmp_path, body)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("baris")]
    assert [line.split(":")[0] for line in lines] == ["baris 3", "baris 4", "baris 5"]
    assert _snapshot(rt) == before


@pytest.mark.parametrize("raw, expected", [
    (b"\xff\xfe\x00r\x00o\x00l\x00e", "bukan teks UTF-8"),
    (b"nama;telepon\nSiti;0812\n", "kolom wajib tidak ada"),
    (HEADER.encode(), "tidak berisi baris data"),
])
def test_files_that_are_not_a_utf8_roster_csv(rt, runner, tmp_path, raw, expected):
    result = runner.invoke(args=["roster", "import", _write(tmp_path, "", raw=raw)])
    assert result.exit_code == 1
    assert expected in result.output
    with rt.sessions() as db:
        assert db.scalar(select(func.count()).select_from(Kecamatan)) == 0


def test_unknown_kelurahan_is_created_without_code_and_warned(rt, runner, tmp_path):
    path = _write(tmp_path, "officer,A,0812-0000-0160,Gayungan,Kampung Baru,1,100\n")
    result = runner.invoke(args=["roster", "import", path])
    assert result.exit_code == 0
    assert "peringatan baris 2: kelurahan tidak ada di data Kemendagri" in result.output
    with rt.sessions() as db:
        assert db.scalar(select(Kelurahan).where(Kelurahan.name == "Kampung Baru")).code is None


def test_balai_coordinates_import_all_or_nothing(rt, runner, tmp_path):
    runner.invoke(args=["roster", "import", str(SAMPLE_ROSTER)])
    good = ROOT_DATA / "sample_balai.csv"
    result = runner.invoke(args=["roster", "balai", str(good)])
    assert result.exit_code == 0 and "17 RW diperbarui" in result.output
    with rt.sessions() as db:
        rw = db.scalar(select(RW).join(Kelurahan).where(Kelurahan.name == "Jagir",
                                                       RW.number == 2))
        assert (rw.latitude, rw.longitude) == (-7.3032, 112.7489)
    bad = _write(tmp_path, "", raw=b"kecamatan,kelurahan,rw,latitude,longitude\n"
                 b"Wonokromo,Jagir,1,-7.1,112.1\nWonokromo,Jagir,9,-7.3,112.7\n"
                 b"Gayungan,Ketintang,1,-7.30,112.72\n")
    result = runner.invoke(args=["roster", "balai", bad])
    assert result.exit_code == 1
    assert "baris 2: koordinat tidak valid" in result.output
    assert "baris 3: RW belum ada di roster: Jagir RW 9" in result.output
    with rt.sessions() as db:
        rw1 = db.scalar(select(RW).join(Kelurahan).where(Kelurahan.name == "Ketintang",
                                                        RW.number == 1))
        assert rw1.latitude == -7.3086  # the good row of the bad file was not applied
