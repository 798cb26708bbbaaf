import csv
import time
from collections import Counter
from pathlib import Path

import pytest

from services.regions.matching import (
    PlaceCandidate,
    PlaceMatch,
    RwReference,
    match_kelurahan,
    normalize_place,
    parse_rw_reference,
)

_CSV_NAME = "surabaya_wilayah.csv"
_CSV_PATHS = [
    Path(__file__).resolve().parents[2] / "data" / _CSV_NAME,
    Path("/work/shared/data") / _CSV_NAME,
]


def _load_kelurahan() -> list[PlaceCandidate]:
    path = next(p for p in _CSV_PATHS if p.exists())
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [
        PlaceCandidate(
            id=int(r["kelurahan_code"].replace(".", "")),
            name=r["kelurahan"],
            kecamatan=r["kecamatan"],
        )
        for r in rows
    ]


KELURAHAN = _load_kelurahan()
NAME_COUNTS = Counter(normalize_place(c.name) for c in KELURAHAN)
UNIQUE = [c for c in KELURAHAN if NAME_COUNTS[normalize_place(c.name)] == 1]


def _one(name: str, kecamatan: str | None = None) -> PlaceCandidate:
    found = [c for c in KELURAHAN if c.name == name and kecamatan in (None, c.kecamatan)]
    assert len(found) == 1
    return found[0]


def _exact(query: str) -> PlaceCandidate | None:
    return match_kelurahan(query, KELURAHAN).exact


def test_the_real_list():
    assert len(KELURAHAN) == 153
    assert len({c.kecamatan for c in KELURAHAN}) == 31
    assert [n for n, k in NAME_COUNTS.items() if k > 1] == ["wonorejo"]


# --- normalize_place ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("Ketintang", "ketintang"),
        ("  KETINTANG  ", "ketintang"),
        ("Kel. Ketintang", "ketintang"),
        ("kel ketintang", "ketintang"),
        ("kel.ketintang", "ketintang"),
        ("Kelurahan   Dr. Soetomo", "dr soetomo"),
        ("Desa Made", "made"),
        ("Alun-alun Contong", "alun alun contong"),
        ("Kétintang", "ketintang"),
        ("Wonorejo (Rungkut)", "wonorejo rungkut"),
        ("Kelurahan", ""),
        ("", ""),
    ],
)
def test_normalize_place(typed, normal):
    assert normalize_place(typed) == normal


# --- parse_rw_reference ------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "Ketintang RW 3",
        "kel. ketintang rw 03",
        "Kelurahan  Ketintang, RW.3",
        "ketintang rw3",
        "RW 3 Ketintang",
        "R.W. 003 Kel. Ketintang",
        "Ketintang RW:3",
        "ketintang rt 5 rw 3",
        "RW.03/RT.05 Ketintang",
        "ＲＷ ３ Ketintang",
    ],
)
def test_parse_rw_reference(typed):
    assert parse_rw_reference(typed) == RwReference(place_text="ketintang", rw=3)


def test_rw_alone_leaves_the_place_empty():
    assert parse_rw_reference("RW 12") == RwReference(place_text="", rw=12)


def test_rw_inside_a_word_is_not_an_rw():
    assert parse_rw_reference("R.W. 12 kel Darwo") == RwReference(place_text="darwo", rw=12)
    assert parse_rw_reference("jl darwo 5") is None


@pytest.mark.parametrize("typed", ["Ketintang", "Ketintang 3", "RW", "rw ketintang", "RW 0 x", ""])
def test_no_rw_number(typed):
    assert parse_rw_reference(typed) is None


# --- match_kelurahan: exact --------------------------------------------------------


@pytest.mark.parametrize("candidate", UNIQUE, ids=lambda c: c.name)
def test_every_unique_name_matches_exactly(candidate):
    name = candidate.name
    for typed in (name, name.upper(), f"  {name.lower()}  ", f"kel. {name}", f"Kelurahan {name}"):
        result = match_kelurahan(typed, KELURAHAN)
        assert result == PlaceMatch(exact=candidate, choices=[candidate]), typed


@pytest.mark.parametrize("candidate", KELURAHAN, ids=lambda c: f"{c.name}-{c.kecamatan}")
def test_name_with_its_kecamatan_matches_exactly(candidate):
    assert _exact(f"{candidate.name} ({candidate.kecamatan})") == candidate
    assert _exact(f"{candidate.name} kec. {candidate.kecamatan}") == candidate


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("kalirungkut", "Kalirungkut"),
        ("kali rungkut", "Kalirungkut"),
        ("karangpilang", "Karang Pilang"),
        ("pacar keling", "Pacarkeling"),
        ("dr sutomo", "Dr. Soetomo"),  # old spelling, two letters apart
        ("alun alun contong", "Alun-alun Contong"),
    ],
)
def test_spacing_and_spelling(typed, name):
    assert _exact(typed) == _one(name)


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("Ketintan", "Ketintang"),  # one letter missing
        ("Ktintang", "Ketintang"),
        ("Ketitnang", "Ketintang"),  # transposition counts as one
        ("Ketintamg", "Ketintang"),
        ("Ktintng", "Ketintang"),  # two letters missing from a long name
        ("Jagr", "Jagir"),  # short name, one typo, nothing else near
        ("kedurs", "Kedurus"),
        ("Siwalankrto", "Siwalankerto"),
        ("tengilis mejoy", "Tenggilis Mejoyo"),
        ("simomulyo bru", "Simomulyo Baru"),
        ("kedung baru", "Kedung Baruk"),
    ],
)
def test_small_typos(typed, name):
    assert _exact(typed) == _one(name)


def test_kenjeran_and_benowo_are_also_kelurahan():
    assert _exact("Kenjeran") == _one("Kenjeran", "Bulak")
    assert _exact("Benowo") == _one("Benowo", "Pakal")


# --- match_kelurahan: ambiguous ----------------------------------------------------


@pytest.mark.parametrize("typed", ["wonorejo", "Wonorejo", "kel. wonorejo", "WONOREJO "])
def test_wonorejo_alone_is_ambiguous(typed):
    result = match_kelurahan(typed, KELURAHAN)
    assert result.exact is None
    assert {(c.name, c.kecamatan) for c in result.choices} == {
        ("Wonorejo", "Rungkut"),
        ("Wonorejo", "Tegalsari"),
    }


@pytest.mark.parametrize(
    "typed",
    [
        "wonorejo rungkut",
        "Wonorejo (Rungkut)",
        "wonorejo, kec. rungkut",
        "Kelurahan Wonorejo Kecamatan Rungkut",
        "rungkut wonorejo",
        "wonoreja rungkut",
    ],
)
def test_wonorejo_with_its_kecamatan(typed):
    assert _exact(typed) == _one("Wonorejo", "Rungkut")


def test_wonorejo_tegalsari():
    assert _exact("wonorejo tegalsari") == _one("Wonorejo", "Tegalsari")


def test_typo_on_a_shared_name_offers_both():
    result = match_kelurahan("wonoreja", KELURAHAN)
    assert result.exact is None
    assert {c.kecamatan for c in result.choices[:2]} == {"Rungkut", "Tegalsari"}


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("kapasar", {"Kapasari", "Kapasan"}),  # one letter from each
        ("pakil", {"Pakis", "Pakal"}),
    ],
)
def test_typo_between_two_names_is_not_guessed(typed, expected):
    result = match_kelurahan(typed, KELURAHAN)
    assert result.exact is None
    assert {c.name for c in result.choices[:2]} == expected


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("manukan", {"Manukan Kulon", "Manukan Wetan"}),
        ("lidah", {"Lidah kulon", "Lidah Wetan"}),
        ("tambak oso", {"Tambak Oso Wilangun"}),
        ("Ketntng", {"Ketintang"}),  # too garbled to be sure, but offered first
    ],
)
def test_partial_names_offer_the_closest_first(typed, first):
    result = match_kelurahan(typed, KELURAHAN)
    assert result.exact is None
    assert {c.name for c in result.choices[: len(first)]} == first


def test_merged_kelurahan_offers_its_successor():
    # Perak Utara was merged into Tanjung Perak; the citizen must choose.
    result = match_kelurahan("Perak Utara", KELURAHAN)
    assert result.exact is None
    assert _one("Tanjung Perak") in result.choices


def test_limit():
    result = match_kelurahan("rungkut", KELURAHAN, limit=2)
    assert result.exact is None
    assert len(result.choices) == 2
    assert len(match_kelurahan("rungkut", KELURAHAN).choices) <= 5


# --- match_kelurahan: nothing ------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["xyzzy qwerty", "asdfgh", "Surabaya", "", "   ", "!!!", "kelurahan", "ab", "x" * 2000]
)
def test_nonsense_matches_nothing(typed):
    assert match_kelurahan(typed, KELURAHAN) == PlaceMatch(exact=None, choices=[])


def test_no_candidates():
    assert match_kelurahan("Ketintang", []) == PlaceMatch(exact=None, choices=[])


def test_fast_enough_for_every_message():
    queries = ["Ketintang", "Ktintang", "wonorejo", "wonorejo rungkut", "xyzzy", "tambak oso"]
    started = time.perf_counter()
    for _ in range(20):
        for query in queries:
            match_kelurahan(query, KELURAHAN)
    per_query = (time.perf_counter() - started) / (20 * len(queries))
    assert per_query < 0.05  # typically ~5 ms for the 153 kelurahan
