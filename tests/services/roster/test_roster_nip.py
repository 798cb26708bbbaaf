"""The roster's optional `nip` column: 18 digits, checked, one person per NIP."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import Staff
from services.roster.apply import import_roster
from services.roster.parse import parse_nip
from tests.support.files import SAMPLE_ROSTER

HEADER = b"role,name,phone,kecamatan,kelurahan,rw,tpp_base,nip\n"


def _nips(rt) -> dict[str, str | None]:
    with rt.sessions() as db:
        return {s.name: s.nip for s in db.scalars(select(Staff))}


@pytest.mark.parametrize("text, expected", [
    ("198503122010012004", "198503122010012004"),
    ("19850312 201001 2 004", "198503122010012004"),
    ("1985.03.12.2010.01.2.004", "198503122010012004"),
    ("19850312201001200", None),            # 17 digits
    ("198502302010012004", None),           # 30 February
    ("198503122010132004", None),           # month 13 of service
    ("198503122010013004", None),           # sex neither 1 nor 2
    ("198503121980012004", None),           # in service before birth
    ("19850312201001200x", None),
    ("١٩٨٥٠٣١٢٢٠١٠٠١٢٠٠٤", None),           # not ASCII digits
])
def test_what_a_nip_may_be(text, expected):
    assert parse_nip(text) == expected


def test_the_sample_roster_names_every_nip(rt, roster):
    nips = _nips(rt)
    assert nips["Siti Rahmawati"] == "198503122010012004"
    assert all(nips.values())


def test_a_bad_nip_is_a_problem_with_its_line_and_nothing_changes(rt, runner, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(HEADER + b"officer,Siti,0812-0000-0101,Gayungan,Ketintang,1,5000000,"
                              b"1985031220100120\n"
                              b"officer,Dewi,0812-0000-0103,Gayungan,Ketintang,2,5000000,"
                              b"199001202015032001\n"
                              b"officer,Rina,0812-0000-0104,Gayungan,Ketintang,3,5000000,"
                              b"199001202015032001\n")
    result = runner.invoke(args=["roster", "import", str(path)])
    assert result.exit_code != 0
    assert "baris 2: NIP tidak valid (18 angka" in result.output and "1985031220100120" in \
        result.output
    assert "baris 4: NIP yang sama sudah tercantum untuk nomor lain di baris 3" in result.output
    assert _nips(rt) == {}


def test_a_nip_held_by_someone_else_is_refused(rt, roster, runner, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(HEADER + b"officer,Orang Baru,0812-0000-0150,Gayungan,Ketintang,6,5000000,"
                              b"198503122010012004\n")
    result = runner.invoke(args=["roster", "import", str(path)])
    assert "baris 2: NIP sudah terdaftar untuk petugas dengan nomor lain" in result.output
    assert "Orang Baru" not in _nips(rt)


def test_a_file_without_the_column_keeps_the_nips_a_blank_cell_clears_one(rt, roster):
    old = SAMPLE_ROSTER.read_bytes().decode()
    without = "\n".join(line.rsplit(",", 1)[0] for line in old.splitlines()) + "\n"
    assert import_roster(rt, without.encode()).ok
    assert _nips(rt)["Siti Rahmawati"] == "198503122010012004"
    blank = old.replace(",198503122010012004", ",")
    assert import_roster(rt, blank.encode()).ok
    assert _nips(rt)["Siti Rahmawati"] is None and _nips(rt)["Agus Santoso"]
