"""Phone numbers as identity: normalise to E.164, mask for display, address on WhatsApp.

A person's identity is their WhatsApp number in E.164, so every form a citizen or the
roster may use ('0812-3456-7890', '62812...', '+62 812...', 'whatsapp:+62812...') must
normalise to the same string.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat

__all__ = [
    "PhoneError",
    "PhoneProblem",
    "mask_phone",
    "normalize_phone",
    "whatsapp_address",
]

WHATSAPP_PREFIX = "whatsapp:"
INDONESIA_CODE = 62
_MAX_INPUT_CHARS = 64
_LAYOUT = re.compile(r"[\s().\-/]+")
_NON_DIGITS = re.compile(r"\D+")
# An Indonesian number already in E.164 (as stored): masked without parsing it again.
_INDONESIAN_E164 = re.compile(r"^\+62([1-9]\d{7,12})$")


class PhoneProblem(StrEnum):
    """Why a phone number was refused; the value is the template key."""

    EMPTY = "empty"
    TOO_LONG = "too_long"
    UNPARSEABLE = "unparseable"
    INVALID = "invalid"


class PhoneError(ValueError):
    """A phone number that cannot be normalised; `reason` is a PhoneProblem."""

    def __init__(self, reason: PhoneProblem) -> None:
        # The message is the reason code only: the number itself is personal data.
        super().__init__(reason.value)
        self.reason = reason


def _strip_channel(text: str) -> str:
    """Drop surrounding spaces and Twilio's 'whatsapp:' channel prefix."""
    text = text.strip()
    if text[: len(WHATSAPP_PREFIX)].lower() == WHATSAPP_PREFIX:
        text = text[len(WHATSAPP_PREFIX) :].strip()
    return text


def _as_international(raw: str, region: str) -> PhoneNumber | None:
    """Read '62812...' (country code, no '+') as international when that is valid."""
    digits = _LAYOUT.sub("", raw)
    country_code = phonenumbers.country_code_for_region(region)
    if not (digits.isascii() and digits.isdigit()) or not country_code:
        return None
    if digits.startswith("0") or not digits.startswith(str(country_code)):
        return None
    try:
        number = phonenumbers.parse("+" + digits, None)
    except NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


@lru_cache(maxsize=8192)  # every webhook parses its sender (~100 µs); errors are not kept
def normalize_phone(text: str, region: str = "ID") -> str:
    """Return the E.164 form of a typed or Twilio-supplied number; raise PhoneError."""
    raw = _strip_channel(text)
    if not raw:
        raise PhoneError(PhoneProblem.EMPTY)
    if len(raw) > _MAX_INPUT_CHARS:
        raise PhoneError(PhoneProblem.TOO_LONG)
    number = _as_international(raw, region)
    if number is None:
        try:
            number = phonenumbers.parse(raw, region)
        except NumberParseException:
            raise PhoneError(PhoneProblem.UNPARSEABLE) from None
    if not phonenumbers.is_valid_number(number):
        raise PhoneError(PhoneProblem.INVALID)
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _mask_middle(digits: str, head: int, tail: int) -> str:
    """Keep `head` and `tail` digits, one '*' per hidden digit; hide more if too short."""
    if len(digits) - head - tail < 2:
        if len(digits) <= 4:
            return "*" * len(digits)
        return "*" * (len(digits) - 2) + digits[-2:]
    return digits[:head] + "*" * (len(digits) - head - tail) + digits[-tail:]


def mask_phone(e164: str) -> str:
    """Mask a number for digests and logs: '+6281234567890' -> '0812****7890'."""
    raw = _strip_channel(e164)
    stored = _INDONESIAN_E164.match(raw)
    if stored:  # reports mask thousands of these; parsing each costs ~30 µs
        return _mask_middle("0" + stored.group(1), 4, 4)
    try:
        number = phonenumbers.parse(raw, None)
    except NumberParseException:
        # Never echo an unreadable number whole into a log line.
        return _mask_middle(_NON_DIGITS.sub("", raw), 0, 2) or "***"
    national = phonenumbers.national_significant_number(number)
    if number.country_code == INDONESIA_CODE:
        return _mask_middle("0" + national, 4, 4)
    return f"+{number.country_code}" + _mask_middle(national, 3, 4)


def whatsapp_address(e164: str) -> str:
    """Return the Twilio WhatsApp address of a number: 'whatsapp:+62...'."""
    return WHATSAPP_PREFIX + normalize_phone(e164)
