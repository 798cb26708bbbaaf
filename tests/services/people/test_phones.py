import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.people.phones import (
    PhoneError,
    PhoneProblem,
    mask_phone,
    normalize_phone,
    whatsapp_address,
)

PERSON = "+6281234567890"


@pytest.mark.parametrize(
    "typed",
    [
        "0812-3456-7890",
        "081234567890",
        "0812 3456 7890",
        "(0812) 3456-7890",
        "6281234567890",  # country code without '+' is international, not national
        "62 812 3456 7890",
        "+62 812 3456 7890",
        "+62-812-3456-7890",
        "+6281234567890",
        "+62 (0)812 3456 7890",
        "whatsapp:+6281234567890",
        "WhatsApp:+62 812-3456-7890",
        "  whatsapp: +6281234567890 \n",
    ],
)
def test_every_form_is_the_same_person(typed):
    assert normalize_phone(typed) == PERSON


def test_short_mobile_number_with_country_code_and_no_plus():
    assert normalize_phone("62812345678") == normalize_phone("0812345678") == "+62812345678"


def test_surabaya_landline():
    assert normalize_phone("031-5551234") == "+62315551234"


def test_foreign_number_in_international_form():
    assert normalize_phone("+1 415 555 2671") == "+14155552671"
    assert normalize_phone("whatsapp:+14155552671") == "+14155552671"


def test_other_default_region():
    assert normalize_phone("(415) 555-2671", region="US") == "+14155552671"


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", PhoneProblem.EMPTY),
        ("   ", PhoneProblem.EMPTY),
        ("whatsapp:", PhoneProblem.EMPTY),
        ("abc", PhoneProblem.UNPARSEABLE),
        ("pak RT", PhoneProblem.UNPARSEABLE),
        ("12345", PhoneProblem.INVALID),
        ("0812", PhoneProblem.INVALID),
        ("+62 812", PhoneProblem.INVALID),
        ("0" * 65, PhoneProblem.TOO_LONG),
    ],
)
def test_bad_numbers_raise_phone_error(typed, reason):
    with pytest.raises(PhoneError) as caught:
        normalize_phone(typed)
    assert caught.value.reason == reason
    assert isinstance(caught.value, ValueError)


def test_phone_error_message_never_contains_the_number():
    with pytest.raises(PhoneError) as caught:
        normalize_phone("0812999")
    assert "0812999" not in str(caught.value)


@given(st.text(max_size=80))
def test_normalize_phone_raises_only_phone_error(text):
    try:
        result = normalize_phone(text)
    except PhoneError:
        return
    assert result.startswith("+") and result[1:].isdigit()


# --- masking -----------------------------------------------------------------------


def test_mask_phone_matches_the_spec():
    assert mask_phone(PERSON) == "0812****7890"


def test_mask_phone_hides_one_star_per_digit():
    masked = mask_phone("+628123456789")  # national 08123456789, 11 digits
    assert masked == "0812***6789"
    assert len(masked) == len("08123456789")


def test_mask_phone_accepts_a_twilio_address():
    assert mask_phone("whatsapp:" + PERSON) == "0812****7890"


def test_mask_phone_keeps_a_foreign_country_code():
    assert mask_phone("+14155552671") == "+1415***2671"


def test_mask_phone_never_echoes_an_unreadable_number():
    masked = mask_phone("81234567890")  # no '+': not E.164
    assert "81234567890" not in masked
    assert masked.endswith("90")
    assert mask_phone("garbage") == "***"


@given(st.from_regex(r"\+628[1-9][0-9]{7,9}", fullmatch=True))
def test_mask_phone_never_shows_the_middle(e164):
    masked = mask_phone(e164)
    national = "0" + e164[3:]
    assert len(masked) == len(national)
    assert masked[:4] == national[:4] and masked[-4:] == national[-4:]
    assert set(masked[4:-4]) == {"*"}


# --- WhatsApp address --------------------------------------------------------------


def test_whatsapp_address():
    assert whatsapp_address(PERSON) == "whatsapp:+6281234567890"
    assert whatsapp_address("0812-3456-7890") == "whatsapp:+6281234567890"
    assert whatsapp_address("whatsapp:+6281234567890") == "whatsapp:+6281234567890"


def test_whatsapp_address_refuses_an_invalid_number():
    with pytest.raises(PhoneError):
        whatsapp_address("12345")
