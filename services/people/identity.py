"""NIK and KK number checks: pure functions, no database, no clock.

NIK = province (2) + city (2) + kecamatan (2) + birth date DDMMYY (women: day + 40)
+ serial (4, never 0000). KK = issuing region (6) + registration date DDMMYY (no + 40)
+ serial (4). Neither carries a checksum, and a NIK issued outside Surabaya (not 3578)
is valid. Results carry English reason codes; the Indonesian wording lives in templates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import Literal

__all__ = [
    "PROVINCE_CODES",
    "KkCheck",
    "KkReason",
    "NikCheck",
    "NikReason",
    "mask_nik",
    "validate_kk",
    "validate_nik",
]

# Kemendagri province codes (Kepmendagri No 300.2.2-2138 Tahun 2025): 38 provinces.
PROVINCE_CODES: Mapping[str, str] = MappingProxyType(
    {
        "11": "Aceh",
        "12": "Sumatera Utara",
        "13": "Sumatera Barat",
        "14": "Riau",
        "15": "Jambi",
        "16": "Sumatera Selatan",
        "17": "Bengkulu",
        "18": "Lampung",
        "19": "Kepulauan Bangka Belitung",
        "21": "Kepulauan Riau",
        "31": "DKI Jakarta",
        "32": "Jawa Barat",
        "33": "Jawa Tengah",
        "34": "DI Yogyakarta",
        "35": "Jawa Timur",
        "36": "Banten",
        "51": "Bali",
        "52": "Nusa Tenggara Barat",
        "53": "Nusa Tenggara Timur",
        "61": "Kalimantan Barat",
        "62": "Kalimantan Tengah",
        "63": "Kalimantan Selatan",
        "64": "Kalimantan Timur",
        "65": "Kalimantan Utara",
        "71": "Sulawesi Utara",
        "72": "Sulawesi Tengah",
        "73": "Sulawesi Selatan",
        "74": "Sulawesi Tenggara",
        "75": "Gorontalo",
        "76": "Sulawesi Barat",
        "81": "Maluku",
        "82": "Maluku Utara",
        "91": "Papua",
        "92": "Papua Barat",
        "93": "Papua Selatan",
        "94": "Papua Tengah",
        "95": "Papua Pegunungan",
        "96": "Papua Barat Daya",
    }
)

NUMBER_LENGTH = 16
_SEPARATORS = re.compile(r"[\s.\-]+")
_WOMAN_DAY_OFFSET = 40
_NEW_KK_WORD = "BARU"


class NikReason(StrEnum):
    """Why a NIK was refused; the value is the template key."""

    NOT_DIGITS = "not_digits"
    LENGTH = "length"
    PROVINCE = "province"
    BIRTH_DATE = "birth_date"
    FUTURE = "future"
    SERIAL = "serial"


class KkReason(StrEnum):
    """Why a KK number was refused; the value is the template key."""

    NOT_DIGITS = "not_digits"
    LENGTH = "length"
    PROVINCE = "province"
    REG_DATE = "reg_date"
    FUTURE = "future"
    SERIAL = "serial"


@dataclass(frozen=True, slots=True)
class NikCheck:
    """Outcome of validate_nik; on failure only `reason` is set."""

    ok: bool
    reason: NikReason | None = None
    nik: str | None = None
    sex: Literal["L", "P"] | None = None
    birth_date: date | None = None


@dataclass(frozen=True, slots=True)
class KkCheck:
    """Outcome of validate_kk; `new` is True when the citizen asked for a new KK (BARU)."""

    ok: bool
    reason: KkReason | None = None
    kk: str | None = None
    new: bool = False
    registered_on: date | None = None


def _strip_separators(text: str) -> str:
    return _SEPARATORS.sub("", text)


def _is_ascii_digits(text: str) -> bool:
    # str.isdigit alone accepts '²' and Arabic-Indic digits, which no NIK contains.
    return text.isascii() and text.isdigit()


def _dated(day: int, month: int, yy: int, today: date) -> date | None:
    """Return the date DD-MM-YY read with a sliding century, or None if it is not real."""
    century = today.year // 100 * 100
    year = century + yy if yy <= today.year % 100 else century - 100 + yy
    try:
        return date(year, month, day)
    except ValueError:
        return None


def validate_nik(text: str, today: date) -> NikCheck:
    """Check a typed NIK and read the holder's sex and birth date from it."""
    nik = _strip_separators(text)
    if nik and not _is_ascii_digits(nik):
        return NikCheck(ok=False, reason=NikReason.NOT_DIGITS)
    if len(nik) != NUMBER_LENGTH:
        return NikCheck(ok=False, reason=NikReason.LENGTH)
    if nik[:2] not in PROVINCE_CODES:
        return NikCheck(ok=False, reason=NikReason.PROVINCE)
    day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    sex: Literal["L", "P"] = "L"
    if day > _WOMAN_DAY_OFFSET:
        sex, day = "P", day - _WOMAN_DAY_OFFSET
    born = _dated(day, month, yy, today)
    if born is None:
        return NikCheck(ok=False, reason=NikReason.BIRTH_DATE)
    if born > today:
        return NikCheck(ok=False, reason=NikReason.FUTURE)
    if nik[12:] == "0000":
        return NikCheck(ok=False, reason=NikReason.SERIAL)
    return NikCheck(ok=True, nik=nik, sex=sex, birth_date=born)


def validate_kk(text: str, today: date) -> KkCheck:
    """Check a typed KK number, or accept the word BARU for a first KK."""
    if text.strip().upper() == _NEW_KK_WORD:
        return KkCheck(ok=True, new=True)
    kk = _strip_separators(text)
    if kk and not _is_ascii_digits(kk):
        return KkCheck(ok=False, reason=KkReason.NOT_DIGITS)
    if len(kk) != NUMBER_LENGTH:
        return KkCheck(ok=False, reason=KkReason.LENGTH)
    if kk[:2] not in PROVINCE_CODES:
        return KkCheck(ok=False, reason=KkReason.PROVINCE)
    registered = _dated(int(kk[6:8]), int(kk[8:10]), int(kk[10:12]), today)
    if registered is None:
        return KkCheck(ok=False, reason=KkReason.REG_DATE)
    if registered > today:
        return KkCheck(ok=False, reason=KkReason.FUTURE)
    if kk[12:] == "0000":
        return KkCheck(ok=False, reason=KkReason.SERIAL)
    return KkCheck(ok=True, kk=kk, registered_on=registered)


def mask_nik(nik: str) -> str:
    """Mask a NIK or KK number for digests and logs: '3578********0001'."""
    if len(nik) <= 8:
        return "*" * len(nik)
    return nik[:4] + "*" * (len(nik) - 8) + nik[-4:]
