"""Surabaya's official kecamatan and kelurahan codes, shipped in `data/`."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from services.core.paths import DATA

WILAYAH_CSV = DATA / "surabaya_wilayah.csv"


@dataclass(frozen=True)
class OfficialKelurahan:
    kecamatan_code: str
    kecamatan: str
    code: str
    name: str


def _key(name: str) -> str:
    return " ".join(name.lower().split())


@cache
def official_kelurahan() -> tuple[OfficialKelurahan, ...]:
    """Every kelurahan of Kota Surabaya with its Kemendagri code."""
    with WILAYAH_CSV.open(encoding="utf-8", newline="") as fh:
        return tuple(OfficialKelurahan(r["kecamatan_code"], r["kecamatan"], r["kelurahan_code"],
                                       r["kelurahan"]) for r in csv.DictReader(fh))


@cache
def _kecamatan_codes() -> dict[str, tuple[str, str]]:
    return {_key(k.kecamatan): (k.kecamatan_code, k.kecamatan) for k in official_kelurahan()}


@cache
def _kelurahan_codes() -> dict[tuple[str, str], OfficialKelurahan]:
    return {(_key(k.kecamatan), _key(k.name)): k for k in official_kelurahan()}


def kecamatan_code(name: str) -> tuple[str, str] | None:
    """(code, official spelling) of a kecamatan, matched ignoring case and spacing."""
    return _kecamatan_codes().get(_key(name))


def kelurahan_code(kecamatan: str, kelurahan: str) -> OfficialKelurahan | None:
    """The official record of a kelurahan within its kecamatan, if it exists."""
    return _kelurahan_codes().get((_key(kecamatan), _key(kelurahan)))
