from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.people.identity import (
    PROVINCE_CODES,
    KkReason,
    NikReason,
    mask_nik,
    validate_kk,
    validate_nik,
)

TODAY = date(2026, 11, 23)


def test_province_codes_are_the_38_kemendagri_provinces():
    assert len(PROVINCE_CODES) == 38
    assert all(len(code) == 2 and code.isdigit() for code in PROVINCE_CODES)
    assert PROVINCE_CODES["11"] == "Aceh"
    assert PROVINCE_CODES["35"] == "Jawa Timur"
    assert PROVINCE_CODES["65"] == "Kalimantan Utara"
    assert [PROVINCE_CODES[c] for c in ("91", "92", "93", "94", "95", "96")] == [
        "Papua",
        "Papua Barat",
        "Papua Selatan",
        "Papua Tengah",
        "Papua Pegunungan",
        "Papua Barat Daya",
    ]


# --- NIK: accepted -----------------------------------------------------------------


def test_surabaya_man():
    check = validate_nik("3578011508850001", TODAY)
    assert check.ok and check.reason is None
    assert check.nik == "3578011508850001"
    assert check.sex == "L"
    assert check.birth_date == date(1985, 8, 15)


def test_surabaya_woman_has_forty_added_to_her_birth_day():
    check = validate_nik("3578015508850002", TODAY)
    assert check.ok
    assert check.sex == "P"
    assert check.birth_date == date(1985, 8, 15)


def test_nik_issued_outside_surabaya_is_accepted():
    check = validate_nik("3174052303990003", TODAY)  # Jakarta Selatan
    assert check.ok
    assert check.birth_date == date(1999, 3, 23)


def test_nik_from_a_new_papua_province_is_accepted():
    assert validate_nik("9601011508850001", TODAY).ok


@pytest.mark.parametrize(
    "typed",
    [
        "3578 0115 0885 0001",
        "3578.0115.0885.0001",
        "3578-01-150885-0001",
        "  3578011508850001\n",
        "3578\t011508850001",
    ],
)
def test_separators_are_removed_first(typed):
    check = validate_nik(typed, TODAY)
    assert check.ok
    assert check.nik == "3578011508850001"


def test_born_today_is_not_in_the_future():
    check = validate_nik("3578012311260001", TODAY)
    assert check.ok
    assert check.birth_date == TODAY


def test_two_digit_year_after_this_year_is_last_century():
    assert validate_nik("3578011503270001", TODAY).birth_date == date(1927, 3, 15)
    assert validate_nik("3578011503000001", TODAY).birth_date == date(2000, 3, 15)


def test_leap_day_is_a_real_birth_date():
    assert validate_nik("3578012902000001", TODAY).birth_date == date(2000, 2, 29)
    woman = validate_nik("3578016902000001", TODAY)
    assert (woman.sex, woman.birth_date) == ("P", date(2000, 2, 29))


# --- NIK: refused ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("357801150885001", NikReason.LENGTH),  # 15 digits
        ("35780115088500011", NikReason.LENGTH),  # 17 digits
        ("", NikReason.LENGTH),
        ("   ", NikReason.LENGTH),
        ("3578O11508850001", NikReason.NOT_DIGITS),  # letter O for zero
        ("35780115088500a1", NikReason.NOT_DIGITS),
        ("NIK 3578011508850001", NikReason.NOT_DIGITS),
        ("٣٥٧٨٠١١٥٠٨٨٥٠٠٠١", NikReason.NOT_DIGITS),  # Arabic-Indic digits
        ("9978011508850001", NikReason.PROVINCE),  # unknown province
        ("0078011508850001", NikReason.PROVINCE),
        ("2078011508850001", NikReason.PROVINCE),
        ("9778011508850001", NikReason.PROVINCE),
        ("3578013208850001", NikReason.BIRTH_DATE),  # day 32
        ("3578011513850001", NikReason.BIRTH_DATE),  # month 13
        ("3578011500850001", NikReason.BIRTH_DATE),  # month 0
        ("3578010008850001", NikReason.BIRTH_DATE),  # day 0
        ("3578014008850001", NikReason.BIRTH_DATE),  # day 40: neither a man's nor a woman's
        ("3578017208850001", NikReason.BIRTH_DATE),  # woman, 72 - 40 = day 32
        ("3578013002850001", NikReason.BIRTH_DATE),  # 30 February
        ("3578012902010001", NikReason.BIRTH_DATE),  # 29 February 2001
        ("3578010112260001", NikReason.FUTURE),  # 2026-12-01, after today
        ("3578014112260001", NikReason.FUTURE),  # the same date for a woman
        ("3578012411260001", NikReason.FUTURE),  # tomorrow
        ("3578011508850000", NikReason.SERIAL),
    ],
)
def test_bad_nik(typed, reason):
    check = validate_nik(typed, TODAY)
    assert not check.ok
    assert check.reason == reason
    assert (check.nik, check.sex, check.birth_date) == (None, None, None)


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("99780132088500", NikReason.LENGTH),  # short beats a bad province
        ("3578O1150885000", NikReason.NOT_DIGITS),  # letters beat a bad length
        ("9978013208850000", NikReason.PROVINCE),  # province beats date and serial
        ("3578013208850000", NikReason.BIRTH_DATE),  # date beats serial
        ("3578010112260000", NikReason.FUTURE),  # future beats serial
    ],
)
def test_nik_checks_run_in_order(typed, reason):
    assert validate_nik(typed, TODAY).reason == reason


def test_reasons_are_plain_template_keys():
    reason = validate_nik("3578011508850000", TODAY).reason
    assert reason == "serial"
    assert f"nik_{reason}" == "nik_serial"


# --- NIK: properties ---------------------------------------------------------------


@given(st.text(max_size=40))
def test_validate_nik_never_raises(text):
    check = validate_nik(text, TODAY)
    if check.ok:
        assert check.reason is None
        assert check.nik is not None and len(check.nik) == 16 and check.nik.isdigit()
        assert check.birth_date is not None and check.birth_date <= TODAY
    else:
        assert check.reason in set(NikReason)


@given(st.text(alphabet="0123456789 .-", max_size=24))
def test_validate_nik_never_raises_on_digit_soup(text):
    assert validate_nik(text, TODAY).reason in {None, *NikReason}


@given(
    province=st.sampled_from(sorted(PROVINCE_CODES)),
    region=st.integers(0, 9999),
    born=st.dates(min_value=date(TODAY.year - 99, 1, 1), max_value=TODAY),
    sex=st.sampled_from(["L", "P"]),
    serial=st.integers(1, 9999),
)
def test_any_well_formed_nik_reads_back(province, region, born, sex, serial):
    day = born.day + (40 if sex == "P" else 0)
    nik = f"{province}{region:04d}{day:02d}{born:%m%y}{serial:04d}"
    check = validate_nik(nik, TODAY)
    assert check.ok, check.reason
    assert (check.nik, check.sex, check.birth_date) == (nik, sex, born)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2098, 12, 30)))
def test_tomorrow_is_always_in_the_future(today):
    tomorrow = today + timedelta(days=1)
    if tomorrow.year != today.year:  # 1 January reads as last century: a real past date
        return
    nik = f"357801{tomorrow:%d%m%y}0001"
    assert validate_nik(nik, today).reason == NikReason.FUTURE


# --- KK ----------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["BARU", "baru", " Baru ", "bArU\n"])
def test_kk_baru_means_a_new_family_card(typed):
    check = validate_kk(typed, TODAY)
    assert check.ok and check.new
    assert check.kk is None and check.reason is None


def test_valid_kk():
    check = validate_kk("3578 0115 0115 0003", TODAY)
    assert check.ok and not check.new
    assert check.kk == "3578011501150003"
    assert check.registered_on == date(2015, 1, 15)


def test_kk_issued_outside_surabaya_is_accepted():
    assert validate_kk("3171012006100004", TODAY).ok


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("357801150115000", KkReason.LENGTH),
        ("35780115011500031", KkReason.LENGTH),
        ("", KkReason.LENGTH),
        ("BARU 3578011501150003", KkReason.NOT_DIGITS),
        ("BAR", KkReason.NOT_DIGITS),
        ("35780115011500O3", KkReason.NOT_DIGITS),
        ("9978011501150003", KkReason.PROVINCE),
        ("3578015501150003", KkReason.REG_DATE),  # no + 40 on a KK
        ("3578013201150003", KkReason.REG_DATE),
        ("3578011513150003", KkReason.REG_DATE),
        ("3578013002160003", KkReason.REG_DATE),
        ("3578010112260003", KkReason.FUTURE),
        ("3578011501150000", KkReason.SERIAL),
    ],
)
def test_bad_kk(typed, reason):
    check = validate_kk(typed, TODAY)
    assert not check.ok and not check.new
    assert check.reason == reason
    assert check.kk is None and check.registered_on is None


@given(st.text(max_size=40))
def test_validate_kk_never_raises(text):
    check = validate_kk(text, TODAY)
    assert check.ok or check.reason in set(KkReason)


# --- masking -----------------------------------------------------------------------


def test_mask_nik_matches_the_spec():
    assert mask_nik("3578011234560001") == "3578********0001"


def test_mask_nik_never_shows_a_short_number_whole():
    assert mask_nik("12345678") == "********"
    assert mask_nik("") == ""
